package gradwerk.tensor;

/**
 * Elementwise functions of one tensor. Some take scalar parameters {@code p} and {@code q} (see each constant).
 * {@link #apply} is the scalar definition that every backend kernel is tested against.
 */
public enum UnaryOp {
    NEG, ABS, EXP, LOG, SQRT, RSQRT, SIN, COS, TANH, SIGMOID, RELU,
    /** x^p */
    POW,
    /** min(max(x, p), q) */
    CLAMP,
    /** x + p */
    ADD_SCALAR,
    /** x * p */
    MUL_SCALAR,
    /** x &gt;= 0 ? x : p*x */
    LEAKY_RELU,
    /** 1 when x &gt; 0 else 0 (the derivative mask of relu) */
    STEP,
    /** sign(x): -1, 0 or 1 */
    SIGN,
    /** x*x */
    SQUARE,
    /** 1/x */
    RECIPROCAL,
    /** gelu, the exact erf form: x/2 (1 + erf(x/sqrt 2)) */
    GELU;

    /** The definition in double precision. */
    public double apply(double x, double p, double q) {
        return switch (this) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1.0 / Math.sqrt(x);
            case SIN -> Math.sin(x);
            case COS -> Math.cos(x);
            case TANH -> Math.tanh(x);
            case SIGMOID -> sigmoid(x);
            case RELU -> x > 0 ? x : 0.0;
            case POW -> Math.pow(x, p);
            case CLAMP -> Math.min(Math.max(x, p), q);
            case ADD_SCALAR -> x + p;
            case MUL_SCALAR -> x * p;
            case LEAKY_RELU -> x >= 0 ? x : p * x;
            case STEP -> x > 0 ? 1.0 : 0.0;
            case SIGN -> Math.signum(x);
            case SQUARE -> x * x;
            case RECIPROCAL -> 1.0 / x;
            case GELU -> 0.5 * x * (1.0 + Erf.erf(x / Math.sqrt(2.0)));
        };
    }

    /** A sigmoid that does not overflow for large |x|. */
    public static double sigmoid(double x) {
        if (x >= 0) return 1.0 / (1.0 + Math.exp(-x));
        double e = Math.exp(x);
        return e / (1.0 + e);
    }
}

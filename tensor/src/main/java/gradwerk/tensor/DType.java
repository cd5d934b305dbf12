package gradwerk.tensor;

/**
 * Element types. float32 is what models train in; float64 exists so that gradient checks can use finite
 * differences small enough to be meaningful.
 */
public enum DType {
    FLOAT32("float32", 4),
    FLOAT64("float64", 8);

    private final String label;
    private final int bytes;

    DType(String label, int bytes) {
        this.label = label;
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The PyTorch/NumPy style name, {@code float32} or {@code float64}. */
    @Override
    public String toString() {
        return label;
    }

    /** Parses {@code float32}/{@code f32}/{@code float} or {@code float64}/{@code f64}/{@code double}. */
    public static DType parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "float32", "f32", "float", "fp32" -> FLOAT32;
            case "float64", "f64", "double", "fp64" -> FLOAT64;
            default -> throw new IllegalArgumentException("dtype: unknown '" + s + "' (float32 or float64)");
        };
    }

    /** The wider of two types: mixing float32 and float64 must be explicit, so ops reject it; this names it. */
    static void requireSame(String op, DType a, DType b) {
        if (a != b)
            throw new IllegalArgumentException(op + ": dtype mismatch " + a + " vs " + b
                    + " (cast one explicitly with .to(DType))");
    }
}

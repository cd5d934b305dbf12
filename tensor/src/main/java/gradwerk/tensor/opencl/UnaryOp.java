package gradwerk.tensor.opencl;

import java.util.Locale;

/**
 * The elementwise functions of one input; {@code p} and {@code q} are scalar parameters where an op has them.
 * Each constant names a line of the unary table in elementwise.cl (kernel {@code unary_<name>_...}).
 */
public enum UnaryOp {
    COPY, NEG, ABS, EXP, LOG, SQRT, RSQRT, SIN, COS, TANH, SIGMOID, RELU, SQUARE, RECIPROCAL,
    /** x^p */
    POW_SCALAR,
    /** x + p */
    ADD_SCALAR,
    /** x * p */
    MUL_SCALAR,
    /** min(max(x, p), q); NaN stays NaN */
    CLAMP;

    final String kernelName = name().toLowerCase(Locale.ROOT);
}

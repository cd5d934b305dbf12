package gradwerk.tensor.opencl;

import java.util.Locale;

/**
 * The elementwise functions of two inputs (broadcast against each other). Comparisons give 1 where true and 0
 * where false. Each constant names a line of the binary table in elementwise.cl (kernel {@code binary_<name>_...}).
 */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, POW, MAX, MIN, EQ, NE, LT, LE, GT, GE;

    final String kernelName = name().toLowerCase(Locale.ROOT);
}

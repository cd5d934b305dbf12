package gradwerk.tensor;

/**
 * Elementwise functions of two tensors (after NumPy broadcasting). Comparisons return masks of 1 and 0 in the
 * inputs' dtype (there is no boolean dtype: a mask multiplies directly).
 *
 * <p>{@code RELU_BACKWARD} is ReLU's vector-Jacobian product in one pass: a (the gradient) where b (the ReLU's
 * input or output) is positive, else 0 (PyTorch's {@code threshold_backward} at 0; NaN in b gives 0). Written as a
 * comparison and a product it would allocate and traverse a whole mask tensor for every ReLU of a network.
 */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, POW, MAX, MIN, EQ, NE, LT, LE, GT, GE, RELU_BACKWARD;

    /** The definition in double precision. */
    public double apply(double a, double b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case POW -> Math.pow(a, b);
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
            case EQ -> a == b ? 1 : 0;
            case NE -> a != b ? 1 : 0;
            case LT -> a < b ? 1 : 0;
            case LE -> a <= b ? 1 : 0;
            case GT -> a > b ? 1 : 0;
            case GE -> a >= b ? 1 : 0;
            case RELU_BACKWARD -> b > 0 ? a : 0;
        };
    }

    public String opName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

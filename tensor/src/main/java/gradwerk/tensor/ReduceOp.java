package gradwerk.tensor;

/**
 * Reductions over a block of elements. ARGMAX/ARGMIN give the position (in row-major order within the reduced
 * block) of the first maximum/minimum, stored as a number in the tensor's dtype (exact below 2^24 in float32).
 */
public enum ReduceOp {
    SUM, MEAN, MAX, MIN, ARGMAX, ARGMIN;

    public String opName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

package gradwerk.autograd;

import java.util.Arrays;

/**
 * What an op's gradient rule reads back during backward: some of its inputs, its output, both, or nothing
 * (PyTorch's {@code ctx.save_for_backward}). A {@link Node} keeps exactly these tensors alive until backward;
 * everything else the forward pass produced can be reclaimed as soon as nothing else uses it.
 *
 * <p>This is where reverse mode spends its memory. In {@code conv → batchNorm → relu} the convolution needs its
 * input (for the weight gradient), batch norm needs its input, and relu can find its mask in its output — so the
 * batch-norm output, which relu consumed, need not be kept: one full activation per layer less. Addition,
 * concatenation, reshapes and up-sampling need no tensor at all, only shapes (which rules capture as plain
 * {@code int[]}s).
 *
 * <p>A rule that reads something it did not declare fails with a message naming the op, so a wrong declaration
 * is caught by the op's gradient check rather than silently keeping or losing memory.
 */
public final class Saves {
    /** Every input and the output (the default of {@link Node#record(String, gradwerk.tensor.Tensor, VjpRule, Variable...)}). */
    public static final Saves ALL = new Saves(true, null);
    /** Nothing: the rule needs only shapes or constants it captured (add, cat, reshape, up-sampling...). */
    public static final Saves NOTHING = new Saves(false, new int[0]);
    /** Only the output (exp, tanh, sigmoid, relu, softmax...). */
    public static final Saves OUTPUT = new Saves(true, new int[0]);

    private final boolean output;
    /** Indices of the saved inputs, sorted; null = all. */
    private final int[] inputs;

    private Saves(boolean output, int[] inputs) {
        this.output = output;
        this.inputs = inputs;
    }

    /** These inputs (by position in the op's input list), not the output. */
    public static Saves inputs(int... indices) {
        int[] sorted = indices.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++)
            if (sorted[i] < 0 || i > 0 && sorted[i] == sorted[i - 1])
                throw new IllegalArgumentException("Saves.inputs: bad or repeated index in " + Arrays.toString(indices));
        return new Saves(false, sorted);
    }

    /** The same inputs and also the output. */
    public Saves andOutput() {
        return new Saves(true, inputs);
    }

    boolean output() { return output; }

    boolean input(int i) {
        return inputs == null || Arrays.binarySearch(inputs, i) >= 0;
    }

    /** Checks the declared indices against the op's number of inputs. */
    void check(String op, int inputCount) {
        if (inputs != null && inputs.length > 0 && inputs[inputs.length - 1] >= inputCount)
            throw new IllegalArgumentException("record '" + op + "': saves input " + inputs[inputs.length - 1]
                    + " but has " + inputCount + " inputs");
    }

    @Override
    public String toString() {
        if (inputs == null) return "Saves.ALL";
        return "Saves(inputs " + Arrays.toString(inputs) + (output ? ", output" : "") + ")";
    }
}

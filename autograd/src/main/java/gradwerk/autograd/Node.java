package gradwerk.autograd;

import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

import java.util.Arrays;

/**
 * One recorded op application in the graph: the op's name, its inputs and output, and its vector-Jacobian
 * product rule. The inputs and output are what the rule may read ("saved for backward"); the node keeps them
 * alive until a backward pass frees it, which is the memory cost of reverse-mode differentiation.
 *
 * <p>Every op records its node through {@link #record}. That is the whole extension mechanism: an op is a forward
 * computed with tensor ops, plus a {@link VjpRule}, plus a line in {@link OpRegistry} naming it with a gradient
 * check case.
 *
 * <p>In-place changes: the node remembers each saved tensor's storage version; reading it back through
 * {@link #input} or {@link #output} during backward compares versions, so a rule can never compute a gradient
 * from numbers that were overwritten after the forward pass (PyTorch's saved-variable version check).
 */
public final class Node {
    private final String op;
    private final VjpRule rule;
    private Variable[] inputs;
    private Variable output;
    private final int[] inputVersions;
    private int outputVersion;

    private Node(String op, VjpRule rule, Variable[] inputs) {
        this.op = op;
        this.rule = rule;
        this.inputs = inputs;
        this.inputVersions = new int[inputs.length];
        for (int i = 0; i < inputs.length; i++) inputVersions[i] = inputs[i].value().storage().version();
    }

    /**
     * Wraps the result of an op's forward pass. When grad mode is on and some input requires a gradient, the
     * result gets a node that will apply {@code rule} during backward; otherwise it is a plain constant.
     *
     * @param op     the op's registered name (see {@link OpRegistry}); it appears in every error message
     * @param result the forward result, computed by the caller with tensor ops
     * @param rule   the VJP: gradients for the inputs from the gradient of the result
     * @param inputs the op's differentiable inputs, in the order the rule returns their gradients
     */
    public static Variable record(String op, Tensor result, VjpRule rule, Variable... inputs) {
        boolean needsGrad = false;
        for (Variable in : inputs) needsGrad |= in.requiresGrad();
        if (!needsGrad || !NoGrad.isGradEnabled()) return Variable.constant(result);
        OpRegistry.requireRegistered(op);
        Node node = new Node(op, rule, inputs.clone());
        Variable out = new Variable(result, true, node);
        node.output = out;
        node.outputVersion = result.storage().version();
        return out;
    }

    /** The op's name. */
    public String op() { return op; }

    /** Input i, for use inside the rule; fails if its tensor was modified in place since the forward pass. */
    public Variable input(int i) {
        requireNotFreed();
        return checked(inputs[i], inputVersions[i], "the input " + i);
    }

    /** The op's result, for rules whose derivative is cheapest in terms of it (exp, tanh, softmax...). */
    public Variable output() {
        requireNotFreed();
        return checked(output, outputVersion, "the output");
    }

    private Variable checked(Variable v, int savedVersion, String what) {
        int now = v.value().storage().version();
        if (now != savedVersion)
            throw new IllegalStateException("backward: " + what + " of '" + op + "' saved for its gradient was modified"
                    + " in place (version " + savedVersion + " → " + now + "); compute on a copy, or modify it only"
                    + " after backward()");
        return v;
    }

    // ---------------------------------------------------------------- used by the engine

    /** The inputs (graph edges); null once freed. */
    Variable[] inputs() {
        requireNotFreed();
        return inputs;
    }

    /** The output this node produced. */
    Variable outputVariable() { return output; }

    /** Applies the rule and checks what it returns: one gradient per input, each of its input's shape and dtype. */
    Variable[] backward(Variable gradOutput) {
        requireNotFreed();
        Variable[] grads = rule.apply(this, gradOutput);
        if (grads.length != inputs.length)
            throw new IllegalStateException("backward: the rule of '" + op + "' returned " + grads.length
                    + " gradients for " + inputs.length + " inputs");
        for (int i = 0; i < grads.length; i++) {
            if (grads[i] == null) continue; // no gradient: treated as zero
            Tensor g = grads[i].value(), x = inputs[i].value();
            if (!Arrays.equals(g.shape(), x.shape()) || g.dtype() != x.dtype())
                throw new IllegalStateException("backward: the rule of '" + op + "' returned a gradient of shape "
                        + Shape.str(g.shape()) + " " + g.dtype() + " for its input " + i + " of shape "
                        + Shape.str(x.shape()) + " " + x.dtype());
        }
        return grads;
    }

    /** Drops the saved inputs and output, so that their memory can be reclaimed; the node can't run again. */
    void free() {
        inputs = null;
        output = null;
    }

    boolean isFreed() { return inputs == null; }

    private void requireNotFreed() {
        if (isFreed())
            throw new IllegalStateException("backward: the graph through '" + op + "' was already freed by an earlier"
                    + " backward(); to backpropagate through it twice, call the first one as backward(upstream, true)"
                    + " (retainGraph), or recompute the forward pass");
    }

    @Override
    public String toString() { return "Node(" + op + (isFreed() ? ", freed" : "") + ")"; }
}

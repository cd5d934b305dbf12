package gradwerk.autograd;

import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

import gradwerk.tensor.DType;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One recorded op application in the graph: the op's name, the edges to its inputs' producers, its
 * vector-Jacobian product rule, and the tensors that rule reads back ("saved for backward", declared with
 * {@link Saves}). The node keeps the saved tensors alive until a backward pass frees it, which is the memory cost
 * of reverse-mode differentiation; an input or output it did not save can be reclaimed as soon as the forward
 * pass is done with it.
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
    /**
     * {@code -Dgradwerk.autograd.saveAll=true} makes every node keep all its inputs and its output, whatever its
     * op declared: the behaviour of an engine without {@link Saves}, to measure what the declarations save
     * ({@code ./gradwerk bench train-step --memory}).
     */
    private static final boolean SAVE_ALL = Boolean.getBoolean("gradwerk.autograd.saveAll");

    private final String op;
    private final VjpRule rule;
    private final Saves saves;
    // ---- the graph: one entry per input
    /** The node that produced input i, or null for a leaf. Null once freed. */
    private Node[] producers;
    /** Input i when it is a leaf that requires a gradient (a parameter: alive anyway), so its gradient can land. */
    private final Variable[] leaves;
    private final int[][] inputShapes;
    private final DType[] inputDtypes;
    // ---- what the rule reads
    /** Input i if saved, else null. */
    private Variable[] saved;
    private final int[] inputVersions;
    /** The output, if saved; otherwise only weakly referenced (see {@link #outputVariable}). */
    private Variable output;
    private WeakReference<Variable> outputRef;
    private int outputVersion;
    private boolean freed;

    private Node(String op, VjpRule rule, Saves saves, Variable[] inputs) {
        this.op = op;
        this.rule = rule;
        this.saves = saves;
        int k = inputs.length;
        producers = new Node[k];
        leaves = new Variable[k];
        inputShapes = new int[k][];
        inputDtypes = new DType[k];
        saved = new Variable[k];
        inputVersions = new int[k];
        for (int i = 0; i < k; i++) {
            Variable in = inputs[i];
            producers[i] = in.gradFn();
            if (in.isLeaf() && in.requiresGrad()) leaves[i] = in;
            inputShapes[i] = in.shape();
            inputDtypes[i] = in.dtype();
            if (saves.input(i)) {
                saved[i] = in;
                inputVersions[i] = in.value().storage().version();
                in.value().storage().hold(); // until free()
            }
        }
    }

    /**
     * Wraps the result of an op's forward pass, saving every input and the output for the rule (see
     * {@link #record(String, Tensor, Saves, VjpRule, Variable...)} to save less).
     */
    public static Variable record(String op, Tensor result, VjpRule rule, Variable... inputs) {
        return record(op, result, Saves.ALL, rule, inputs);
    }

    /**
     * Wraps the result of an op's forward pass. When grad mode is on and some input requires a gradient, the
     * result gets a node that will apply {@code rule} during backward; otherwise it is a plain constant.
     *
     * @param op     the op's registered name (see {@link OpRegistry}); it appears in every error message
     * @param result the forward result, computed by the caller with tensor ops
     * @param saves  which inputs and whether the output the rule reads back (anything else it reads must be
     *               captured by the rule itself: shapes, scalars, small index tensors)
     * @param rule   the VJP: gradients for the inputs from the gradient of the result
     * @param inputs the op's differentiable inputs, in the order the rule returns their gradients
     */
    public static Variable record(String op, Tensor result, Saves saves, VjpRule rule, Variable... inputs) {
        boolean needsGrad = false;
        for (Variable in : inputs) needsGrad |= in.requiresGrad();
        ForwardScope.recorded(result);
        if (!needsGrad || !NoGrad.isGradEnabled()) return Variable.constant(result);
        OpRegistry.requireRegistered(op);
        saves.check(op, inputs.length);
        Node node = new Node(op, rule, SAVE_ALL ? Saves.ALL : saves, inputs);
        Variable out = new Variable(result, true, node);
        if (saves.output()) {
            node.output = out;
            result.storage().hold();
        }
        node.outputRef = new WeakReference<>(out);
        node.outputVersion = result.storage().version();
        return out;
    }

    /** The op's name. */
    public String op() { return op; }

    /** Input i, for use inside the rule; fails if it was not saved, or was modified in place since the forward pass. */
    public Variable input(int i) {
        requireNotFreed();
        if (saved[i] == null)
            throw new IllegalStateException("backward: the rule of '" + op + "' reads its input " + i + ", which it did"
                    + " not save (" + saves + "); declare it in Node.record");
        return checked(saved[i], inputVersions[i], "the input " + i);
    }

    /** The op's result, for rules whose derivative is cheapest in terms of it (exp, tanh, softmax...). */
    public Variable output() {
        requireNotFreed();
        if (output == null)
            throw new IllegalStateException("backward: the rule of '" + op + "' reads its output, which it did not"
                    + " save (" + saves + "); declare it in Node.record");
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

    /** The tensors this node keeps for its rule (saved inputs, then the output if saved): for memory accounting. */
    public List<Tensor> savedTensors() {
        List<Tensor> out = new ArrayList<>();
        if (freed) return out;
        for (Variable v : saved) if (v != null) out.add(v.value());
        if (output != null) out.add(output.value());
        return out;
    }

    /** The nodes that produced this node's inputs (leaves have none): for walking the graph. */
    public List<Node> producers() {
        List<Node> out = new ArrayList<>();
        if (!freed) for (Node p : producers) if (p != null) out.add(p);
        return out;
    }

    // ---------------------------------------------------------------- used by the engine

    /** The number of inputs (graph edges). */
    int inputCount() { return inputShapes.length; }

    /** The node that produced input i, or null if it is a leaf. */
    Node producer(int i) {
        requireNotFreed();
        return producers[i];
    }

    /** Whether input i wants a gradient: it was computed by a node, or it is a leaf that requires one. */
    boolean inputRequiresGrad(int i) { return producer(i) != null || leaves[i] != null; }

    /** Input i when it is a leaf that requires a gradient (where its gradient is delivered), else null. */
    Variable leafInput(int i) { return leaves[i]; }

    /**
     * The output this node produced, or null if nothing but this node could still reach it: an unsaved output is
     * held weakly, so it lives only as long as someone else (a consumer that saved it, or the caller) holds it —
     * and then that someone can also observe its gradient ({@link Variable#retainGrad}, {@link Engine#grad}).
     */
    Variable outputVariable() { return output != null ? output : outputRef.get(); }

    /** Applies the rule and checks what it returns: one gradient per input, each of its input's shape and dtype. */
    Variable[] backward(Variable gradOutput) {
        requireNotFreed();
        Variable[] grads = rule.apply(this, gradOutput);
        if (grads.length != inputShapes.length)
            throw new IllegalStateException("backward: the rule of '" + op + "' returned " + grads.length
                    + " gradients for " + inputShapes.length + " inputs");
        for (int i = 0; i < grads.length; i++) {
            if (grads[i] == null) continue; // no gradient: treated as zero
            Tensor g = grads[i].value();
            if (!Arrays.equals(g.shape(), inputShapes[i]) || g.dtype() != inputDtypes[i])
                throw new IllegalStateException("backward: the rule of '" + op + "' returned a gradient of shape "
                        + Shape.str(g.shape()) + " " + g.dtype() + " for its input " + i + " of shape "
                        + Shape.str(inputShapes[i]) + " " + inputDtypes[i]);
        }
        return grads;
    }

    /** Drops the saved tensors and the graph edges, so that their memory can be reclaimed; the node can't run again. */
    void free() {
        if (freed) return;
        for (Variable v : saved) if (v != null) v.value().storage().unhold(); // may release it (see ForwardScope)
        if (output != null) output.value().storage().unhold();
        freed = true;
        producers = null;
        saved = null;
        output = null;
    }

    boolean isFreed() { return freed; }

    private void requireNotFreed() {
        if (isFreed())
            throw new IllegalStateException("backward: the graph through '" + op + "' was already freed by an earlier"
                    + " backward(); to backpropagate through it twice, call the first one as backward(upstream, true)"
                    + " (retainGraph), or recompute the forward pass");
    }

    @Override
    public String toString() { return "Node(" + op + (isFreed() ? ", freed" : "") + ")"; }
}

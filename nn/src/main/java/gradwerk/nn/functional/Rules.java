package gradwerk.nn.functional;

import gradwerk.autograd.NoGrad;
import gradwerk.autograd.Variable;
import gradwerk.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/** Small helpers shared by the nn op families. */
final class Rules {
    private Rules() {}

    /**
     * For rules built from the tensor module's backward kernels, which are not themselves differentiable: when
     * the backward pass is being recorded (a gradient of a gradient was asked for), say so instead of silently
     * returning gradients that would differentiate as constants.
     */
    static void requireFirstOrder(String op) {
        if (NoGrad.isGradEnabled())
            throw new UnsupportedOperationException(op + ": gradients of gradients are not supported (its backward"
                    + " pass uses non-differentiable kernels); differentiate it once, or without createGraph");
    }

    /** A kernel's gradient as a Variable, or null (no gradient) for null. */
    static Variable constant(Tensor t) {
        return t == null ? null : Variable.constant(t);
    }

    /** The non-null variables, in order: the node's inputs when some (bias, weight) are optional. */
    static Variable[] present(Variable... vs) {
        List<Variable> out = new ArrayList<>();
        for (Variable v : vs) if (v != null) out.add(v);
        return out.toArray(Variable[]::new);
    }

    /** The gradients for the present ones among {@code vs}, in order (for rules with optional inputs). */
    static Variable[] forPresent(Variable[] vs, Variable... grads) {
        List<Variable> out = new ArrayList<>();
        for (int i = 0; i < vs.length; i++) if (vs[i] != null) out.add(grads[i]);
        return out.toArray(Variable[]::new);
    }

    /** A pair {v, v} for a single int, the pair itself for two. */
    static int[] pair(int v) { return new int[] {v, v}; }

    /** Sum over every dim but dim 1: [N, C, *] → [C] (the gradient of a per-channel bias). */
    static Tensor sumPerChannel(Tensor g) {
        int[] dims = new int[g.rank() - 1];
        for (int i = 0, k = 0; i < g.rank(); i++) if (i != 1) dims[k++] = i;
        return g.sum(dims);
    }
}

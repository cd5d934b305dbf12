package gradwerk.autograd;

import gradwerk.autograd.rules.BinaryRules;
import gradwerk.autograd.rules.MatmulRules;
import gradwerk.autograd.rules.ReductionRules;
import gradwerk.autograd.rules.ShapeRules;
import gradwerk.autograd.rules.SoftmaxRules;
import gradwerk.autograd.rules.UnaryRules;
import gradwerk.tensor.DType;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.TensorScope;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A tensor value in a computation that autograd can differentiate: the value, whether a gradient is wanted
 * ({@code requiresGrad}), the {@link Node} that produced it (null for a leaf), and, for leaves, the accumulated
 * gradient.
 *
 * <p>The methods mirror {@link Tensor}'s, so model code reads like the math: {@code x.matmul(w).add(b).relu()}.
 * Each one computes the value with tensor ops and, when an input requires a gradient and grad mode is on (see
 * {@link NoGrad}), records a node holding the op's vector-Jacobian product rule (see the {@code rules} package).
 *
 * <p>Comparisons ({@code eq}, {@code gt}, ...), {@code argmax} and {@code sign} have no useful gradient (they are
 * piecewise constant), so they return plain tensors: use them as masks ({@link #where}, {@link #mul(Tensor)}).
 */
public final class Variable {
    private final Tensor value;
    private final boolean requiresGrad;
    private final Node gradFn;
    private Tensor grad;
    private boolean retainsGrad;

    /** A leaf (no producing node), e.g. an input or a parameter. */
    public Variable(Tensor value, boolean requiresGrad) {
        this(value, requiresGrad, null);
    }

    Variable(Tensor value, boolean requiresGrad, Node gradFn) {
        this.value = value;
        this.requiresGrad = requiresGrad;
        this.gradFn = gradFn;
    }

    /** A leaf that requires a gradient: a parameter, or an input we differentiate with respect to. */
    public static Variable param(Tensor value) { return new Variable(value, true); }

    /** A leaf that needs no gradient (data, masks, constants). */
    public static Variable constant(Tensor value) { return new Variable(value, false); }

    /** A 0-d constant with the given value, dtype and device of this variable (for scalars in formulas). */
    public Variable constantLike(double scalar) { return constant(value.newFull(scalar)); }

    // ---------------------------------------------------------------- properties and gradients

    public Tensor value() { return value; }
    public boolean requiresGrad() { return requiresGrad; }
    /** The node that produced this variable, or null for a leaf. */
    public Node gradFn() { return gradFn; }
    /** True for inputs and parameters: variables not computed by a recorded op. */
    public boolean isLeaf() { return gradFn == null; }
    public int[] shape() { return value.shape(); }
    public int rank() { return value.rank(); }
    public int size(int dim) { return value.size(dim); }
    public int numel() { return value.numel(); }
    public DType dtype() { return value.dtype(); }
    public double item() { return value.item(); }

    /**
     * The gradient accumulated by {@link #backward} calls, or null if none reached this variable yet. Only leaves
     * keep gradients (and intermediates that asked for it with {@link #retainGrad}).
     */
    public Tensor grad() { return grad; }

    /**
     * Forgets the accumulated gradient (PyTorch's {@code zero_grad(set_to_none=True)}). Inside a {@link TensorScope}
     * the old gradient belongs to that scope from now on and is released when it closes, so that its memory serves
     * the next backward pass; {@link TensorScope#keep} it (or copy it) to read it after the scope.
     */
    public void zeroGrad() {
        if (grad != null) TensorScope.discard(grad);
        grad = null;
    }

    /** Asks an intermediate (non-leaf) variable to keep the gradient of the latest backward pass. */
    public Variable retainGrad() {
        retainsGrad = true;
        return this;
    }

    /**
     * Called by the engine with the gradient that reached this variable. Leaves accumulate across backward calls
     * (a copy first, so that no two gradients share storage; then in place, as PyTorch's AccumulateGrad does, so a
     * weight used twice in one pass, such as DDANet's shared attention block, costs no new array); retained
     * intermediates keep only the latest. Both outlive a step's scope.
     */
    void receiveGrad(Tensor g) {
        if (isLeaf()) grad = grad == null ? TensorScope.persist(g.copy()) : grad.addInPlace(g);
        else if (retainsGrad) grad = TensorScope.persist(g.copy());
    }

    /** Backpropagates from this scalar (numel 1) output: d(this)/d(leaf) accumulates into every leaf's grad. */
    public void backward() {
        if (value.numel() != 1)
            throw new IllegalArgumentException("backward: output of shape " + Shape.str(value.shape())
                    + " is not a scalar; pass the upstream gradient: backward(upstream)");
        backward(value.fullLike(1), false);
    }

    /** Backpropagates an upstream gradient of this variable's shape (a vector-Jacobian product). */
    public void backward(Tensor upstream) { backward(upstream, false); }

    /** As {@link #backward(Tensor)}; {@code retainGraph} keeps the graph so that it can be backpropagated again. */
    public void backward(Tensor upstream, boolean retainGraph) {
        Engine.backward(this, upstream, retainGraph);
    }

    /** The same value cut off from the graph: no gradient flows through the result. */
    public Variable detach() { return constant(value); }

    // ---------------------------------------------------------------- elementwise, one input (UnaryRules)

    public Variable neg() { return UnaryRules.neg(this); }
    public Variable abs() { return UnaryRules.abs(this); }
    public Variable exp() { return UnaryRules.exp(this); }
    public Variable log() { return UnaryRules.log(this); }
    public Variable sqrt() { return UnaryRules.sqrt(this); }
    public Variable rsqrt() { return UnaryRules.rsqrt(this); }
    public Variable sin() { return UnaryRules.sin(this); }
    public Variable cos() { return UnaryRules.cos(this); }
    public Variable tanh() { return UnaryRules.tanh(this); }
    public Variable sigmoid() { return UnaryRules.sigmoid(this); }
    public Variable relu() { return UnaryRules.relu(this); }
    public Variable square() { return UnaryRules.square(this); }
    public Variable reciprocal() { return UnaryRules.reciprocal(this); }
    public Variable gelu() { return UnaryRules.gelu(this); }
    public Variable leakyRelu(double slope) { return UnaryRules.leakyRelu(this, slope); }
    public Variable pow(double exponent) { return UnaryRules.pow(this, exponent); }
    public Variable clamp(double min, double max) { return UnaryRules.clamp(this, min, max); }
    public Variable add(double s) { return UnaryRules.addScalar(this, s); }
    public Variable sub(double s) { return UnaryRules.addScalar(this, -s); }
    public Variable mul(double s) { return UnaryRules.mulScalar(this, s); }
    public Variable div(double s) { return UnaryRules.mulScalar(this, 1.0 / s); }

    // ---------------------------------------------------------------- elementwise, two inputs, broadcasting (BinaryRules)

    public Variable add(Variable o) { return BinaryRules.add(this, o); }
    public Variable sub(Variable o) { return BinaryRules.sub(this, o); }
    public Variable mul(Variable o) { return BinaryRules.mul(this, o); }
    public Variable div(Variable o) { return BinaryRules.div(this, o); }
    public Variable pow(Variable o) { return BinaryRules.pow(this, o); }
    public Variable maximum(Variable o) { return BinaryRules.maximum(this, o); }
    public Variable minimum(Variable o) { return BinaryRules.minimum(this, o); }
    /** With a constant tensor (a mask, data): no gradient flows into it. */
    public Variable add(Tensor o) { return add(constant(o)); }
    public Variable sub(Tensor o) { return sub(constant(o)); }
    public Variable mul(Tensor o) { return mul(constant(o)); }
    public Variable div(Tensor o) { return div(constant(o)); }

    /** Elementwise {@code cond != 0 ? a : b}; the condition is a constant mask (e.g. from {@code x.value().gt(...)}). */
    public static Variable where(Tensor cond, Variable a, Variable b) { return BinaryRules.where(cond, a, b); }

    // comparisons: not differentiable, so they give plain 1/0 masks
    public Tensor eq(Variable o) { return value.eq(o.value); }
    public Tensor ne(Variable o) { return value.ne(o.value); }
    public Tensor lt(Variable o) { return value.lt(o.value); }
    public Tensor le(Variable o) { return value.le(o.value); }
    public Tensor gt(Variable o) { return value.gt(o.value); }
    public Tensor ge(Variable o) { return value.ge(o.value); }
    /** -1, 0 or 1 per element: not differentiable (its derivative is 0 wherever it exists), so a plain tensor. */
    public Tensor sign() { return value.sign(); }

    // ---------------------------------------------------------------- reductions; empty dims = all dims (ReductionRules)

    public Variable sum(int... dims) { return ReductionRules.sum(this, dims, false); }
    public Variable sum(int[] dims, boolean keepDim) { return ReductionRules.sum(this, dims, keepDim); }
    public Variable mean(int... dims) { return ReductionRules.mean(this, dims, false); }
    public Variable mean(int[] dims, boolean keepDim) { return ReductionRules.mean(this, dims, keepDim); }
    public Variable max(int... dims) { return ReductionRules.max(this, dims, false); }
    public Variable max(int[] dims, boolean keepDim) { return ReductionRules.max(this, dims, keepDim); }
    public Variable min(int... dims) { return ReductionRules.min(this, dims, false); }
    public Variable min(int[] dims, boolean keepDim) { return ReductionRules.min(this, dims, keepDim); }
    public Variable var(int[] dims, boolean unbiased, boolean keepDim) { return ReductionRules.var(this, dims, unbiased, keepDim); }
    /** Not differentiable: a plain tensor of indices. */
    public Tensor argmax(int dim, boolean keepDim) { return value.argmax(dim, keepDim); }
    /** Not differentiable: a plain tensor of indices. */
    public Tensor argmin(int dim, boolean keepDim) { return value.argmin(dim, keepDim); }

    /**
     * Sums a gradient of a broadcast result back to {@code shape}, the shape of the input that was broadcast: the
     * leading dims broadcasting added and the size-1 dims it stretched are summed away. A composite of
     * differentiable ops (sum, reshape), so it can itself be differentiated.
     */
    public Variable sumTo(int... shape) {
        int[] own = shape();
        if (Arrays.equals(own, shape)) return this;
        int lead = own.length - shape.length;
        if (lead < 0) throw new IllegalArgumentException("sumTo: cannot sum shape " + Shape.str(own) + " to the longer " + Shape.str(shape));
        List<Integer> dims = new ArrayList<>();
        for (int i = 0; i < own.length; i++)
            if (i < lead || (shape[i - lead] == 1 && own[i] != 1)) dims.add(i);
            else if (shape[i - lead] != own[i])
                throw new IllegalArgumentException("sumTo: shape " + Shape.str(own) + " is not a broadcast of " + Shape.str(shape));
        Variable summed = dims.isEmpty() ? this : sum(dims.stream().mapToInt(Integer::intValue).toArray(), true);
        return summed.reshape(shape);
    }

    // ---------------------------------------------------------------- matmul and softmax (MatmulRules, SoftmaxRules)

    public Variable matmul(Variable o) { return MatmulRules.matmul(this, o); }
    public Variable softmax(int dim) { return SoftmaxRules.softmax(this, dim); }
    public Variable logSoftmax(int dim) { return SoftmaxRules.logSoftmax(this, dim); }
    public Variable logSumExp(int dim, boolean keepDim) { return SoftmaxRules.logSumExp(this, dim, keepDim); }

    // ---------------------------------------------------------------- views, joining, casting (ShapeRules)

    public Variable view(int... shape) { return ShapeRules.view(this, shape); }
    public Variable reshape(int... shape) { return ShapeRules.reshape(this, shape); }
    public Variable flatten() { return reshape(-1); }
    public Variable permute(int... order) { return ShapeRules.permute(this, order); }
    public Variable transpose(int d0, int d1) { return ShapeRules.transpose(this, d0, d1); }
    /** Matrix transpose of the last two dims. */
    public Variable t() { return transpose(-2, -1); }
    public Variable narrow(int dim, int start, int length) { return slice(dim, start, start + length, 1); }
    /** Python's {@code x[start:end:step]} along one dim. */
    public Variable slice(int dim, int start, int end, int step) { return ShapeRules.slice(this, dim, start, end, step); }
    public Variable select(int dim, int index) { return ShapeRules.select(this, dim, index); }
    public Variable expand(int... shape) { return ShapeRules.expand(this, shape); }
    public Variable broadcastTo(int... shape) { return expand(shape); }
    public Variable squeeze() { return ShapeRules.squeeze(this, null); }
    public Variable squeeze(int dim) { return ShapeRules.squeeze(this, dim); }
    public Variable unsqueeze(int dim) { return ShapeRules.unsqueeze(this, dim); }
    public Variable contiguous() { return ShapeRules.contiguous(this); }
    public Variable to(DType dtype) { return ShapeRules.to(this, dtype); }
    public static Variable cat(int dim, Variable... vs) { return ShapeRules.cat(dim, vs); }
    public static Variable stack(int dim, Variable... vs) { return ShapeRules.stack(dim, vs); }

    @Override
    public String toString() {
        String how = gradFn != null ? ", gradFn=" + gradFn.op() : requiresGrad ? ", requiresGrad" : "";
        return "Variable(" + value + how + ")";
    }
}

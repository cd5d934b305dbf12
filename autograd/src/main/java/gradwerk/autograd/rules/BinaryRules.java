package gradwerk.autograd.rules;

import gradwerk.autograd.GradCheck.Problem;
import gradwerk.autograd.Node;
import gradwerk.autograd.Saves;
import gradwerk.autograd.OpFamily;
import gradwerk.autograd.OpRegistry.Entry;
import gradwerk.autograd.Sampler;
import gradwerk.autograd.Variable;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

import java.util.List;
import java.util.function.BiFunction;
import java.util.function.BinaryOperator;

import static gradwerk.autograd.VjpRule.grads;

/**
 * Elementwise functions of two tensors, with NumPy broadcasting. Each rule computes the gradient at the output's
 * (broadcast) shape and then {@link Variable#sumTo sums it back} to each input's own shape: an input element that
 * broadcasting reused in many output elements receives the sum of their gradients.
 *
 * <p>maximum/minimum split the gradient evenly between the inputs at a tie (as PyTorch does); pow's gradient with
 * respect to the exponent is taken as 0 where the base is 0.
 */
public final class BinaryRules implements OpFamily {
    /** Instantiated by ServiceLoader as the family that registers these ops. */
    public BinaryRules() {}

    public static Variable add(Variable a, Variable b) {
        int[] sa = a.shape(), sb = b.shape();
        return Node.record("add", a.value().add(b.value()), Saves.NOTHING, (n, g) -> grads(g.sumTo(sa), g.sumTo(sb)), a, b);
    }

    public static Variable sub(Variable a, Variable b) {
        int[] sa = a.shape(), sb = b.shape();
        return Node.record("sub", a.value().sub(b.value()), Saves.NOTHING, (n, g) -> grads(g.sumTo(sa), g.neg().sumTo(sb)), a, b);
    }

    public static Variable mul(Variable a, Variable b) {
        int[] sa = a.shape(), sb = b.shape();
        return Node.record("mul", a.value().mul(b.value()),
                Saves.inputs(0, 1), (n, g) -> grads(g.mul(n.input(1)).sumTo(sa), g.mul(n.input(0)).sumTo(sb)), a, b);
    }

    /** d(a/b)/da = 1/b, d(a/b)/db = -a/b² = -y/b. */
    public static Variable div(Variable a, Variable b) {
        int[] sa = a.shape(), sb = b.shape();
        return Node.record("div", a.value().div(b.value()), Saves.inputs(1).andOutput(), (n, g) -> {
            Variable y = n.output(), denominator = n.input(1);
            return grads(g.div(denominator).sumTo(sa), g.mul(y).div(denominator).neg().sumTo(sb));
        }, a, b);
    }

    /** d(aᵇ)/da = b·aᵇ⁻¹, d(aᵇ)/db = aᵇ·ln a (taken as 0 at a = 0, where aᵇ is 0 or 1). */
    public static Variable pow(Variable a, Variable b) {
        int[] sa = a.shape(), sb = b.shape();
        return Node.record("pow", a.value().pow(b.value()), Saves.inputs(0, 1).andOutput(), (n, g) -> {
            Variable base = n.input(0), exponent = n.input(1), y = n.output();
            Tensor zeroBase = base.value().eq(base.value().newZeros());
            Variable safeLog = Variable.where(zeroBase, base.constantLike(1), base).log();
            return grads(g.mul(exponent).mul(base.pow(exponent.sub(1))).sumTo(sa), g.mul(y).mul(safeLog).sumTo(sb));
        }, a, b);
    }

    public static Variable maximum(Variable a, Variable b) {
        return minMax("maximum", a, b, a.value().maximum(b.value()), true);
    }

    public static Variable minimum(Variable a, Variable b) {
        return minMax("minimum", a, b, a.value().minimum(b.value()), false);
    }

    /** The gradient goes to the winning input; at a tie each gets half. */
    private static Variable minMax(String op, Variable a, Variable b, Tensor result, boolean max) {
        int[] sa = a.shape(), sb = b.shape();
        return Node.record(op, result, Saves.inputs(0, 1), (n, g) -> {
            Tensor x = n.input(0).value(), y = n.input(1).value();
            Tensor shareOfA = (max ? x.gt(y) : x.lt(y)).add(x.eq(y).mul(0.5));
            Tensor shareOfB = shareOfA.neg().add(1);
            return grads(g.mul(shareOfA).sumTo(sa), g.mul(shareOfB).sumTo(sb));
        }, a, b);
    }

    /** cond != 0 ? a : b. The condition is a constant mask (an input without gradient, so it is version-checked). */
    public static Variable where(Tensor cond, Variable a, Variable b) {
        int[] sa = a.shape(), sb = b.shape();
        return Node.record("where", cond.where(a.value(), b.value()), Saves.inputs(0), (n, g) -> {
            Tensor c = n.input(0).value();
            Variable zero = g.constantLike(0);
            return grads(null, Variable.where(c, g, zero).sumTo(sa), Variable.where(c, zero, g).sumTo(sb));
        }, Variable.constant(cond), a, b);
    }

    // ---------------------------------------------------------------- registry: names and gradient check cases

    @Override
    public List<Entry> ops() {
        return List.of(
                op("add", Variable::add, Sampler::normal, Sampler::normal),
                op("sub", Variable::sub, Sampler::normal, Sampler::normal),
                op("mul", Variable::mul, Sampler::normal, Sampler::normal),
                op("div", Variable::div, Sampler::normal, (s, shape) -> s.awayFrom(shape, 0)),
                op("pow", Variable::pow, (s, shape) -> s.uniform(0.3, 2.5, shape), Sampler::normal),
                // a on the half-integers + 0.25, b on the half-integers: never a tie, whatever broadcasting pairs
                op("maximum", Variable::maximum, (s, shape) -> s.onGrid(0.25, shape), (s, shape) -> s.onGrid(0, shape)),
                op("minimum", Variable::minimum, (s, shape) -> s.onGrid(0.25, shape), (s, shape) -> s.onGrid(0, shape)),
                Entry.of("where", s -> {
                    int[][] p = s.broadcastPair(3, 3);
                    int[] full = Shape.broadcast("where", p[0], p[1]);
                    Tensor cond = s.uniform(0, 1, s.broadcastable(full)).gt(Tensor.scalar(gradwerk.tensor.DType.FLOAT64, 0.5));
                    return Problem.of("where, broadcast " + Shape.str(cond.shape()) + " ? " + Shape.str(p[0]) + " : "
                            + Shape.str(p[1]), v -> Variable.where(cond.to(v[0].value().device()), v[0], v[1]), s.normal(p[0]), s.normal(p[1]));
                }));
    }

    /**
     * Two cases per op: a broadcast pair of random ranks and layouts, and operands made non-contiguous inside the
     * function (a transposed view, and a size-1 dim expanded with stride 0).
     */
    private static Entry op(String name, BinaryOperator<Variable> f, BiFunction<Sampler, int[], Tensor> valuesA,
                            BiFunction<Sampler, int[], Tensor> valuesB) {
        return Entry.of(name,
                s -> {
                    int[][] p = s.broadcastPair(3, 3);
                    return Problem.of(name + ", broadcast " + Shape.str(p[0]) + " and " + Shape.str(p[1]),
                            v -> f.apply(v[0], v[1]), valuesA.apply(s, p[0]), valuesB.apply(s, p[1]));
                },
                s -> {
                    int rows = s.between(1, 3), cols = s.between(2, 4);
                    return Problem.of(name + " of a transposed and an expanded view",
                            v -> f.apply(v[0].t(), v[1].expand(rows, cols)),
                            valuesA.apply(s, new int[] {cols, rows}), valuesB.apply(s, new int[] {1, cols}));
                });
    }
}

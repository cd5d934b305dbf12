package gradwerk.autograd.rules;

import gradwerk.autograd.GradCheck.Problem;
import gradwerk.autograd.Node;
import gradwerk.autograd.Saves;
import gradwerk.autograd.OpFamily;
import gradwerk.autograd.OpRegistry.Entry;
import gradwerk.autograd.Sampler;
import gradwerk.autograd.Variable;
import gradwerk.tensor.Tensor;

import java.util.List;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;

import static gradwerk.autograd.VjpRule.grads;

/**
 * Elementwise functions of one tensor. The VJP of {@code y = f(x)} is {@code g * f'(x)}, with f' written in
 * whatever form is cheapest: in terms of x, or of the output y (exp, sqrt, tanh, sigmoid).
 *
 * <p>At a kink the rules pick PyTorch's one-sided choice: relu'(0) = 0, abs'(0) = 0, leakyRelu'(0) = slope, and
 * clamp passes the gradient at its bounds. {@code sign} is not differentiable (its derivative is 0 almost
 * everywhere), so Variable has no sign().
 */
public final class UnaryRules implements OpFamily {
    /** Instantiated by ServiceLoader as the family that registers these ops. */
    public UnaryRules() {}

    public static Variable neg(Variable x) {
        return Node.record("neg", x.value().neg(), Saves.NOTHING, (n, g) -> grads(g.neg()), x);
    }

    public static Variable abs(Variable x) {
        return Node.record("abs", x.value().abs(), Saves.inputs(0), (n, g) -> grads(g.mul(n.input(0).value().sign())), x);
    }

    public static Variable exp(Variable x) {
        return Node.record("exp", x.value().exp(), Saves.OUTPUT, (n, g) -> grads(g.mul(n.output())), x);
    }

    public static Variable log(Variable x) {
        return Node.record("log", x.value().log(), Saves.inputs(0), (n, g) -> grads(g.div(n.input(0))), x);
    }

    /** d√x = 1 / (2√x). */
    public static Variable sqrt(Variable x) {
        return Node.record("sqrt", x.value().sqrt(), Saves.OUTPUT, (n, g) -> grads(g.div(n.output().mul(2))), x);
    }

    /** d x^(-1/2) = -½ x^(-3/2) = -½ y³. */
    public static Variable rsqrt(Variable x) {
        return Node.record("rsqrt", x.value().rsqrt(), Saves.OUTPUT, (n, g) -> grads(g.mul(n.output().pow(3)).mul(-0.5)), x);
    }

    public static Variable sin(Variable x) {
        return Node.record("sin", x.value().sin(), Saves.inputs(0), (n, g) -> grads(g.mul(n.input(0).cos())), x);
    }

    public static Variable cos(Variable x) {
        return Node.record("cos", x.value().cos(), Saves.inputs(0), (n, g) -> grads(g.mul(n.input(0).sin()).neg()), x);
    }

    /** tanh' = 1 - y². */
    public static Variable tanh(Variable x) {
        return Node.record("tanh", x.value().tanh(), Saves.OUTPUT, (n, g) -> grads(g.mul(n.output().square().neg().add(1))), x);
    }

    /** σ' = y (1 - y). */
    public static Variable sigmoid(Variable x) {
        return Node.record("sigmoid", x.value().sigmoid(), Saves.OUTPUT, (n, g) -> {
            Variable y = n.output();
            return grads(g.mul(y).mul(y.neg().add(1)));
        }, x);
    }

    /**
     * The mask x > 0 is also y > 0, so relu keeps its output, which the next op usually keeps anyway. The backward
     * pass is one fused kernel (g where y > 0): a comparison and a product would allocate a whole mask first.
     */
    public static Variable relu(Variable x) {
        return Node.record("relu", x.value().relu(), Saves.OUTPUT, (n, g) -> grads(reluBackward(g, n.output())), x);
    }

    /** g where y > 0, else 0. Linear in g, so its own VJP is the same mask (a second derivative goes through it). */
    static Variable reluBackward(Variable g, Variable y) {
        return Node.record("reluBackward", g.value().reluBackward(y.value()), Saves.inputs(1),
                (n, gg) -> grads(reluBackward(gg, n.input(1)), null), g, y);
    }

    public static Variable square(Variable x) {
        return Node.record("square", x.value().square(), Saves.inputs(0), (n, g) -> grads(g.mul(n.input(0)).mul(2)), x);
    }

    /** d(1/x) = -1/x² = -y². */
    public static Variable reciprocal(Variable x) {
        return Node.record("reciprocal", x.value().reciprocal(), Saves.OUTPUT, (n, g) -> grads(g.mul(n.output().square()).neg()), x);
    }

    public static Variable gelu(Variable x) {
        return Node.record("gelu", x.value().gelu(), Saves.inputs(0), (n, g) -> grads(g.mul(geluDerivative(n.input(0)))), x);
    }

    /**
     * d/dx x·Φ(x) = Φ(x) + x·φ(x), Φ and φ the standard normal cdf and density. The tensor module has gelu but no
     * erf, so Φ(x) = gelu(x)/x (exact to a few ulps for x ≠ 0), and ½ at 0. Differentiable, for second order.
     */
    static Variable geluDerivative(Variable x) {
        Tensor atZero = x.value().eq(x.value().newZeros());
        Variable safeX = Variable.where(atZero, x.constantLike(1), x);
        Variable cdf = Variable.where(atZero, x.constantLike(0.5), x.gelu().div(safeX));
        Variable pdf = x.square().mul(-0.5).exp().mul(1 / Math.sqrt(2 * Math.PI));
        return cdf.add(x.mul(pdf));
    }

    public static Variable leakyRelu(Variable x, double slope) {
        return Node.record("leakyRelu", x.value().leakyRelu(slope), Saves.inputs(0), (n, g) -> {
            Tensor slopes = above(n.input(0).value(), 0).mul(1 - slope).add(slope); // 1 where x > 0, else slope
            return grads(g.mul(slopes));
        }, x);
    }

    /** d xᵖ = p·xᵖ⁻¹. */
    public static Variable pow(Variable x, double p) {
        return Node.record("powScalar", x.value().pow(p), Saves.inputs(0), (n, g) -> grads(g.mul(n.input(0).pow(p - 1)).mul(p)), x);
    }

    /** The gradient passes where min <= x <= max, and is 0 where the clamp is active. */
    public static Variable clamp(Variable x, double min, double max) {
        return Node.record("clamp", x.value().clamp(min, max), Saves.inputs(0), (n, g) -> {
            Tensor v = n.input(0).value();
            return grads(g.mul(v.ge(v.newFull(min)).mul(v.le(v.newFull(max)))));
        }, x);
    }

    public static Variable addScalar(Variable x, double s) {
        return Node.record("addScalar", x.value().add(s), Saves.NOTHING, (n, g) -> grads(g), x);
    }

    public static Variable mulScalar(Variable x, double s) {
        return Node.record("mulScalar", x.value().mul(s), Saves.NOTHING, (n, g) -> grads(g.mul(s)), x);
    }

    /** The mask x > threshold, as 1/0 in x's dtype. */
    static Tensor above(Tensor x, double threshold) {
        return x.gt(x.newFull(threshold));
    }

    // ---------------------------------------------------------------- registry: names and gradient check cases

    @Override
    public List<Entry> ops() {
        return List.of(
                op("neg", Variable::neg, Sampler::normal),
                op("abs", Variable::abs, (s, shape) -> s.awayFrom(shape, 0)),
                op("exp", Variable::exp, Sampler::normal),
                op("log", Variable::log, (s, shape) -> s.uniform(0.2, 3, shape)),
                op("sqrt", Variable::sqrt, (s, shape) -> s.uniform(0.2, 3, shape)),
                op("rsqrt", Variable::rsqrt, (s, shape) -> s.uniform(0.2, 3, shape)),
                op("sin", Variable::sin, Sampler::normal),
                op("cos", Variable::cos, Sampler::normal),
                op("tanh", Variable::tanh, Sampler::normal),
                op("sigmoid", Variable::sigmoid, Sampler::normal),
                op("relu", Variable::relu, (s, shape) -> s.awayFrom(shape, 0)),
                Entry.of("reluBackward", s -> { // relu's own backward, recorded when a second derivative is asked for
                    int[] shape = s.shape(0, 3, 4);
                    return Problem.of("g where y > 0", v -> reluBackward(v[0], v[1]), s.normal(shape),
                            s.awayFrom(shape, 0));
                }),
                op("square", Variable::square, Sampler::normal),
                op("reciprocal", Variable::reciprocal, (s, shape) -> s.awayFrom(shape, 0)),
                op("gelu", Variable::gelu, Sampler::normal),
                op("leakyRelu", x -> x.leakyRelu(0.1), (s, shape) -> s.awayFrom(shape, 0)),
                op("clamp", x -> x.clamp(-0.5, 0.75), (s, shape) -> s.awayFrom(shape, -0.5, 0.75)),
                op("addScalar", x -> x.add(1.5), Sampler::normal),
                op("mulScalar", x -> x.mul(-2.5), Sampler::normal),
                Entry.of("powScalar",
                        s -> positiveBase(s, new double[] {-1.5, -1, 0.5, 2, 3.25}[s.nextInt(5)]),
                        s -> { // integer exponents are defined for negative bases too
                            int p = s.between(1, 3);
                            return Problem.of("x^" + p, v -> v[0].pow(p), s.normal(s.shape(0, 3, 4)));
                        }));
    }

    private static Problem positiveBase(Sampler s, double p) {
        return Problem.of("x^" + p + ", x > 0", v -> v[0].pow(p), s.uniform(0.3, 2.5, s.shape(0, 3, 4)));
    }

    /** Two cases per op: an input of random rank and layout, and an expanded (stride-0) input. */
    private static Entry op(String name, UnaryOperator<Variable> f, BiFunction<Sampler, int[], Tensor> values) {
        return Entry.of(name,
                s -> Problem.of(name, v -> f.apply(v[0]), values.apply(s, s.shape(0, 3, 4))),
                s -> {
                    int rows = s.between(2, 3), cols = s.between(1, 4);
                    return Problem.of(name + " of an expanded input", v -> f.apply(v[0].expand(rows, cols)),
                            values.apply(s, new int[] {1, cols}));
                });
    }
}

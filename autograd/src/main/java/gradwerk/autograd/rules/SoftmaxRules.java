package gradwerk.autograd.rules;

import gradwerk.autograd.GradCheck.Problem;
import gradwerk.autograd.Node;
import gradwerk.autograd.Saves;
import gradwerk.autograd.OpFamily;
import gradwerk.autograd.OpRegistry.Entry;
import gradwerk.autograd.Sampler;
import gradwerk.autograd.Variable;
import gradwerk.tensor.Shape;

import java.util.List;

import static gradwerk.autograd.VjpRule.grads;

/**
 * softmax, logSoftmax and logSumExp along one dim. Their Jacobians are dense within a row, but the VJPs need no
 * matrix: for y = softmax(x), dx = y ⊙ (g - Σ g⊙y); for y = logSoftmax(x), dx = g - softmax(x)·Σ g; for
 * y = logSumExp(x), dx = g·softmax(x) = g·exp(x - y). (Sums run along the dim, kept as size 1.)
 */
public final class SoftmaxRules implements OpFamily {
    /** Instantiated by ServiceLoader as the family that registers these ops. */
    public SoftmaxRules() {}

    public static Variable softmax(Variable x, int dim) {
        int[] d = {Shape.dim("softmax", dim, x.rank())};
        return Node.record("softmax", x.value().softmax(dim), Saves.OUTPUT, (n, g) -> {
            Variable y = n.output();
            return grads(y.mul(g.sub(g.mul(y).sum(d, true))));
        }, x);
    }

    public static Variable logSoftmax(Variable x, int dim) {
        int[] d = {Shape.dim("logSoftmax", dim, x.rank())};
        return Node.record("logSoftmax", x.value().logSoftmax(dim),
                Saves.OUTPUT, (n, g) -> grads(g.sub(n.output().exp().mul(g.sum(d, true)))), x);
    }

    public static Variable logSumExp(Variable x, int dim, boolean keepDim) {
        int d = Shape.dim("logSumExp", dim, x.rank());
        return Node.record("logSumExp", x.value().logSumExp(dim, keepDim), Saves.inputs(0).andOutput(), (n, g) -> {
            Variable y = keepDim ? n.output() : n.output().unsqueeze(d);
            Variable gk = keepDim ? g : g.unsqueeze(d);
            return grads(gk.mul(n.input(0).sub(y).exp()));
        }, x);
    }

    // ---------------------------------------------------------------- registry: names and gradient check cases

    @Override
    public List<Entry> ops() {
        return List.of(
                Entry.of("softmax", s -> along(s, "softmax", (x, d) -> x.softmax(d))),
                Entry.of("logSoftmax", s -> along(s, "logSoftmax", (x, d) -> x.logSoftmax(d))),
                Entry.of("logSumExp", s -> {
                    boolean keepDim = s.coin();
                    return along(s, "logSumExp" + (keepDim ? ", keepDim" : ""), (x, d) -> x.logSumExp(d, keepDim));
                }));
    }

    private interface AlongDim {
        Variable apply(Variable x, int dim);
    }

    /** Random rank 1..3 and layout, a random dim (sometimes given as negative). */
    private static Problem along(Sampler s, String name, AlongDim f) {
        int[] shape = s.shape(1, 3, 4);
        int dim = s.nextInt(shape.length) - (s.coin() ? shape.length : 0);
        return Problem.of(name + " of " + Shape.str(shape) + " along " + dim, v -> f.apply(v[0], dim),
                s.normal(shape));
    }
}

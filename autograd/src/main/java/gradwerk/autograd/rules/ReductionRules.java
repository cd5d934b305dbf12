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

import java.util.Arrays;
import java.util.List;

import static gradwerk.autograd.VjpRule.grads;

/**
 * Reductions over a set of dims (empty = all dims), with or without keepDim. Every rule first lines the gradient
 * up with the input by reshaping it to the "kept" shape (reduced dims as size 1), then broadcasts it back.
 *
 * <p>max/min send the gradient to the winning elements, split evenly between tied winners (PyTorch's amax/amin).
 * argmax/argmin are not differentiable: Variable returns them as plain tensors.
 */
public final class ReductionRules implements OpFamily {
    /** Instantiated by ServiceLoader as the family that registers these ops. */
    public ReductionRules() {}

    public static Variable sum(Variable x, int[] dims, boolean keepDim) {
        int[] shape = x.shape(), kept = keptShape("sum", shape, dims);
        return Node.record("sum", x.value().sum(dims, keepDim), Saves.NOTHING, (n, g) -> grads(g.reshape(kept).expand(shape)), x);
    }

    public static Variable mean(Variable x, int[] dims, boolean keepDim) {
        int[] shape = x.shape(), kept = keptShape("mean", shape, dims);
        double count = reducedCount(shape, kept);
        return Node.record("mean", x.value().mean(dims, keepDim),
                Saves.NOTHING, (n, g) -> grads(g.reshape(kept).expand(shape).div(count)), x);
    }

    public static Variable max(Variable x, int[] dims, boolean keepDim) {
        return extreme("max", x, dims, keepDim, x.value().max(dims, keepDim));
    }

    public static Variable min(Variable x, int[] dims, boolean keepDim) {
        return extreme("min", x, dims, keepDim, x.value().min(dims, keepDim));
    }

    private static Variable extreme(String op, Variable x, int[] dims, boolean keepDim, Tensor result) {
        int[] kept = keptShape(op, x.shape(), dims);
        return Node.record(op, result, Saves.inputs(0).andOutput(), (n, g) -> {
            Tensor winners = n.input(0).value().eq(n.output().value().reshape(kept)); // 1 where x equals the extreme
            Tensor share = winners.div(winners.sum(dims, true));
            return grads(g.reshape(kept).mul(share));
        }, x);
    }

    /** d var / dx = 2 (x - mean) / (N or N - 1). */
    public static Variable var(Variable x, int[] dims, boolean unbiased, boolean keepDim) {
        int[] shape = x.shape(), kept = keptShape("var", shape, dims);
        double count = reducedCount(shape, kept);
        return Node.record("var", x.value().var(dims, unbiased, keepDim), Saves.inputs(0), (n, g) -> {
            Variable in = n.input(0), centred = in.sub(in.mean(dims, true));
            return grads(g.reshape(kept).mul(centred).mul(2 / (unbiased ? count - 1 : count)));
        }, x);
    }

    /** The input shape with the reduced dims set to 1: the shape of a keepDim result. */
    static int[] keptShape(String op, int[] shape, int[] dims) {
        boolean[] reduced = Shape.dimSet(op, dims, shape.length);
        int[] kept = shape.clone();
        for (int i = 0; i < kept.length; i++) if (reduced[i]) kept[i] = 1;
        return kept;
    }

    /** How many input elements each result element summarises. */
    private static double reducedCount(int[] shape, int[] kept) {
        double count = 1;
        for (int i = 0; i < shape.length; i++) if (kept[i] == 1) count *= shape[i];
        return count;
    }

    // ---------------------------------------------------------------- registry: names and gradient check cases

    @Override
    public List<Entry> ops() {
        return List.of(
                Entry.of("sum", s -> reduction(s, "sum", s.normal(s.shape(0, 3, 4)), Variable::sum)),
                Entry.of("mean", s -> reduction(s, "mean", s.normal(s.shape(0, 3, 4)), Variable::mean)),
                // distinct values: no ties, where max and min have no derivative
                Entry.of("max", s -> reduction(s, "max", s.distinct(s.shape(0, 3, 4)), Variable::max)),
                Entry.of("min", s -> reduction(s, "min", s.distinct(s.shape(0, 3, 4)), Variable::min)),
                Entry.of("var", s -> {
                    Tensor x = s.normal(s.shape(0, 3, 4));
                    int[] dims = s.dims(x.rank());
                    boolean keepDim = s.coin();
                    boolean unbiased = s.coin() && reducedCount(x.shape(), keptShape("var", x.shape(), dims)) > 1;
                    return Problem.of("var over " + Arrays.toString(dims) + (unbiased ? ", unbiased" : "")
                            + (keepDim ? ", keepDim" : ""), v -> v[0].var(dims, unbiased, keepDim), x);
                }));
    }

    private interface Reduction {
        Variable apply(Variable x, int[] dims, boolean keepDim);
    }

    private static Problem reduction(Sampler s, String name, Tensor x, Reduction r) {
        int[] dims = s.dims(x.rank());
        boolean keepDim = s.coin();
        return Problem.of(name + " of " + Shape.str(x.shape()) + " over " + Arrays.toString(dims)
                + (keepDim ? ", keepDim" : ""), v -> r.apply(v[0], dims, keepDim), x);
    }
}

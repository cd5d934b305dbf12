package gradwerk.nn.functional;

import gradwerk.autograd.GradCheck.Problem;
import gradwerk.autograd.Node;
import gradwerk.autograd.Saves;
import gradwerk.autograd.OpFamily;
import gradwerk.autograd.OpRegistry.Entry;
import gradwerk.autograd.Sampler;
import gradwerk.autograd.Variable;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.Dropout;
import gradwerk.tensor.nn.Padding;

import java.util.List;

import static gradwerk.autograd.VjpRule.grads;
import static gradwerk.nn.functional.Rules.requireFirstOrder;

/**
 * Padding and dropout. Constant padding is linear with an obvious adjoint, cropping by the same amounts (constant
 * padding by the negated pads), so its rule is the op itself and differentiable to any order; replicate padding
 * folds the border back onto the edges with a kernel (first order). Dropout multiplies by a mask drawn from a
 * seeded {@link Generator}; its rule multiplies by the same mask.
 */
public final class PadOps implements OpFamily {
    public PadOps() {}

    /** PyTorch's {@code F.pad} (pads from the last dim: {left, right, top, bottom, ...}); CONSTANT may crop. */
    public static Variable pad(Variable x, int[] pads, Padding.Mode mode, double value) {
        int[] p = pads.clone(), inShape = x.shape();
        Tensor out = Padding.pad(x.value(), p, mode, value);
        if (mode == Padding.Mode.CONSTANT) {
            int[] crop = new int[p.length];
            for (int i = 0; i < p.length; i++) crop[i] = -p[i];
            return Node.record("pad", out, Saves.NOTHING, (n, g) -> grads(pad(g, crop, Padding.Mode.CONSTANT, 0)), x);
        }
        return Node.record("padReplicate", out, Saves.NOTHING, (n, g) -> {
            requireFirstOrder("padReplicate");
            return grads(Variable.constant(Padding.padBackward(g.value(), p, mode, inShape)));
        }, x);
    }

    /**
     * PyTorch's {@code F.dropout}: in training, zeroes each element with probability p and scales the rest by
     * 1/(1-p), with a mask drawn from {@code g}; outside training (or p = 0) it returns x itself.
     */
    public static Variable dropout(Variable x, double p, boolean training, Generator g) {
        return masked("dropout", x, Dropout.dropout(x.value(), p, training, g));
    }

    /** PyTorch's {@code F.dropout2d}: drops whole channels of [N, C, *]. */
    public static Variable dropout2d(Variable x, double p, boolean training, Generator g) {
        return masked("dropout", x, Dropout.dropout2d(x.value(), p, training, g));
    }

    private static Variable masked(String op, Variable x, Dropout.DropoutResult r) {
        if (r.mask() == null) return x;
        Tensor mask = r.mask();
        return Node.record(op, r.output(), Saves.NOTHING, (n, g) -> grads(g.mul(mask)), x);
    }

    // ---------------------------------------------------------------- registry: gradient check cases

    @Override
    public List<Entry> ops() {
        return List.of(
                Entry.of("pad", s -> padCase(s, Padding.Mode.CONSTANT)),
                Entry.of("padReplicate", s -> padCase(s, Padding.Mode.REPLICATE)).firstOrderOnly(),
                Entry.of("dropout", s -> {
                    int[] shape = s.shape(1, 4, 4);
                    double p = new double[] {0.2, 0.5, 0.9}[s.nextInt(3)];
                    long seed = s.nextInt(1000);
                    boolean channels = shape.length >= 2 && s.coin();
                    // the same seed every evaluation: the same mask, as finite differences need
                    return Problem.of((channels ? "dropout2d " : "dropout ") + Shape.str(shape) + " p=" + p,
                            v -> channels ? dropout2d(v[0], p, true, new Generator(seed)) : dropout(v[0], p, true, new Generator(seed)),
                            s.normal(shape));
                }));
    }

    private static Problem padCase(Sampler s, Padding.Mode mode) {
        int[] shape = {s.between(1, 2), s.between(1, 2), s.between(1, 4), s.between(1, 4)};
        int[] pads = new int[s.coin() ? 2 : 4];
        for (int i = 0; i < pads.length; i++) {
            int size = shape[3 - i / 2];
            pads[i] = mode == Padding.Mode.REPLICATE ? s.between(0, 2) : s.between(-Math.min(1, size - 1), 2);
        }
        // two crops of one dim must leave something
        for (int d = 0; d < pads.length / 2; d++)
            if (shape[3 - d] + pads[2 * d] + pads[2 * d + 1] < 1) pads[2 * d + 1] = 0;
        double value = mode == Padding.Mode.CONSTANT ? s.uniform(-1, 1) : 0;
        return Problem.of((mode == Padding.Mode.CONSTANT ? "pad " : "padReplicate ") + Shape.str(shape) + " by " + Shape.str(pads),
                v -> pad(v[0], pads, mode, value), s.normal(shape));
    }
}

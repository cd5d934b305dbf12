package gradwerk.nn.functional;

import gradwerk.autograd.GradCheck.Problem;
import gradwerk.autograd.Node;
import gradwerk.autograd.Saves;
import gradwerk.autograd.OpFamily;
import gradwerk.autograd.OpRegistry.Entry;
import gradwerk.autograd.Sampler;
import gradwerk.autograd.Variable;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.Pool;

import java.util.List;

import static gradwerk.autograd.VjpRule.grads;
import static gradwerk.nn.functional.Rules.requireFirstOrder;

/**
 * 2-d pooling as differentiable ops over the {@link Pool} kernels. Max pooling keeps only the argmax indices for its
 * backward pass (the gradient goes to each window's maximum; not the input itself); average pooling spreads the
 * gradient evenly over each window. First-order only.
 */
public final class PoolOps implements OpFamily {
    public PoolOps() {}

    /** PyTorch's {@code F.max_pool2d}: stride null = kernel. */
    public static Variable maxPool2d(Variable x, int[] kernel, int[] stride, int[] padding, int[] dilation,
                                     boolean ceilMode) {
        int[] inShape = x.shape();
        Pool.MaxPoolResult r = Pool.maxPool2dWithIndices(x.value(), kernel, stride, padding, dilation, ceilMode);
        Tensor indices = r.indices();
        return Node.record("maxPool2d", r.output(), Saves.NOTHING, (n, g) -> {
            requireFirstOrder("maxPool2d");
            return grads(Variable.constant(Pool.maxPool2dBackward(g.value(), indices, inShape)));
        }, x);
    }

    /** PyTorch's {@code F.avg_pool2d}: stride null = kernel; divisorOverride 0 = none. */
    public static Variable avgPool2d(Variable x, int[] kernel, int[] stride, int[] padding, boolean ceilMode,
                                     boolean countIncludePad, int divisorOverride) {
        int[] inShape = x.shape();
        Tensor out = Pool.avgPool2d(x.value(), kernel, stride, padding, ceilMode, countIncludePad, divisorOverride);
        return Node.record("avgPool2d", out, Saves.NOTHING, (n, g) -> {
            requireFirstOrder("avgPool2d");
            return grads(Variable.constant(Pool.avgPool2dBackward(g.value(), inShape, kernel, stride, padding, ceilMode,
                    countIncludePad, divisorOverride)));
        }, x);
    }

    /** PyTorch's {@code F.adaptive_avg_pool2d}: output [N, C, outH, outW] whatever the input size. */
    public static Variable adaptiveAvgPool2d(Variable x, int outH, int outW) {
        int[] inShape = x.shape();
        Tensor out = Pool.adaptiveAvgPool2d(x.value(), outH, outW);
        return Node.record("adaptiveAvgPool2d", out, Saves.NOTHING, (n, g) -> {
            requireFirstOrder("adaptiveAvgPool2d");
            return grads(Variable.constant(Pool.adaptiveAvgPool2dBackward(g.value(), inShape)));
        }, x);
    }

    // ---------------------------------------------------------------- registry: gradient check cases

    @Override
    public List<Entry> ops() {
        return List.of(
                Entry.of("maxPool2d", PoolOps::maxCase).firstOrderOnly(),
                Entry.of("avgPool2d", PoolOps::avgCase).firstOrderOnly(),
                Entry.of("adaptiveAvgPool2d", s -> {
                    int[] shape = {s.between(1, 2), s.between(1, 2), s.between(1, 6), s.between(1, 6)};
                    int oh = s.between(1, 4), ow = s.between(1, 4);
                    return Problem.of("adaptiveAvgPool2d " + Shape.str(shape) + " → " + oh + "x" + ow,
                            v -> adaptiveAvgPool2d(v[0], oh, ow), s.normal(shape));
                }).firstOrderOnly());
    }

    /** Distinct values (no ties within a window); dilation only without padding (no all-padding windows). */
    private static Problem maxCase(Sampler s) {
        int k = s.between(1, 3), stride = s.between(1, 2), pad = s.between(0, k / 2), dil = pad > 0 ? 1 : s.between(1, 2);
        boolean ceil = s.coin();
        int span = dil * (k - 1) + 1;
        int[] shape = {s.between(1, 2), s.between(1, 2), span + s.between(0, 3), span + s.between(0, 3)};
        String label = "maxPool2d " + Shape.str(shape) + " k" + k + " s" + stride + " p" + pad + " d" + dil + (ceil ? " ceil" : "");
        return Problem.of(label, v -> maxPool2d(v[0], new int[] {k}, new int[] {stride}, new int[] {pad}, new int[] {dil}, ceil),
                s.distinct(shape));
    }

    private static Problem avgCase(Sampler s) {
        int kh = s.between(1, 3), kw = s.between(1, 3), stride = s.between(1, 2);
        int ph = s.between(0, kh / 2), pw = s.between(0, kw / 2);
        boolean ceil = s.coin(), includePad = s.coin();
        int divisor = s.coin() ? 0 : s.between(1, 5);
        int[] shape = {s.between(1, 2), s.between(1, 2), kh + s.between(0, 3), kw + s.between(0, 3)};
        String label = "avgPool2d " + Shape.str(shape) + " k" + kh + "x" + kw + " s" + stride + " p" + ph + "x" + pw
                + (ceil ? " ceil" : "") + (includePad ? " countIncludePad" : "") + (divisor > 0 ? " divisor " + divisor : "");
        return Problem.of(label, v -> avgPool2d(v[0], new int[] {kh, kw}, new int[] {stride}, new int[] {ph, pw}, ceil,
                includePad, divisor), s.normal(shape));
    }
}

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
import gradwerk.tensor.nn.Conv;

import java.util.List;

import static gradwerk.nn.functional.Rules.constant;
import static gradwerk.nn.functional.Rules.forPresent;
import static gradwerk.nn.functional.Rules.present;
import static gradwerk.nn.functional.Rules.requireFirstOrder;

/**
 * conv2d and conv_transpose2d as differentiable ops over the tensor module's {@link Conv} kernels (im2col + GEMM).
 * The VJPs are the kernels' backward passes: for y = conv(x, w) + b, dx is the transposed convolution of dy with
 * w, dw the correlation of dy with x, db the sum of dy over N, H, W. A gradient is only computed for the inputs
 * that need one (no dx for the first layer's images). First-order only (the kernels are not differentiable).
 */
public final class ConvOps implements OpFamily {
    public ConvOps() {}

    /** PyTorch's {@code F.conv2d}; see {@link Conv#conv2d(Tensor, Tensor, Tensor, int[], int[], int[], int)}. */
    public static Variable conv2d(Variable x, Variable w, Variable b, int[] stride, int[] padding, int[] dilation,
                                  int groups) {
        int[] xShape = x.shape(), wShape = w.shape();
        Tensor out = Conv.conv2d(x.value(), w.value(), b == null ? null : b.value(), stride, padding, dilation, groups);
        Variable[] all = {x, w, b};
        boolean needX = x.requiresGrad(), needW = w.requiresGrad(), needB = b != null && b.requiresGrad();
        return Node.record("conv2d", out, Saves.inputs(0, 1), (n, g) -> {
            requireFirstOrder("conv2d");
            Tensor dy = g.value();
            Tensor dx = needX ? Conv.conv2dBackwardInput(dy, n.input(1).value(), xShape, stride, padding, dilation, groups) : null;
            Tensor dw = needW ? Conv.conv2dBackwardWeight(dy, n.input(0).value(), wShape, stride, padding, dilation, groups) : null;
            Tensor db = needB ? Conv.convBackwardBias(dy) : null;
            return forPresent(all, constant(dx), constant(dw), constant(db));
        }, present(all));
    }

    /** PyTorch's {@code F.conv_transpose2d} (same argument order); weight [Cin, Cout/groups, kh, kw]. */
    public static Variable convTranspose2d(Variable x, Variable w, Variable b, int[] stride, int[] padding,
                                           int[] outputPadding, int groups, int[] dilation) {
        int[] xShape = x.shape(), wShape = w.shape();
        Tensor out = Conv.convTranspose2d(x.value(), w.value(), b == null ? null : b.value(), stride, padding,
                outputPadding, groups, dilation);
        Variable[] all = {x, w, b};
        boolean needX = x.requiresGrad(), needW = w.requiresGrad(), needB = b != null && b.requiresGrad();
        return Node.record("convTranspose2d", out, Saves.inputs(0, 1), (n, g) -> {
            requireFirstOrder("convTranspose2d");
            Tensor dy = g.value();
            Tensor dx = needX ? Conv.convTranspose2dBackwardInput(dy, n.input(1).value(), xShape, stride,
                    padding, outputPadding, groups, dilation) : null;
            Tensor dw = needW ? Conv.convTranspose2dBackwardWeight(dy, n.input(0).value(), wShape, stride,
                    padding, outputPadding, groups, dilation) : null;
            Tensor db = needB ? Conv.convBackwardBias(dy) : null;
            return forPresent(all, constant(dx), constant(dw), constant(db));
        }, present(all));
    }

    // ---------------------------------------------------------------- registry: gradient check cases

    @Override
    public List<Entry> ops() {
        return List.of(
                Entry.of("conv2d", s -> conv(s, false), s -> conv(s, true)).firstOrderOnly(),
                Entry.of("convTranspose2d", s -> transposed(s, false), s -> transposed(s, true)).firstOrderOnly());
    }

    /** Random geometry (stride, padding, dilation, groups), sometimes without bias. */
    private static Problem conv(Sampler s, boolean bias) {
        int groups = s.between(1, 2), n = s.between(1, 2), cin = groups * s.between(1, 2), cout = groups * s.between(1, 2);
        int k = s.between(1, 3), stride = s.between(1, 2), pad = s.between(0, 1), dil = s.between(1, 2);
        int span = dil * (k - 1) + 1, h = Math.max(1, span - 2 * pad) + s.between(0, 3), w = Math.max(1, span - 2 * pad) + s.between(0, 3);
        int[] st = {stride}, pd = {pad}, dl = {dil};
        String label = "conv2d x" + Shape.str(new int[] {n, cin, h, w}) + " k" + k + " s" + stride + " p" + pad + " d" + dil
                + " g" + groups + (bias ? " +bias" : "");
        Tensor x = s.normal(n, cin, h, w), wt = s.normal(cout, cin / groups, k, k);
        if (!bias) return Problem.of(label, v -> conv2d(v[0], v[1], null, st, pd, dl, groups), x, wt);
        return Problem.of(label, v -> conv2d(v[0], v[1], v[2], st, pd, dl, groups), x, wt, s.normal(cout));
    }

    private static Problem transposed(Sampler s, boolean bias) {
        int groups = s.between(1, 2), n = s.between(1, 2), cin = groups * s.between(1, 2), cout = groups * s.between(1, 2);
        int k = s.between(1, 3), stride = s.between(1, 2), dil = s.between(1, 2), pad = s.between(0, (dil * (k - 1)) / 2);
        int outPad = s.between(0, Math.max(stride, dil) - 1);
        int h = s.between(1, 3), w = s.between(1, 3);
        int[] st = {stride}, pd = {pad}, op = {outPad}, dl = {dil};
        String label = "convTranspose2d x" + Shape.str(new int[] {n, cin, h, w}) + " k" + k + " s" + stride + " p" + pad
                + " op" + outPad + " d" + dil + " g" + groups + (bias ? " +bias" : "");
        Tensor x = s.normal(n, cin, h, w), wt = s.normal(cin, cout / groups, k, k);
        if (!bias) return Problem.of(label, v -> convTranspose2d(v[0], v[1], null, st, pd, op, groups, dl), x, wt);
        return Problem.of(label, v -> convTranspose2d(v[0], v[1], v[2], st, pd, op, groups, dl), x, wt, s.normal(cout));
    }
}

package gradwerk.tensor.nn;

import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

/**
 * 2-d pooling over NCHW images (PyTorch's {@code max_pool2d}, {@code avg_pool2d}, {@code adaptive_avg_pool2d})
 * with explicit backward passes.
 *
 * <p>Max pooling returns the flat position {@code ih*W + iw} of each window's maximum (the first one on ties, as
 * PyTorch does), which is all its backward pass needs: the gradient goes to that pixel. The indices are stored as
 * numbers of the input's dtype (exact up to 2^24 pixels per plane in float32).
 */
public final class Pool {
    private Pool() {}

    /** The result of max pooling: the maxima and where they were (flat {@code ih*W + iw} per plane). */
    public record MaxPoolResult(Tensor output, Tensor indices) {}

    // ================================================================ max pooling

    /** Max pooling with a square kernel, stride = kernel, no padding. */
    public static Tensor maxPool2d(Tensor input, int kernel) {
        return maxPool2dWithIndices(input, new int[] {kernel}, null, new int[] {0}, new int[] {1}, false).output();
    }

    /**
     * PyTorch's {@code F.max_pool2d(..., return_indices=True)}: input [N,C,H,W]; kernel, stride (null or empty =
     * kernel), padding (at most half the kernel) and dilation as {h, w} or one value. With {@code ceilMode} the
     * output size rounds up, so a last partial window is kept.
     */
    public static MaxPoolResult maxPool2dWithIndices(Tensor input, int[] kernel, int[] stride, int[] padding,
                                                     int[] dilation, boolean ceilMode) {
        String op = "maxPool2d";
        Args.requireRank(op, "input", input, 4, "[N,C,H,W]");
        Window2d w = window(op, input.shape(), kernel, stride, padding, dilation);
        int[] out = outShape(op, input.shape(), w, ceilMode);
        requireNoEmptyWindow(op, input.shape(), w, out);
        Tensor o = Args.empty(input, out), idx = Args.empty(input, out);
        if (o.numel() > 0) input.device().backend().maxPool2d(input, w, o, idx);
        return new MaxPoolResult(o, idx);
    }

    /** The gradient of max pooling w.r.t. its input [N,C,H,W] ({@code inputShape}): each gradOut goes to its index. */
    public static Tensor maxPool2dBackward(Tensor gradOut, Tensor indices, int[] inputShape) {
        String op = "maxPool2dBackward";
        Args.requireRank(op, "gradOut", gradOut, 4, "[N,C,outH,outW]");
        Args.requireLike(op, gradOut, "indices", indices);
        Args.requireShape(op, "indices", indices, gradOut.shape());
        if (inputShape.length != 4 || inputShape[0] != gradOut.size(0) || inputShape[1] != gradOut.size(1))
            throw new IllegalArgumentException(op + ": input shape " + Shape.str(inputShape) + " does not match gradOut "
                    + Shape.str(gradOut.shape()));
        Tensor gi = Args.output(gradOut, inputShape); // maxPool2dBackward overwrites it (zeros, then the scatter)
        if (gi.numel() > 0) gradOut.device().backend().maxPool2dBackward(gradOut, indices, gi);
        return gi;
    }

    // ================================================================ average pooling

    /** Average pooling with a square kernel, stride = kernel, no padding. */
    public static Tensor avgPool2d(Tensor input, int kernel) {
        return avgPool2d(input, new int[] {kernel}, null, new int[] {0}, false, true, 0);
    }

    /**
     * PyTorch's {@code F.avg_pool2d}: the mean of each window. The divisor is {@code divisorOverride} if it is
     * positive; otherwise the window's size, counting the padding ({@code countIncludePad}) or only the pixels
     * inside the image. Windows are clipped to the padded image, so with {@code ceilMode} a last partial window
     * divides by its clipped size.
     */
    public static Tensor avgPool2d(Tensor input, int[] kernel, int[] stride, int[] padding, boolean ceilMode,
                                   boolean countIncludePad, int divisorOverride) {
        String op = "avgPool2d";
        Args.requireRank(op, "input", input, 4, "[N,C,H,W]");
        Window2d w = window(op, input.shape(), kernel, stride, padding, new int[] {1});
        int[] out = outShape(op, input.shape(), w, ceilMode);
        Tensor o = Args.empty(input, out);
        if (o.numel() > 0) input.device().backend().avgPool2d(input, w, countIncludePad, Math.max(0, divisorOverride), o);
        return o;
    }

    /** The gradient of {@link #avgPool2d} w.r.t. its input, same arguments plus the input shape. */
    public static Tensor avgPool2dBackward(Tensor gradOut, int[] inputShape, int[] kernel, int[] stride, int[] padding,
                                           boolean ceilMode, boolean countIncludePad, int divisorOverride) {
        String op = "avgPool2dBackward";
        Args.requireRank(op, "gradOut", gradOut, 4, "[N,C,outH,outW]");
        Window2d w = window(op, inputShape, kernel, stride, padding, new int[] {1});
        int[] out = outShape(op, inputShape, w, ceilMode);
        Args.requireShape(op, "gradOut", gradOut, out);
        Tensor gi = Args.empty(gradOut, inputShape);
        if (gi.numel() > 0)
            gradOut.device().backend().avgPool2dBackward(gradOut, w, countIncludePad, Math.max(0, divisorOverride), gi);
        return gi;
    }

    // ================================================================ adaptive average pooling

    /**
     * PyTorch's {@code F.adaptive_avg_pool2d}: output [N,C,outH,outW] whose bin (i, j) averages input rows
     * {@code floor(i*H/outH) .. ceil((i+1)*H/outH)-1} and the matching columns (bins may overlap by one pixel).
     */
    public static Tensor adaptiveAvgPool2d(Tensor input, int outH, int outW) {
        String op = "adaptiveAvgPool2d";
        Args.requireRank(op, "input", input, 4, "[N,C,H,W]");
        if (outH < 1 || outW < 1 || input.size(2) < 1 || input.size(3) < 1)
            throw new IllegalArgumentException(op + ": cannot pool input " + Shape.str(input.shape()) + " to " + outH + "x" + outW);
        Tensor o = Args.empty(input, input.size(0), input.size(1), outH, outW);
        if (o.numel() > 0) input.device().backend().adaptiveAvgPool2d(input, o);
        return o;
    }

    /** The gradient of {@link #adaptiveAvgPool2d} w.r.t. its input of shape {@code inputShape}. */
    public static Tensor adaptiveAvgPool2dBackward(Tensor gradOut, int[] inputShape) {
        String op = "adaptiveAvgPool2dBackward";
        Args.requireRank(op, "gradOut", gradOut, 4, "[N,C,outH,outW]");
        if (inputShape.length != 4 || inputShape[0] != gradOut.size(0) || inputShape[1] != gradOut.size(1))
            throw new IllegalArgumentException(op + ": input shape " + Shape.str(inputShape) + " does not match gradOut "
                    + Shape.str(gradOut.shape()));
        Tensor gi = Args.empty(gradOut, inputShape);
        if (gi.numel() > 0) gradOut.device().backend().adaptiveAvgPool2dBackward(gradOut, gi);
        return gi;
    }

    // ================================================================ shapes

    private static Window2d window(String op, int[] in, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        if (in.length != 4) throw new IllegalArgumentException(op + ": input " + Shape.str(in) + " must be 4-d [N,C,H,W]");
        int[] k = Args.pair(op, "kernel", kernel);
        int[] s = stride == null || stride.length == 0 ? k : Args.pair(op, "stride", stride);
        int[] p = Args.pair(op, "padding", padding), d = Args.pair(op, "dilation", dilation);
        Args.requirePositive(op, "kernel", k);
        Args.requirePositive(op, "stride", s);
        Args.requirePositive(op, "dilation", d);
        Args.requireNonNegative(op, "padding", p);
        if (p[0] > k[0] / 2 || p[1] > k[1] / 2)
            throw new IllegalArgumentException(op + ": padding " + Shape.str(p) + " must be at most half the kernel "
                    + Shape.str(k));
        return new Window2d(k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]);
    }

    /**
     * With dilation, padding can leave a window with no pixel of the image at all (PyTorch then returns -inf and an
     * index outside the image, and its backward pass corrupts memory); reject that instead.
     */
    private static void requireNoEmptyWindow(String op, int[] in, Window2d w, int[] out) {
        for (int axis = 0; axis < 2; axis++) {
            int size = in[2 + axis], k = axis == 0 ? w.kh() : w.kw(), s = axis == 0 ? w.sh() : w.sw();
            int p = axis == 0 ? w.ph() : w.pw(), d = axis == 0 ? w.dh() : w.dw();
            for (int o = 0; o < out[2 + axis]; o++) {
                boolean any = false;
                for (int i = 0; i < k && !any; i++) any = o * s - p + i * d >= 0 && o * s - p + i * d < size;
                if (!any)
                    throw new IllegalArgumentException(op + ": with input " + Shape.str(in) + " and " + w + ", the window at output "
                            + (axis == 0 ? "row " : "column ") + o + " lies entirely in the padding");
            }
        }
    }

    private static int[] outShape(String op, int[] in, Window2d w, boolean ceilMode) {
        int oh = w.outH(in[2], ceilMode), ow = w.outW(in[3], ceilMode);
        if (oh < 1 || ow < 1)
            throw new IllegalArgumentException(op + ": input " + Shape.str(in) + " is too small for " + w
                    + " (output " + oh + "x" + ow + ")");
        return new int[] {in[0], in[1], oh, ow};
    }
}

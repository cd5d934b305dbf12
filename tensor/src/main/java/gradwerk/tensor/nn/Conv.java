package gradwerk.tensor.nn;

import gradwerk.tensor.Backend;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

/**
 * 2-d convolution and transposed convolution (PyTorch's {@code conv2d} and {@code conv_transpose2d}, NCHW), with
 * their backward passes, lowered onto matrix products.
 *
 * <h2>Convolution as a GEMM (im2col)</h2>
 * For one image x [C,H,W], {@code im2col} copies every window into a column: columns [C·kh·kw, Hout·Wout]. Then the
 * convolution is one matrix product, {@code out[Cout, Hout·Wout] = weight[Cout, C·kh·kw] · columns}, and the GEMM
 * does all the arithmetic (Chellapilla et al., "High Performance Convolutional Neural Networks for Document
 * Processing", 2006). With {@code groups} the channels split into independent blocks, so the product is batched
 * over groups: weight viewed [G, Cout/G, C/G·kh·kw] times columns viewed [G, C/G·kh·kw, Hout·Wout].
 *
 * <p>The backward passes are the same idea transposed:
 * <ul>
 * <li>input gradient: {@code col2im(weightᵀ · gradOut)}, where col2im (the adjoint of im2col) adds every column
 *     entry back onto the pixel it came from;</li>
 * <li>weight gradient: {@code Σ_n gradOut[n] · im2col(x[n])ᵀ};</li>
 * <li>bias gradient: gradOut summed over N, H and W.</li>
 * </ul>
 * A transposed convolution is the adjoint of a convolution: its forward pass is a convolution's input gradient,
 * its input gradient a convolution's forward pass, so all six functions here share three engines, the backend
 * primitives {@link Backend#convUnfoldProduct}, {@link Backend#convFoldProduct} and
 * {@link Backend#convUnfoldWeightProduct}. {@link ConvLowering} implements them for every device from im2col,
 * col2im and matmul, processing each image in cache-sized bands of output rows; a 1×1 convolution with stride 1
 * and no padding needs no columns at all (the image, viewed [C, H·W], is its own column matrix).
 *
 * <p>This class only checks arguments and computes shapes.
 */
public final class Conv {
    private static final int[] ONE = {1}, ZERO = {0};

    private Conv() {}

    // ================================================================ conv2d

    /** conv2d with stride 1, no padding, dilation 1, one group, no bias. */
    public static Tensor conv2d(Tensor input, Tensor weight) {
        return conv2d(input, weight, null, ONE, ZERO, ONE, 1);
    }

    /** conv2d with square stride and padding, dilation 1, one group; bias may be null. */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int stride, int padding) {
        return conv2d(input, weight, bias, new int[] {stride}, new int[] {padding}, ONE, 1);
    }

    /**
     * PyTorch's {@code F.conv2d}: input [N,Cin,H,W], weight [Cout,Cin/groups,kh,kw], bias [Cout] or null; stride,
     * padding and dilation each as {h, w} or one value for both. Output [N,Cout,Hout,Wout] with
     * {@code Hout = floor((H + 2·padH - dilH·(kh-1) - 1) / strideH) + 1}.
     */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation,
                                int groups) {
        String op = "conv2d";
        Args.requireRank(op, "input", input, 4, "[N,C,H,W]");
        Args.requireLike(op, input, "weight", weight);
        Args.requireLike(op, input, "bias", bias);
        Geometry g = convGeometry(op, input.shape(), weight.shape(), stride, padding, dilation, groups);
        Args.requireShape(op, "bias", bias, g.cout);
        Tensor out = Args.output(input, g.n, g.cout, g.oh, g.ow); // unfoldProduct assigns every element
        if (out.numel() > 0) input.device().backend().convUnfoldProduct(input, g.weightMatrix(weight), g.win, bias, out);
        return out;
    }

    /**
     * The gradient of conv2d w.r.t. its input: gradOut [N,Cout,Hout,Wout] → [N,Cin,H,W] ({@code inputShape}; the
     * shape is needed because several input sizes give the same output size when stride > 1).
     */
    public static Tensor conv2dBackwardInput(Tensor gradOut, Tensor weight, int[] inputShape, int[] stride,
                                             int[] padding, int[] dilation, int groups) {
        String op = "conv2dBackwardInput";
        Args.requireLike(op, gradOut, "weight", weight);
        Geometry g = convGeometry(op, inputShape, weight.shape(), stride, padding, dilation, groups);
        Args.requireShape(op, "gradOut", gradOut, g.n, g.cout, g.oh, g.ow);
        return fold(gradOut, g.weightMatrix(weight), g.win, g.n, g.cin, g.h, g.w, null);
    }

    /** The gradient of conv2d w.r.t. its weight (of shape {@code weightShape}). */
    public static Tensor conv2dBackwardWeight(Tensor gradOut, Tensor input, int[] weightShape, int[] stride,
                                              int[] padding, int[] dilation, int groups) {
        String op = "conv2dBackwardWeight";
        Args.requireRank(op, "input", input, 4, "[N,C,H,W]");
        Args.requireLike(op, input, "gradOut", gradOut);
        Geometry g = convGeometry(op, input.shape(), weightShape, stride, padding, dilation, groups);
        Args.requireShape(op, "gradOut", gradOut, g.n, g.cout, g.oh, g.ow);
        return weightProduct(gradOut, input, g).view(weightShape);
    }

    /** The gradient of conv2d or convTranspose2d w.r.t. the bias: gradOut [N,C,H,W] summed to [C]. */
    public static Tensor convBackwardBias(Tensor gradOut) {
        Args.requireRank("convBackwardBias", "gradOut", gradOut, 4, "[N,C,H,W]");
        return gradOut.sum(0, 2, 3);
    }

    // ================================================================ conv_transpose2d

    /** convTranspose2d with square stride and padding, no output padding, one group, dilation 1. */
    public static Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias, int stride, int padding) {
        return convTranspose2d(input, weight, bias, new int[] {stride}, new int[] {padding}, ZERO, 1, ONE);
    }

    /**
     * PyTorch's {@code F.conv_transpose2d} (same argument order): input [N,Cin,H,W], weight [Cin,Cout/groups,kh,kw],
     * bias [Cout] or null. Output [N,Cout,Hout,Wout] with
     * {@code Hout = (H-1)·strideH - 2·padH + dilH·(kh-1) + outputPadH + 1}; output padding (smaller than the
     * stride or the dilation) only adds rows/columns at the bottom/right to pick one of the sizes that a strided
     * convolution maps to H.
     */
    public static Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding,
                                         int[] outputPadding, int groups, int[] dilation) {
        String op = "convTranspose2d";
        Args.requireRank(op, "input", input, 4, "[N,C,H,W]");
        Args.requireLike(op, input, "weight", weight);
        Args.requireLike(op, input, "bias", bias);
        Geometry g = transposeGeometry(op, input.shape(), weight.shape(), stride, padding, outputPadding, groups, dilation);
        Args.requireShape(op, "bias", bias, g.cout);
        return fold(input, g.weightMatrix(weight), g.win, g.n, g.cout, g.oh, g.ow, bias);
    }

    /** The gradient of convTranspose2d w.r.t. its input (of shape {@code inputShape}). */
    public static Tensor convTranspose2dBackwardInput(Tensor gradOut, Tensor weight, int[] inputShape, int[] stride,
                                                      int[] padding, int[] outputPadding, int groups, int[] dilation) {
        String op = "convTranspose2dBackwardInput";
        Args.requireLike(op, gradOut, "weight", weight);
        Geometry g = transposeGeometry(op, inputShape, weight.shape(), stride, padding, outputPadding, groups, dilation);
        Args.requireShape(op, "gradOut", gradOut, g.n, g.cout, g.oh, g.ow);
        Tensor gi = Args.output(gradOut, g.n, g.cin, g.h, g.w);
        if (gi.numel() > 0) gradOut.device().backend().convUnfoldProduct(gradOut, g.weightMatrix(weight), g.win, null, gi);
        return gi;
    }

    /** The gradient of convTranspose2d w.r.t. its weight (of shape {@code weightShape}). */
    public static Tensor convTranspose2dBackwardWeight(Tensor gradOut, Tensor input, int[] weightShape, int[] stride,
                                                       int[] padding, int[] outputPadding, int groups, int[] dilation) {
        String op = "convTranspose2dBackwardWeight";
        Args.requireRank(op, "input", input, 4, "[N,C,H,W]");
        Args.requireLike(op, input, "gradOut", gradOut);
        Geometry g = transposeGeometry(op, input.shape(), weightShape, stride, padding, outputPadding, groups, dilation);
        Args.requireShape(op, "gradOut", gradOut, g.n, g.cout, g.oh, g.ow);
        // the weight gradient of y = col2im(Aᵀ·x) is x · im2col(gradOut)ᵀ: the convolution engine with roles swapped
        return weightProduct(input, gradOut, g).view(weightShape);
    }

    /**
     * col2im(aᵀ · src) per image, on top of the bias: the output starts as the bias and is added to; without a bias
     * (an input gradient) the backend writes it whole ({@link gradwerk.tensor.Backend#convFoldProductInto}), so
     * that it need not be zero-filled first.
     */
    private static Tensor fold(Tensor src, Tensor a, Window2d win, int n, int c, int h, int w, Tensor bias) {
        if (bias == null && src.numel() > 0) {
            Tensor out = Args.output(src, n, c, h, w);
            if (out.numel() > 0) src.device().backend().convFoldProductInto(src, a, win, out);
            return out;
        }
        Tensor out = Args.empty(src, n, c, h, w);
        if (bias != null) out.copyFrom(bias.view(1, c, 1, 1));
        if (out.numel() > 0 && src.numel() > 0) src.device().backend().convFoldProduct(src, a, win, out);
        return out;
    }

    /** Σ_n dy[n] · im2col(x[n])ᵀ as [groups, rows, cols] of the geometry's weight matrix. */
    private static Tensor weightProduct(Tensor dy, Tensor x, Geometry g) {
        Tensor gw = Args.empty(x, g.groups, g.rows, g.cols);
        if (gw.numel() > 0 && dy.numel() > 0) x.device().backend().convUnfoldWeightProduct(dy, x, g.win, gw);
        return gw;
    }

    // ================================================================ shapes

    /**
     * Sizes of one (transposed) convolution: input [n,cin,h,w], output [n,cout,oh,ow], and the weight as the
     * matrix [groups, rows, cols] that the engines multiply with.
     */
    private record Geometry(int n, int cin, int h, int w, int cout, int oh, int ow, int groups, Window2d win,
                            int rows, int cols) {
        Tensor weightMatrix(Tensor weight) {
            return weight.reshape(groups, rows, cols);
        }
    }

    private static Geometry convGeometry(String op, int[] in, int[] wt, int[] stride, int[] padding, int[] dilation,
                                         int groups) {
        if (in.length != 4) throw new IllegalArgumentException(op + ": input " + Shape.str(in) + " must be 4-d [N,C,H,W]");
        if (wt.length != 4)
            throw new IllegalArgumentException(op + ": weight " + Shape.str(wt) + " must be 4-d [Cout,Cin/groups,kh,kw]");
        Window2d win = window(op, wt, stride, padding, dilation);
        if (groups < 1) throw new IllegalArgumentException(op + ": groups " + groups + " must be >= 1");
        if (in[1] != wt[1] * groups)
            throw new IllegalArgumentException(op + ": input " + Shape.str(in) + " has " + in[1] + " channels, weight "
                    + Shape.str(wt) + " expects " + wt[1] * groups + " (groups=" + groups + ")");
        if (wt[0] % groups != 0)
            throw new IllegalArgumentException(op + ": weight " + Shape.str(wt) + " has " + wt[0]
                    + " output channels, not divisible by groups=" + groups);
        int oh = win.outH(in[2], false), ow = win.outW(in[3], false);
        if (oh < 1 || ow < 1)
            throw new IllegalArgumentException(op + ": input " + Shape.str(in) + " padded by " + win.ph() + "x" + win.pw()
                    + " is smaller than the kernel " + Shape.str(wt) + " with dilation " + win.dh() + "x" + win.dw());
        return new Geometry(in[0], in[1], in[2], in[3], wt[0], oh, ow, groups, win, wt[0] / groups,
                wt[1] * wt[2] * wt[3]);
    }

    private static Geometry transposeGeometry(String op, int[] in, int[] wt, int[] stride, int[] padding,
                                              int[] outputPadding, int groups, int[] dilation) {
        if (in.length != 4) throw new IllegalArgumentException(op + ": input " + Shape.str(in) + " must be 4-d [N,C,H,W]");
        if (wt.length != 4)
            throw new IllegalArgumentException(op + ": weight " + Shape.str(wt) + " must be 4-d [Cin,Cout/groups,kh,kw]");
        Window2d win = window(op, wt, stride, padding, dilation);
        int[] op2 = Args.pair(op, "output padding", outputPadding);
        Args.requireNonNegative(op, "output padding", op2);
        if (!(op2[0] < win.sh() || op2[0] < win.dh()) || !(op2[1] < win.sw() || op2[1] < win.dw()))
            throw new IllegalArgumentException(op + ": output padding " + Shape.str(op2)
                    + " must be smaller than either the stride or the dilation (" + win + ")");
        if (groups < 1) throw new IllegalArgumentException(op + ": groups " + groups + " must be >= 1");
        if (in[1] != wt[0])
            throw new IllegalArgumentException(op + ": input " + Shape.str(in) + " has " + in[1] + " channels, weight "
                    + Shape.str(wt) + " expects " + wt[0] + " (groups=" + groups + ")");
        if (wt[0] % groups != 0)
            throw new IllegalArgumentException(op + ": weight " + Shape.str(wt) + " has " + wt[0]
                    + " input channels, not divisible by groups=" + groups);
        int oh = (in[2] - 1) * win.sh() - 2 * win.ph() + win.dh() * (win.kh() - 1) + op2[0] + 1;
        int ow = (in[3] - 1) * win.sw() - 2 * win.pw() + win.dw() * (win.kw() - 1) + op2[1] + 1;
        if (oh < 1 || ow < 1)
            throw new IllegalArgumentException(op + ": input " + Shape.str(in) + " with weight " + Shape.str(wt) + " and "
                    + win + " gives an empty output " + oh + "x" + ow);
        return new Geometry(in[0], in[1], in[2], in[3], wt[1] * groups, oh, ow, groups, win, wt[0] / groups,
                wt[1] * wt[2] * wt[3]);
    }

    private static Window2d window(String op, int[] wt, int[] stride, int[] padding, int[] dilation) {
        int[] s = Args.pair(op, "stride", stride), p = Args.pair(op, "padding", padding), d = Args.pair(op, "dilation", dilation);
        Args.requirePositive(op, "stride", s);
        Args.requirePositive(op, "dilation", d);
        Args.requireNonNegative(op, "padding", p);
        if (wt[2] < 1 || wt[3] < 1) throw new IllegalArgumentException(op + ": weight " + Shape.str(wt) + " has an empty kernel");
        return new Window2d(wt[2], wt[3], s[0], s[1], p[0], p[1], d[0], d[1]);
    }
}

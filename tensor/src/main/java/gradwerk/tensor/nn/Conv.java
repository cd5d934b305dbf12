package gradwerk.tensor.nn;

import gradwerk.tensor.Backend;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Storage;
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
 * its input gradient a convolution's forward pass, so all four ops share three engines below ({@link #unfoldProduct},
 * {@link #foldProduct}, {@link #unfoldWeightProduct}).
 *
 * <p><b>Memory.</b> The columns of a 16-channel 256×256 image with a 3×3 kernel take 144·65536 numbers (38 MB of
 * float32), so each image is processed in bands of output rows whose columns fit a fixed budget (a few hundred KB,
 * cache-sized), and the buffer is reused for every band and image. A 1×1 convolution with stride 1 and no
 * padding needs no columns at all: the image itself, viewed [C, H·W], is the column matrix.
 *
 * <p>Devices supply {@link Backend#im2col}, {@link Backend#col2im} and {@link Backend#matmul}; everything else here
 * is shape bookkeeping, the same on every device.
 */
public final class Conv {
    /**
     * Most elements in one column buffer (system property {@code gradwerk.conv.columnBudget}); an image whose
     * columns are larger is processed in bands of output rows. Not final so that tests can force banding.
     */
    static int columnBudget = Integer.getInteger("gradwerk.conv.columnBudget", 1 << 18);

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
        return unfoldProduct(input, g.weightMatrix(weight), g.win, g.oh, g.ow, bias);
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
        return foldProduct(gradOut, g.weightMatrix(weight), g.win, g.cin, g.h, g.w, null);
    }

    /** The gradient of conv2d w.r.t. its weight (of shape {@code weightShape}). */
    public static Tensor conv2dBackwardWeight(Tensor gradOut, Tensor input, int[] weightShape, int[] stride,
                                              int[] padding, int[] dilation, int groups) {
        String op = "conv2dBackwardWeight";
        Args.requireRank(op, "input", input, 4, "[N,C,H,W]");
        Args.requireLike(op, input, "gradOut", gradOut);
        Geometry g = convGeometry(op, input.shape(), weightShape, stride, padding, dilation, groups);
        Args.requireShape(op, "gradOut", gradOut, g.n, g.cout, g.oh, g.ow);
        return unfoldWeightProduct(gradOut, input, g.win, groups).view(weightShape);
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
        return foldProduct(input, g.weightMatrix(weight), g.win, g.cout, g.oh, g.ow, bias);
    }

    /** The gradient of convTranspose2d w.r.t. its input (of shape {@code inputShape}). */
    public static Tensor convTranspose2dBackwardInput(Tensor gradOut, Tensor weight, int[] inputShape, int[] stride,
                                                      int[] padding, int[] outputPadding, int groups, int[] dilation) {
        String op = "convTranspose2dBackwardInput";
        Args.requireLike(op, gradOut, "weight", weight);
        Geometry g = transposeGeometry(op, inputShape, weight.shape(), stride, padding, outputPadding, groups, dilation);
        Args.requireShape(op, "gradOut", gradOut, g.n, g.cout, g.oh, g.ow);
        return unfoldProduct(gradOut, g.weightMatrix(weight), g.win, g.h, g.w, null);
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
        return unfoldWeightProduct(input, gradOut, g.win, groups).view(weightShape);
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

    // ================================================================ the three engines

    /**
     * {@code out[n] = a · im2col(src[n])}, plus the bias: src [N,C,H,W], a [G,M,K] with K = C/G·kh·kw, result
     * [N, G·M, outH, outW]. The convolution's forward pass and the transposed convolution's input gradient.
     */
    private static Tensor unfoldProduct(Tensor src, Tensor a, Window2d win, int outH, int outW, Tensor bias) {
        Backend be = src.device().backend();
        src = src.contiguous();
        int n = src.size(0), g = a.size(0), m = a.size(1), k = a.size(2);
        Tensor out = Args.empty(src, n, g * m, outH, outW);
        Columns cols = new Columns(src, win, outH, outW);
        // when an image takes several bands, each band's product lands in a contiguous scratch matrix first
        Tensor scratch = cols.bandRows < outH ? Args.empty(src, g * m * cols.bandRows * outW) : null;
        for (int i = 0; i < n; i++) {
            Tensor img = src.select(0, i), dst = out.select(0, i);
            for (int r0 = 0; r0 < outH; r0 += cols.bandRows) {
                int rows = Math.min(cols.bandRows, outH - r0);
                Tensor c = cols.unfold(img, r0, rows).view(g, k, rows * outW);
                Tensor target = rows == outH ? dst.view(g, m, outH * outW)
                        : scratch.narrow(0, 0, g * m * rows * outW).view(g, m, rows * outW);
                if (bias != null) be.copy(bias.view(g, m, 1).expand(g, m, rows * outW), target);
                be.matmul(a, c, target, bias != null);
                if (rows < outH) be.copy(target.view(g * m, rows, outW), dst.narrow(1, r0, rows));
            }
        }
        return out;
    }

    /**
     * {@code out[n] = col2im(aᵀ · src[n])}, plus the bias: src [N, G·M, Hs, Ws] (indexed like a convolution's
     * output), a [G,M,K], result [N, outC, outH, outW] with outC·kh·kw = G·K. The convolution's input gradient and
     * the transposed convolution's forward pass.
     */
    private static Tensor foldProduct(Tensor src, Tensor a, Window2d win, int outC, int outH, int outW, Tensor bias) {
        Backend be = src.device().backend();
        src = src.contiguous();
        int n = src.size(0), hs = src.size(2), ws = src.size(3), g = a.size(0), m = a.size(1), k = a.size(2);
        Tensor out = Args.empty(src, n, outC, outH, outW);
        if (bias != null) be.copy(bias.view(1, outC, 1, 1).expand(n, outC, outH, outW), out);
        Tensor at = a.transpose(1, 2);
        Columns cols = new Columns(out, win, hs, ws);
        for (int i = 0; i < n; i++) {
            Tensor dy = src.select(0, i), img = out.select(0, i);
            if (cols.pointwise) { // the columns ARE the image: multiply straight into it
                be.matmul(at, dy.view(g, m, hs * ws), img.view(g, k, hs * ws), bias != null);
                continue;
            }
            for (int r0 = 0; r0 < hs; r0 += cols.bandRows) {
                int rows = Math.min(cols.bandRows, hs - r0);
                Band b = band(win, r0, rows, outH);
                if (b.inRows == 0) continue; // the band's windows lie entirely in the padding
                Tensor c = cols.buffer(rows);
                be.matmul(at, dy.narrow(1, r0, rows).view(g, m, rows * ws), c.view(g, k, rows * ws), false);
                be.col2im(c, b.win, img.narrow(1, b.in0, b.inRows));
            }
        }
        return out;
    }

    /**
     * {@code Σ_n dy[n] · im2col(x[n])ᵀ}: dy [N, G·M, Hy, Wy] (indexed like a convolution's output), x [N,C,H,W],
     * result [G, M, C/G·kh·kw]. The convolution's weight gradient (and, with the roles of the two swapped, the
     * transposed convolution's).
     */
    private static Tensor unfoldWeightProduct(Tensor dy, Tensor x, Window2d win, int g) {
        Backend be = x.device().backend();
        dy = dy.contiguous();
        x = x.contiguous();
        int n = x.size(0), c = x.size(1), hy = dy.size(2), wy = dy.size(3), m = dy.size(1) / g, k = c / g * win.kh() * win.kw();
        Tensor gw = Args.empty(x, g, m, k);
        Columns cols = new Columns(x, win, hy, wy);
        for (int i = 0; i < n; i++) {
            Tensor img = x.select(0, i), d = dy.select(0, i);
            for (int r0 = 0; r0 < hy; r0 += cols.bandRows) {
                int rows = Math.min(cols.bandRows, hy - r0);
                if (!cols.pointwise && band(win, r0, rows, img.size(1)).inRows == 0) continue; // all padding: adds 0
                Tensor col = cols.unfold(img, r0, rows).view(g, k, rows * wy);
                be.matmul(d.narrow(1, r0, rows).view(g, m, rows * wy), col.transpose(1, 2), gw, true);
            }
        }
        return gw;
    }

    // ================================================================ column buffers and bands

    /**
     * The column matrix of one image for a band of output rows: either the image itself (pointwise 1×1
     * convolutions) or im2col into one reusable buffer sized by {@link #columnBudget}.
     */
    private static final class Columns {
        final Window2d win;
        final boolean pointwise;
        final int colRows, outH, outW, bandRows;
        final Storage storage;
        final Backend be;

        /** like: any tensor of the images' dtype/device, with the images' channel count in dim 1. */
        Columns(Tensor like, Window2d win, int outH, int outW) {
            this.win = win;
            this.outH = outH;
            this.outW = outW;
            this.be = like.device().backend();
            int h = like.size(2), w = like.size(3);
            pointwise = win.kh() == 1 && win.kw() == 1 && win.sh() == 1 && win.sw() == 1 && win.ph() == 0
                    && win.pw() == 0 && outH == h && outW == w;
            colRows = like.size(1) * win.kh() * win.kw();
            long perRow = Math.max(1L, (long) colRows * outW);
            bandRows = pointwise ? outH : (int) Math.max(1, Math.min(outH, columnBudget / perRow));
            storage = pointwise ? null : be.allocate(like.dtype(), Math.max(1, colRows * bandRows * outW));
        }

        /** A [colRows, rows, outW] view of the buffer. */
        Tensor buffer(int rows) {
            return new Tensor(storage, colRows, rows, outW);
        }

        /** The columns of output rows [r0, r0+rows) of image img [C,H,W]: [colRows, rows, outW]. */
        Tensor unfold(Tensor img, int r0, int rows) {
            if (pointwise) return img.narrow(1, r0, rows).reshape(colRows, rows, outW);
            Tensor c = buffer(rows);
            Band b = band(win, r0, rows, img.size(1));
            if (b.inRows == 0) be.fill(c, 0);
            else be.im2col(img.narrow(1, b.in0, b.inRows), b.win, c);
            return c;
        }
    }

    /**
     * The input rows [in0, in0+inRows) that output rows [r0, r0+rows) read, and the window re-based on that slice:
     * its top padding becomes whatever part of the padding the band still sees, so im2col/col2im on the slice
     * give exactly the band's columns.
     */
    private record Band(int in0, int inRows, Window2d win) {}

    private static Band band(Window2d w, int r0, int rows, int inH) {
        int first = r0 * w.sh() - w.ph(); // input row under the first window's top tap (may be in the padding)
        int last = (r0 + rows - 1) * w.sh() - w.ph() + (w.kh() - 1) * w.dh();
        int in0 = Math.max(first, 0), in1 = Math.min(last + 1, inH);
        if (in1 <= in0) return new Band(0, 0, w);
        return new Band(in0, in1 - in0, new Window2d(w.kh(), w.kw(), w.sh(), w.sw(), in0 - first, w.pw(), w.dh(), w.dw()));
    }
}

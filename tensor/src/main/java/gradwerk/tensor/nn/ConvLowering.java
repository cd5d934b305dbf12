package gradwerk.tensor.nn;

import gradwerk.tensor.Backend;
import gradwerk.tensor.BinaryOp;
import gradwerk.tensor.Storage;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.TensorScope;

/**
 * The three matrix-product engines that {@link Conv} lowers convolutions onto, built from the device primitives
 * {@link Backend#im2col}, {@link Backend#col2im} and {@link Backend#matmul} only. They are the default
 * implementations of {@link Backend#convUnfoldProduct}, {@link Backend#convFoldProduct} and
 * {@link Backend#convUnfoldWeightProduct}, so a new device gets convolutions from im2col/col2im alone.
 *
 * <p><b>Bands.</b> The columns of a whole image can be huge (a 16-channel 256×256 image with a 3×3 kernel: 144 ×
 * 65536 numbers, 38 MB of float32), so each image is processed in bands of output rows whose columns fit
 * {@link #columnBudget}. Every band runs im2col (or col2im) on just the input rows its windows touch, with the
 * window's top padding re-based on that slice ({@link #band}).
 *
 * <p><b>Tasks.</b> The work is a list of tasks — (image, band) pairs, or whole images where bands of one image would
 * collide — and a {@link Tasks} runner decides how to execute them: one after another ({@link #SEQUENTIAL}), or
 * in contiguous chunks on several threads (the CPU backend), each chunk with its own buffers. Tasks write
 * disjoint outputs; the weight gradient, which every task adds to, is accumulated per chunk and summed at the end.
 * Inside a chunk the primitives run on the chunk's thread, so the cores work on different bands instead of
 * splitting every small GEMM between them.
 */
public final class ConvLowering {
    private ConvLowering() {}

    /**
     * Most elements in one column buffer (system property {@code gradwerk.conv.columnBudget}); an image whose
     * columns are larger is processed in bands of output rows. 2^20 (4 MB of float32 per thread) keeps whole
     * images for deep layers (256 channels at 16×16: one GEMM with N = 256) and bands of ~28 rows for the wide ones
     * (16 channels at 256×256); in ConvBench 2^17 and 2^16 were clearly slower, 2^19 to 2^22 within noise of each
     * other, and no banding at all (38 MB buffers) was slower again. Not final so that tests can force banding.
     */
    static int columnBudget = Integer.getInteger("gradwerk.conv.columnBudget", 1 << 20);

    /** Runs tasks [0, count) as contiguous chunks {@code body.run(from, to)}, in any order, possibly concurrently. */
    @FunctionalInterface
    public interface Tasks {
        void run(int count, Chunk body);
    }

    /** A contiguous range of tasks. */
    @FunctionalInterface
    public interface Chunk {
        void run(int from, int to);
    }

    /** Every task on the calling thread, in order: one chunk. */
    public static final Tasks SEQUENTIAL = (count, body) -> {
        if (count > 0) body.run(0, count);
    };

    // ================================================================ the three engines

    /**
     * {@code out[n] = a · im2col(src[n]) + bias}: src [N,C,H,W], a [G,M,K] with K = C/G·kh·kw, bias [G·M] or null,
     * out [N, G·M, outH, outW] (contiguous; every element written). The convolution's forward pass and the
     * transposed convolution's input gradient. Tasks: (image, band).
     */
    public static void unfoldProduct(Backend be, Tensor src, Tensor a, Window2d win, Tensor bias, Tensor out, Tasks tasks) {
        Tensor x = src.contiguous();
        int n = x.size(0), g = a.size(0), m = a.size(1), k = a.size(2), outH = out.size(2), outW = out.size(3);
        int bandRows = bandRows(x, win, outH, outW), bands = Math.ceilDiv(outH, bandRows);
        tasks.run(n * bands, scratchScope("conv2d forward", (t0, t1) -> {
            Columns cols = new Columns(be, x, win, outH, outW, bandRows);
            // a band's rows of every channel are not one contiguous block of the output: its product goes to a
            // scratch matrix and then into place, adding the bias on the way (one pass either way)
            Tensor scratch = bands > 1 ? new Tensor(be.allocate(x.dtype(), g * m * bandRows * outW), g * m * bandRows * outW) : null;
            for (int t = t0; t < t1; t++) {
                int i = t / bands, r0 = t % bands * bandRows, rows = Math.min(bandRows, outH - r0);
                Tensor img = x.select(0, i), dst = out.select(0, i);
                Tensor c = cols.unfold(img, r0, rows).view(g, k, rows * outW);
                if (bands == 1) { // the whole image: multiply straight into the output, on top of the bias
                    Tensor target = dst.view(g, m, outH * outW);
                    if (bias != null) be.copy(bias.view(g, m, 1).expand(g, m, outH * outW), target);
                    be.matmul(a, c, target, bias != null);
                    continue;
                }
                Tensor target = scratch.narrow(0, 0, g * m * rows * outW).view(g, m, rows * outW);
                be.matmul(a, c, target, false);
                Tensor product = target.view(g * m, rows, outW), place = dst.narrow(1, r0, rows);
                if (bias != null) be.zip(BinaryOp.ADD, product, bias.view(g * m, 1, 1).expand(g * m, rows, outW), place);
                else be.copy(product, place);
            }
        }));
    }

    /**
     * {@code out[n] += col2im(aᵀ · src[n])}: src [N, G·M, Hs, Ws] (indexed like a convolution's output), a [G,M,K],
     * out [N, C, outH, outW] with C·kh·kw = G·K (contiguous, already holding the bias or zeros). The convolution's
     * input gradient and the transposed convolution's forward pass. Tasks: images (the bands of one image add
     * into overlapping rows).
     */
    public static void foldProduct(Backend be, Tensor src, Tensor a, Window2d win, Tensor out, Tasks tasks) {
        Tensor dy = src.contiguous();
        int n = dy.size(0), hs = dy.size(2), ws = dy.size(3), g = a.size(0), m = a.size(1), k = a.size(2);
        int outH = out.size(2);
        Tensor at = a.transpose(1, 2);
        int bandRows = bandRows(out, win, hs, ws);
        tasks.run(n, scratchScope("conv2d input gradient", (i0, i1) -> {
            Columns cols = new Columns(be, out, win, hs, ws, bandRows);
            for (int i = i0; i < i1; i++) {
                Tensor d = dy.select(0, i), img = out.select(0, i);
                if (cols.pointwise) { // the columns ARE the image: multiply straight into it
                    be.matmul(at, d.view(g, m, hs * ws), img.view(g, k, hs * ws), true);
                    continue;
                }
                for (int r0 = 0; r0 < hs; r0 += bandRows) {
                    int rows = Math.min(bandRows, hs - r0);
                    Band b = band(win, r0, rows, outH);
                    if (b.inRows == 0) continue; // the band's windows lie entirely in the padding
                    Tensor c = cols.buffer(rows);
                    be.matmul(at, d.narrow(1, r0, rows).view(g, m, rows * ws), c.view(g, k, rows * ws), false);
                    be.col2im(c, b.win, img.narrow(1, b.in0, b.inRows));
                }
            }
        }));
    }

    /**
     * {@code gw += Σ_n dy[n] · im2col(x[n])ᵀ}: dy [N, G·M, Hy, Wy] (indexed like a convolution's output),
     * x [N,C,H,W], gw [G, M, C/G·kh·kw] (contiguous). The convolution's weight gradient (and, with the roles of dy
     * and x swapped, the transposed convolution's). Tasks: (image, band), each chunk summing into its own copy.
     */
    public static void unfoldWeightProduct(Backend be, Tensor dy, Tensor x, Window2d win, Tensor gw, Tasks tasks) {
        Tensor d = dy.contiguous(), xs = x.contiguous();
        int n = xs.size(0), hy = d.size(2), wy = d.size(3), g = gw.size(0), m = gw.size(1), k = gw.size(2);
        int bandRows = bandRows(xs, win, hy, wy), bands = Math.ceilDiv(hy, bandRows);
        int count = n * bands;
        // Both operands have the long pixel axis as their inner dim, so one of them is read transposed. With few
        // output channels (m) and many columns (k) it is faster to compute gwᵀ = columns · dyᵀ (then the GEMM's
        // wide operand is read along its rows), measured 2x for 16 channels with a 3x3 kernel.
        boolean transposed = k >= m;
        tasks.run(count, scratchScope("conv2d weight gradient", (t0, t1) -> {
            Columns cols = new Columns(be, xs, win, hy, wy, bandRows);
            boolean direct = t0 == 0 && t1 == count && !transposed; // one chunk can add straight into gw
            Tensor acc = direct ? gw : transposed ? new Tensor(be.allocate(gw.dtype(), g * k * m), g, k, m)
                    : new Tensor(be.allocate(gw.dtype(), g * m * k), g, m, k);
            for (int t = t0; t < t1; t++) {
                int i = t / bands, r0 = t % bands * bandRows, rows = Math.min(bandRows, hy - r0);
                Tensor img = xs.select(0, i);
                if (!cols.pointwise && band(win, r0, rows, img.size(1)).inRows == 0) continue; // all padding: adds 0
                Tensor c = cols.unfold(img, r0, rows).view(g, k, rows * wy);
                Tensor dyBand = d.select(0, i).narrow(1, r0, rows).view(g, m, rows * wy);
                if (transposed) be.matmul(c, dyBand.transpose(1, 2), acc, true);
                else be.matmul(dyBand, c.transpose(1, 2), acc, true);
            }
            if (!direct) synchronized (gw) { // a few KB per chunk: adding the partial sums under a lock is cheap
                be.zip(BinaryOp.ADD, gw, transposed ? acc.transpose(1, 2) : acc, gw);
            }
        }));
    }

    /**
     * {@code body} with every storage it allocates (column buffers, scratch products, partial weight gradients)
     * released when the chunk ends: chunks run on the backend's worker threads, where no step scope is open, so
     * without this their buffers would be left to the garbage collector on every call instead of serving the next
     * one from the array pool. Chunks write only into tensors allocated before them.
     */
    private static Chunk scratchScope(String op, Chunk body) {
        return (from, to) -> {
            try (TensorScope ignored = TensorScope.openTemporary(op + " chunk")) {
                body.run(from, to);
            }
        };
    }

    // ================================================================ column buffers and bands

    /** Output rows per band so that one band's columns stay within {@link #columnBudget}. */
    static int bandRows(Tensor images, Window2d win, int outH, int outW) {
        if (pointwise(images, win, outH, outW)) return outH;
        long perRow = Math.max(1L, (long) images.size(1) * win.kh() * win.kw() * outW);
        return (int) Math.max(1, Math.min(outH, columnBudget / perRow));
    }

    /** A 1×1 window with stride 1 and no padding: im2col is the identity, the image is its own column matrix. */
    static boolean pointwise(Tensor images, Window2d win, int outH, int outW) {
        return win.kh() == 1 && win.kw() == 1 && win.sh() == 1 && win.sw() == 1 && win.ph() == 0 && win.pw() == 0
                && outH == images.size(2) && outW == images.size(3);
    }

    /** One reusable column buffer for bands of output rows, or none for pointwise windows. */
    private static final class Columns {
        final Backend be;
        final Window2d win;
        final boolean pointwise;
        final int colRows, outW;
        final Storage storage;

        /** images: [N,C,H,W] (only C, H, W and the dtype matter). */
        Columns(Backend be, Tensor images, Window2d win, int outH, int outW, int bandRows) {
            this.be = be;
            this.win = win;
            this.outW = outW;
            pointwise = pointwise(images, win, outH, outW);
            colRows = images.size(1) * win.kh() * win.kw();
            storage = pointwise ? null : be.allocate(images.dtype(), Math.max(1, colRows * bandRows * outW));
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
     * give exactly the band's columns. inRows = 0 when every window of the band lies in the padding.
     */
    record Band(int in0, int inRows, Window2d win) {}

    static Band band(Window2d w, int r0, int rows, int inH) {
        int first = r0 * w.sh() - w.ph(); // input row under the first window's top tap (may be in the padding)
        int last = (r0 + rows - 1) * w.sh() - w.ph() + (w.kh() - 1) * w.dh();
        int in0 = Math.max(first, 0), in1 = Math.min(last + 1, inH);
        if (in1 <= in0) return new Band(0, 0, w);
        return new Band(in0, in1 - in0, new Window2d(w.kh(), w.kw(), w.sh(), w.sw(), in0 - first, w.pw(), w.dh(), w.dw()));
    }
}

package gradwerk.tensor.opencl;

import gradwerk.tensor.BinaryOp;
import gradwerk.tensor.ReduceOp;
import gradwerk.tensor.UnaryOp;
import java.util.Arrays;
import java.util.Locale;

/**
 * The operations gradwerk runs on an OpenCL device, on {@link ClView}s of device buffers; get it with
 * {@link OpenClContext#kernels()}. All calls only enqueue work and return at once; results are read with
 * {@link ClView#toDoubleArray()} or {@link ClBuffer#read}.
 *
 * <p>Conventions: the output view is given by the caller (it may be strided, e.g. a slice of a bigger tensor);
 * inputs are broadcast to the output's shape; all views of one call have the same {@link ClType} (except
 * {@link #cast}); an output must not partially overlap an input (identical, for in-place updates, is fine).
 *
 * <p>This class holds the elementwise family; reductions and softmax live in {@link ClReductions}, the matrix
 * product in {@link ClGemm}, the neural-network kernels in {@link ClNn}.
 */
public final class ClKernels {
    private final OpenClContext ctx;
    private final ClReductions reductions;
    private final ClGemm gemm;
    private final ClNn nn;

    ClKernels(OpenClContext ctx) {
        this.ctx = ctx;
        this.reductions = new ClReductions(ctx);
        this.gemm = new ClGemm(ctx);
        this.nn = new ClNn(ctx);
    }

    // ---- elementwise ---------------------------------------------------------------------------------------------

    /** out = op(in) for ops without parameters. */
    public void unary(UnaryOp op, ClView in, ClView out) {
        unary(op, in, out, 0, 0);
    }

    /** out = op(in; p, q), e.g. POW (x^p) or CLAMP (to [p, q]); see {@link UnaryOp}. */
    public void unary(UnaryOp op, ClView in, ClView out, double p, double q) {
        map(op.name().toLowerCase(Locale.ROOT), in, out, p, q);
    }

    /** Runs the kernels {@code unary_<name>_contig/_strided} of elementwise.cl. */
    private void map(String name, ClView in, ClView out, double p, double q) {
        sameType(out, in);
        ClView x = in.broadcastTo(out.shape());
        int n = out.numel();
        if (n == 0) return;
        ClType t = out.type();
        Layout.Packed L = Layout.pack(out.shape(), x.strides(), out.strides());
        String base = "unary_" + name;
        if (L.contiguous())
            kernel(t, base + "_contig").launch1d(n, x.buffer(), x.offset(), out.buffer(), out.offset(), n,
                    t.scalar(p), t.scalar(q));
        else
            kernel(t, base + "_strided").launch1d(n, x.buffer(), x.offset(), L.strides(0), out.buffer(),
                    out.offset(), L.strides(1), L.shape8(), L.rank(), n, t.scalar(p), t.scalar(q));
    }

    /** out = a op b, with a and b broadcast to out's shape. */
    public void binary(BinaryOp op, ClView a, ClView b, ClView out) {
        sameType(out, a, b);
        ClView x = a.broadcastTo(out.shape()), y = b.broadcastTo(out.shape());
        int n = out.numel();
        if (n == 0) return;
        ClType t = out.type();
        Layout.Packed L = Layout.pack(out.shape(), x.strides(), y.strides(), out.strides());
        String base = "binary_" + op.opName();
        if (L.contiguous())
            kernel(t, base + "_contig").launch1d(n, x.buffer(), x.offset(), y.buffer(), y.offset(), out.buffer(),
                    out.offset(), n);
        else
            kernel(t, base + "_strided").launch1d(n, x.buffer(), x.offset(), L.strides(0), y.buffer(), y.offset(),
                    L.strides(1), out.buffer(), out.offset(), L.strides(2), L.shape8(), L.rank(), n);
    }

    /** out = cond != 0 ? a : b, all broadcast to out's shape. */
    public void where(ClView cond, ClView a, ClView b, ClView out) {
        sameType(out, cond, a, b);
        int[] s = out.shape();
        ClView c = cond.broadcastTo(s), x = a.broadcastTo(s), y = b.broadcastTo(s);
        int n = out.numel();
        if (n == 0) return;
        ClType t = out.type();
        Layout.Packed L = Layout.pack(s, c.strides(), x.strides(), y.strides(), out.strides());
        if (L.contiguous())
            kernel(t, "where_contig").launch1d(n, c.buffer(), c.offset(), x.buffer(), x.offset(), y.buffer(),
                    y.offset(), out.buffer(), out.offset(), n);
        else
            kernel(t, "where_strided").launch1d(n, c.buffer(), c.offset(), L.strides(0), x.buffer(), x.offset(),
                    L.strides(1), y.buffer(), y.offset(), L.strides(2), out.buffer(), out.offset(), L.strides(3),
                    L.shape8(), L.rank(), n);
    }

    /** Sets every element of out to {@code value}. */
    public void fill(ClView out, double value) {
        int n = out.numel();
        if (n == 0) return;
        ClType t = out.type();
        Layout.Packed L = Layout.pack(out.shape(), out.strides());
        if (L.contiguous())
            kernel(t, "fill_contig").launch1d(n, out.buffer(), out.offset(), n, t.scalar(value));
        else
            kernel(t, "fill_strided").launch1d(n, out.buffer(), out.offset(), L.strides(0), L.shape8(), L.rank(), n,
                    t.scalar(value));
    }

    /** out = in, element by element in any layouts; converts between float and double when the types differ. */
    public void copy(ClView in, ClView out) {
        if (in.type() == out.type()) map("copy", in, out, 0, 0);
        else cast(in, out);
    }

    /** out = (out's type) in. Needs a device with fp64 (there is nothing to cast to without it). */
    public void cast(ClView in, ClView out) {
        if (in.type() == out.type()) {
            map("copy", in, out, 0, 0);
            return;
        }
        ClView x = in.broadcastTo(out.shape());
        int n = out.numel();
        if (n == 0) return;
        ctx.requireFp64();
        String options = ctx.baseBuildOptions();
        String base = "cast_" + in.type().cName() + "_to_" + out.type().cName();
        Layout.Packed L = Layout.pack(out.shape(), x.strides(), out.strides());
        if (L.contiguous())
            ctx.kernel("cast.cl", options, base + "_contig").launch1d(n, x.buffer(), x.offset(), out.buffer(),
                    out.offset(), n);
        else
            ctx.kernel("cast.cl", options, base + "_strided").launch1d(n, x.buffer(), x.offset(), L.strides(0),
                    out.buffer(), out.offset(), L.strides(1), L.shape8(), L.rank(), n);
    }

    /** A new buffer holding {@code in}'s elements in row-major order (the caller closes it). */
    public ClBuffer contiguousCopy(ClView in) {
        ClView out = ClView.allocate(ctx, in.type(), in.shape());
        copy(in, out);
        return out.buffer();
    }

    /** {@code in} itself when it is contiguous, else a contiguous copy (in a new buffer the caller must close). */
    public ClView contiguous(ClView in) {
        return in.isContiguous() ? in : ClView.contiguous(contiguousCopy(in), in.type(), in.shape());
    }

    // ---- reductions, softmax, matrix product ---------------------------------------------------------------------

    /**
     * Reduces {@code in} along {@code dim} into {@code out}, whose shape is in's without {@code dim} or with it as
     * size 1. Arg-reductions write indices as values of out's type.
     */
    public void reduce(ReduceOp op, ClView in, int dim, ClView out) {
        sameType(out, in);
        reductions.reduce(op, in, dim, out);
    }

    /** Softmax (or log-softmax) of {@code in} along its last dimension, into {@code out} of the same shape. */
    public void softmax(ClView in, ClView out, boolean log) {
        sameType(out, in);
        reductions.softmax(in, out, log);
    }

    /**
     * out = a·b: [M,K]·[K,N] → [M,N], or batched with a leading batch dimension on any of them ([B,M,K]·[K,N],
     * [M,K]·[B,K,N], [B,M,K]·[B,K,N] → [B,M,N]; a rank-2 operand is shared by the whole batch).
     */
    public void matmul(ClView a, ClView b, ClView out) {
        gemm(a, b, out, 1, 0);
    }

    /** out = alpha * a·b + beta * out (beta = 0 never reads out), shapes as in {@link #matmul}. */
    public void gemm(ClView a, ClView b, ClView out, double alpha, double beta) {
        sameType(out, a, b);
        gemm.run(a, b, out, alpha, beta);
    }

    // ---- plumbing ------------------------------------------------------------------------------------------------

    ClReductions reductions() {
        return reductions;
    }

    ClGemm gemmKernel() {
        return gemm;
    }

    /** The neural-network kernels (convolution lowering, pooling, sampling, normalisation). */
    ClNn nn() {
        return nn;
    }

    ClKernel kernel(ClType t, String name) {
        return ctx.kernel("elementwise.cl", t, name);
    }

    static void sameType(ClView out, ClView... ins) {
        for (ClView v : ins)
            if (v.type() != out.type())
                throw new IllegalArgumentException("operand is " + v.type() + " but the output is " + out.type()
                        + "; cast first (ClKernels.cast)");
        for (ClView v : ins)
            if (v.buffer().context() != out.buffer().context())
                throw new IllegalArgumentException("operands live in different OpenCL contexts");
    }

    static String shape(int[] s) {
        return Arrays.toString(s);
    }
}

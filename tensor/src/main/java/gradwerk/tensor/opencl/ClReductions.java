package gradwerk.tensor.opencl;

import java.util.Arrays;
import java.util.function.BiConsumer;
import gradwerk.tensor.ReduceOp;

/**
 * Reductions along one dimension, and softmax, on the device (kernels in reduce.cl and softmax.cl).
 *
 * <p>Any single-dimension reduction of an n-d view is one of two problems once the dimensions before and after
 * the reduced one are merged (see {@link Layout}): {@code [rows, cols]} reduced along cols ("rows") or
 * {@code [outer, n, inner]} reduced along n ("middle"). Views whose leading or trailing dimensions cannot be
 * merged are first copied to a contiguous buffer, which always can be.
 */
final class ClReductions {
    /** Work-items per group for row reductions and softmax (a power of two). */
    private static final int GROUP = 256;

    private final OpenClContext ctx;
    /** Tests set this to force splitting rows into this many parts; 0 lets {@link #parts} choose. */
    int forceParts;

    ClReductions(OpenClContext ctx) {
        this.ctx = ctx;
    }

    // ---- reduce --------------------------------------------------------------------------------------------------

    void reduce(ReduceOp op, ClView in, int dim, ClView out) {
        int rank = in.rank();
        if (dim < 0) dim += rank;
        if (dim < 0 || dim >= rank)
            throw new IllegalArgumentException("reduce: dimension " + dim + " of a rank-" + rank + " view");
        int n = in.shape()[dim];
        int[] dropped = remove(in.shape(), dim);
        int[] kept = in.shape().clone();
        kept[dim] = 1;
        ClView o;
        if (Arrays.equals(out.shape(), dropped)) o = out;
        else if (Arrays.equals(out.shape(), kept))
            o = new ClView(out.buffer(), out.type(), dropped, remove(out.strides(), dim), out.offset());
        else throw new IllegalArgumentException("reduce " + op + " of " + ClKernels.shape(in.shape()) + " along " + dim
                + " needs an output of shape " + ClKernels.shape(dropped) + " or " + ClKernels.shape(kept) + ", not "
                + ClKernels.shape(out.shape()));
        if (o.numel() == 0) return;
        if (n == 0) { // nothing to reduce: the identity of each op, as the scalar reference backend gives
            ctx.kernels().fill(o, switch (op) {
                case SUM -> 0;
                case MEAN -> Double.NaN;
                case MAX -> Double.NEGATIVE_INFINITY;
                case MIN -> Double.POSITIVE_INFINITY;
                case ARGMAX, ARGMIN -> 0;
            });
            return;
        }

        // Merge [0, dim) into one "outer" and (dim, rank) into one "inner" dimension, in input and output alike.
        Layout.Packed outer = Layout.pack(Arrays.copyOfRange(in.shape(), 0, dim),
                Arrays.copyOfRange(in.strides(), 0, dim), Arrays.copyOfRange(o.strides(), 0, dim));
        Layout.Packed inner = Layout.pack(Arrays.copyOfRange(in.shape(), dim + 1, rank),
                Arrays.copyOfRange(in.strides(), dim + 1, rank), Arrays.copyOfRange(o.strides(), dim, rank - 1));
        if (outer.rank() > 1 || inner.rank() > 1) {
            int d = dim;
            viaContiguous(in, o, (x, y) -> reduce(op, x, d, y));
            return;
        }
        int O = last(outer.shape8()), I = last(inner.shape8());
        int inOS = last(outer.strides(0)), outOS = last(outer.strides(1));
        int inIS = last(inner.strides(0)), outIS = last(inner.strides(1));
        int inRS = in.strides()[dim];
        ClType t = in.type();
        double scale = op == ReduceOp.MEAN ? 1.0 / n : 1.0;

        if (I == 1 && !(Math.abs(inRS) != 1 && Math.abs(inOS) == 1 && O > 1)) {
            rows(op, t, in.buffer(), in.offset(), O, inOS, n, inRS, o.buffer(), o.offset(), outOS, scale);
        } else if (I == 1) {
            // Rows whose elements are far apart but whose starts are adjacent (a transposed matrix): as the middle
            // problem [1, n, rows], neighbouring work-items read neighbouring addresses.
            middle(op, t, in, 1, 0, inRS, n, O, inOS, o, 0, outOS, scale);
        } else {
            middle(op, t, in, O, inOS, inRS, n, I, inIS, o, outOS, outIS, scale);
        }
    }

    /** Rows reduction: out[r * outStride] = reduce_c in[r * rowStride + c * colStride]. */
    private void rows(ReduceOp op, ClType t, ClBuffer in, int inOff, int rows, int rowStride, int cols,
                      int colStride, ClBuffer out, int outOff, int outStride, double scale) {
        int parts = parts(rows, cols);
        if (isArg(op)) {
            ClKernel k = ctx.kernel("reduce.cl", t, "argreduce_rows_" + family(op));
            long group = k.groupSize(Math.min(GROUP, nextPow2(ceilDiv(cols, parts))));
            long[] global = {rows * (long) parts * group}, local = {group};
            ClKernel.Local values = new ClKernel.Local(group * t.bytes()), indices = new ClKernel.Local(group * 4);
            if (parts == 1) { // partVal / partIdx are unused: pass any buffer
                k.launch(global, local, in, inOff, rowStride, colStride, cols, 1, out, out, out, outOff, outStride,
                        values, indices);
                return;
            }
            try (ClBuffer vals = ctx.allocate((long) rows * parts * t.bytes());
                 ClBuffer idx = ctx.allocate((long) rows * parts * 4)) {
                k.launch(global, local, in, inOff, rowStride, colStride, cols, parts, vals, idx, out, outOff,
                        outStride, values, indices);
                ctx.kernel("reduce.cl", t, "argreduce_partials_" + family(op))
                        .launch1d(rows, vals, idx, parts, rows, out, outOff, outStride);
            } // closing only recycles the buffers: later commands on the in-order queue run after these
            return;
        }
        ClKernel k = ctx.kernel("reduce.cl", t, "reduce_rows_" + family(op));
        long group = k.groupSize(Math.min(GROUP, nextPow2(ceilDiv(cols, parts))));
        long[] global = {rows * (long) parts * group}, local = {group};
        ClKernel.Local scratch = new ClKernel.Local(group * t.bytes());
        if (parts == 1) {
            k.launch(global, local, in, inOff, rowStride, colStride, cols, 1, out, outOff, outStride, t.scalar(scale),
                    scratch);
            return;
        }
        try (ClBuffer partial = ctx.allocate((long) rows * parts * t.bytes())) {
            k.launch(global, local, in, inOff, rowStride, colStride, cols, parts, partial, 0, 1, t.scalar(1.0),
                    scratch);
            // The partial results form a contiguous [rows, parts] matrix: reduce it the same way, unsplit.
            long group2 = k.groupSize(Math.min(GROUP, nextPow2(parts)));
            k.launch(new long[] {rows * group2}, new long[] {group2}, partial, 0, parts, 1, parts, 1, out, outOff,
                    outStride, t.scalar(scale), new ClKernel.Local(group2 * t.bytes()));
        }
    }

    /** Middle reduction: out[o, i] = reduce_r in[o * outerStride + r * redStride + i * innerStride]. */
    private void middle(ReduceOp op, ClType t, ClView in, int outer, int outerStride, int redStride, int n,
                        int inner, int innerStride, ClView out, int outOuterStride, int outInnerStride,
                        double scale) {
        int total = outer * inner;
        if (isArg(op))
            ctx.kernel("reduce.cl", t, "argreduce_mid_" + family(op)).launch1d(total, in.buffer(), in.offset(),
                    outerStride, redStride, innerStride, n, inner, total, out.buffer(), out.offset(), outOuterStride,
                    outInnerStride);
        else
            ctx.kernel("reduce.cl", t, "reduce_mid_" + family(op)).launch1d(total, in.buffer(), in.offset(),
                    outerStride, redStride, innerStride, n, inner, total, out.buffer(), out.offset(), outOuterStride,
                    outInnerStride, t.scalar(scale));
    }

    /**
     * How many pieces to split each row into: enough work-groups to keep every compute unit busy (8 groups
     * each), but no piece shorter than 1024 elements, and at most 256 pieces.
     */
    private int parts(int rows, int cols) {
        if (forceParts > 0) return Math.min(forceParts, cols);
        long wanted = ceilDiv(8L * ctx.device().computeUnits(), rows);
        return (int) Math.max(1, Math.min(Math.min(wanted, cols / 1024), 256));
    }

    // ---- softmax -------------------------------------------------------------------------------------------------

    void softmax(ClView in, ClView out, boolean log) {
        if (in.rank() == 0) throw new IllegalArgumentException("softmax of a rank-0 view");
        if (!Arrays.equals(in.shape(), out.shape()))
            throw new IllegalArgumentException("softmax: input " + ClKernels.shape(in.shape()) + " but output "
                    + ClKernels.shape(out.shape()));
        if (in.numel() == 0) return;
        int r = in.rank();
        int cols = in.shape()[r - 1];
        Layout.Packed lead = Layout.pack(Arrays.copyOf(in.shape(), r - 1), Arrays.copyOf(in.strides(), r - 1),
                Arrays.copyOf(out.strides(), r - 1));
        if (lead.rank() > 1) {
            viaContiguous(in, out, (x, y) -> softmax(x, y, log));
            return;
        }
        int rows = last(lead.shape8());
        ClType t = in.type();
        ClKernel k = ctx.kernel("softmax.cl", t, "softmax_rows");
        long group = k.groupSize(Math.min(GROUP, nextPow2(cols)));
        k.launch(new long[] {rows * group}, new long[] {group}, in.buffer(), in.offset(), last(lead.strides(0)),
                in.strides()[r - 1], cols, out.buffer(), out.offset(), last(lead.strides(1)), out.strides()[r - 1],
                log ? 1 : 0, new ClKernel.Local(group * t.bytes()));
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    /** The kernel family in reduce.cl: MEAN is a SUM scaled by 1/n. */
    private static String family(ReduceOp op) {
        return op == ReduceOp.MEAN ? "sum" : op.opName();
    }

    private static boolean isArg(ReduceOp op) {
        return op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN;
    }

    /** Runs {@code op} on contiguous copies of in (and of out, copied back), for layouts that cannot be merged. */
    private void viaContiguous(ClView in, ClView out, BiConsumer<ClView, ClView> op) {
        ClKernels k = ctx.kernels();
        ClView x = in.isContiguous() ? in : ClView.contiguous(k.contiguousCopy(in), in.type(), in.shape());
        ClView y = out.isContiguous() ? out : ClView.allocate(ctx, out.type(), out.shape());
        try {
            op.accept(x, y);
            if (y != out) k.copy(y, out);
        } finally {
            if (x != in) x.buffer().close();
            if (y != out) y.buffer().close();
        }
    }

    private static int[] remove(int[] a, int i) {
        int[] r = new int[a.length - 1];
        System.arraycopy(a, 0, r, 0, i);
        System.arraycopy(a, i + 1, r, i, a.length - i - 1);
        return r;
    }

    /** The innermost component of a packed int8: the merged size or stride when the merged rank is 0 or 1. */
    private static int last(int[] packed8) {
        return packed8[Layout.MAX_RANK - 1];
    }

    static long nextPow2(long n) {
        return n <= 1 ? 1 : Long.highestOneBit(n - 1) << 1;
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}

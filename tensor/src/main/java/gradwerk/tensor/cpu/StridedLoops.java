package gradwerk.tensor.cpu;

import gradwerk.tensor.DType;
import gradwerk.tensor.Tensor;

import java.util.Arrays;

/**
 * How the fast kernels walk strided views. Every kernel in this package only ever sees <em>contiguous runs</em>
 * (an array, a start index and a length); this class turns any combination of views into such runs.
 *
 * <ol>
 *   <li><b>Collapse</b> ({@link #collapse}): drop size-1 dims and merge neighbouring dims that are contiguous with
 *       respect to each other in every operand. A contiguous tensor becomes one dim; a row-broadcast
 *       {@code [B,C] + [C]} becomes two dims {@code [B, C]} with the bias strides {@code (0, 1)}.</li>
 *   <li><b>Segment</b> ({@link #forEachSegment}): visit the elements in row-major order as runs along the last
 *       collapsed dim, at most {@link #BLOCK} long, split across cores when there are enough of them.</li>
 *   <li><b>Pack</b> ({@link #gather}/{@link #scatter}): a run whose stride is not 1 is copied into a small
 *       scratch buffer first (and results are copied out of one afterwards), so the vector kernels never deal
 *       with strides.</li>
 * </ol>
 */
final class StridedLoops {
    private StridedLoops() {}

    /** Ops with fewer elements than this stay on the calling thread (handing work to a core costs microseconds). */
    static final int GRAIN = 32 * 1024;
    /** The longest run handed to a kernel: scratch buffers have this size, and it keeps them in the L1 cache. */
    static final int BLOCK = 2048;

    /**
     * Several operands of one shape after collapsing. {@code strides[k]} are operand k's strides, in elements;
     * the rank is at least 1 (a 0-d tensor becomes {@code [1]}).
     */
    record Layout(int[] shape, int[][] strides) {
        int rank() { return shape.length; }

        int numel() {
            int n = 1;
            for (int s : shape) n *= s;
            return n;
        }

        /** Length of the last dim: the runs kernels see are at most this long. */
        int inner() { return shape[shape.length - 1]; }

        /** Operand k's stride along the last dim. */
        int innerStride(int k) { return strides[k][shape.length - 1]; }

        /** Storage offset (relative to the operand's own offset) of the element with row-major number linear. */
        int offsetOf(int k, long linear) {
            int p = 0;
            for (int d = shape.length - 1; d >= 0; d--) {
                p += (int) (linear % shape[d]) * strides[k][d];
                linear /= shape[d];
            }
            return p;
        }
    }

    /**
     * Collapses a shape shared by several operands ({@code strides[k]} per operand): size-1 dims go, and dim i
     * merges into the dim before it when, for every operand, stepping over all of dim i lands exactly one step
     * of the dim before ({@code stride[i-1] == stride[i] * shape[i]}). Row-major order is preserved, so the
     * collapsed layout visits elements in the same order as the original.
     */
    static Layout collapse(int[] shape, int[]... strides) {
        int n = strides.length;
        int[] outShape = new int[Math.max(shape.length, 1)];
        int[][] outStrides = new int[n][outShape.length];
        int r = 0;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1) continue;
            boolean merge = r > 0;
            for (int k = 0; k < n && merge; k++) merge = outStrides[k][r - 1] == strides[k][d] * shape[d];
            if (merge) {
                outShape[r - 1] *= shape[d];
                for (int k = 0; k < n; k++) outStrides[k][r - 1] = strides[k][d];
            } else {
                outShape[r] = shape[d];
                for (int k = 0; k < n; k++) outStrides[k][r] = strides[k][d];
                r++;
            }
        }
        if (r == 0) { // a single element (or a 0-d tensor)
            outShape[0] = 1;
            for (int k = 0; k < n; k++) outStrides[k][0] = 0;
            r = 1;
        }
        int[][] trimmed = new int[n][];
        for (int k = 0; k < n; k++) trimmed[k] = Arrays.copyOf(outStrides[k], r);
        return new Layout(Arrays.copyOf(outShape, r), trimmed);
    }

    /** The layout of ops contiguous operands of n elements: one dim, stride 1 (no collapsing needed). */
    static Layout contiguous(int n, int ops) {
        int[][] strides = new int[ops][];
        for (int k = 0; k < ops; k++) strides[k] = new int[] {1};
        return new Layout(new int[] {n}, strides);
    }

    /** Collapses the common shape of some tensors (all of the same shape). */
    static Layout collapse(Tensor... ts) {
        int[][] strides = new int[ts.length][];
        for (int k = 0; k < ts.length; k++) strides[k] = ts[k].strides();
        return collapse(ts[0].shape(), strides);
    }

    /** The float[] or double[] behind a CPU tensor. */
    static Object array(Tensor t) {
        CpuStorage s = CpuStorage.cpu(t);
        return s.dtype() == DType.FLOAT32 ? s.floats() : s.doubles();
    }

    /** Storage offsets of each tensor's first element. */
    static int[] offsets(Tensor... ts) {
        int[] o = new int[ts.length];
        for (int k = 0; k < ts.length; k++) o[k] = ts[k].offset();
        return o;
    }

    // ------------------------------------------------------------------------------------------ segments

    /** Receives one run: {@code at[k]} is operand k's storage index of the run's first element. */
    @FunctionalInterface
    interface Segment {
        void run(int[] at, int len, Scratch scratch);
    }

    /**
     * Visits every element of the layout once, as runs along the last dim of at most {@link #BLOCK} elements,
     * in row-major order within each thread's share. Work is split across threads by element count, so one long
     * row is shared as well as many short ones. {@code base[k]} is operand k's storage offset.
     */
    static void forEachSegment(Layout l, int[] base, Segment body) {
        int n = l.numel();
        if (n == 0) return;
        int ops = base.length, rank = l.rank(), inner = l.inner();
        Parallel.forRange(n, GRAIN, (from, to) -> {
            Scratch scratch = new Scratch();
            int[] at = new int[ops];
            for (int k = 0; k < ops; k++) at[k] = base[k] + l.offsetOf(k, from - from % inner);
            Odometer rows = rank > 1 ? new Odometer(l, rank - 1, from / inner, at) : null;
            int col = from % inner, pos = from;
            while (pos < to) {
                int len = Math.min(Math.min(inner - col, to - pos), BLOCK);
                int[] seg = scratch.at(ops);
                for (int k = 0; k < ops; k++) seg[k] = at[k] + col * l.innerStride(k);
                body.run(seg, len, scratch);
                pos += len;
                col += len;
                if (col == inner && rows != null) {
                    col = 0;
                    rows.next();
                }
            }
        });
    }

    /**
     * Counts through the leading {@code dims} dims of a layout in row-major order (all but the last dim: its
     * rows; all dims: its elements), keeping each operand's storage index in {@code at} up to date without any
     * division.
     */
    static final class Odometer {
        private final int[] shape;
        private final int[][] strides;
        private final int[] idx;
        private final int[] at;
        private final int dims;

        /** Starts at position {@code start}; {@code at} must already hold that position's storage indices. */
        Odometer(Layout l, int dims, long start, int[] at) {
            this.shape = l.shape();
            this.strides = l.strides();
            this.at = at;
            this.dims = dims;
            this.idx = new int[dims];
            for (int d = dims - 1; d >= 0; d--) {
                idx[d] = (int) (start % shape[d]);
                start /= shape[d];
            }
        }

        /** Advances {@code at} to the next position (wrapping around after the last). */
        void next() {
            for (int d = dims - 1; d >= 0; d--) {
                for (int k = 0; k < at.length; k++) at[k] += strides[k][d];
                if (++idx[d] < shape[d]) return;
                for (int k = 0; k < at.length; k++) at[k] -= strides[k][d] * shape[d];
                idx[d] = 0;
            }
        }
    }

    // ------------------------------------------------------------------------------------------ packing

    /**
     * Per-thread scratch buffers, allocated on first use and reused for every run of one thread's share (so
     * the kernels' packed operands stay in the L1 cache).
     */
    static final class Scratch {
        private final float[][] floats = new float[4][];
        private final double[][] doubles = new double[4][];
        private int[] at;

        float[] f(int slot) {
            float[] b = floats[slot];
            return b != null ? b : (floats[slot] = new float[BLOCK]);
        }

        double[] d(int slot) {
            double[] b = doubles[slot];
            return b != null ? b : (doubles[slot] = new double[BLOCK]);
        }

        /** A float buffer of at least n elements (for whole rows longer than a block). */
        float[] f(int slot, int n) {
            float[] b = floats[slot];
            return b != null && b.length >= n ? b : (floats[slot] = new float[Math.max(n, BLOCK)]);
        }

        double[] d(int slot, int n) {
            double[] b = doubles[slot];
            return b != null && b.length >= n ? b : (doubles[slot] = new double[Math.max(n, BLOCK)]);
        }

        int[] at(int n) {
            return at != null ? at : (at = new int[n]);
        }
    }

    /** dst[0..n) = src[from], src[from + stride], ... (stride 0 repeats one element). */
    static void gather(float[] src, int from, int stride, float[] dst, int n) {
        for (int i = 0, p = from; i < n; i++, p += stride) dst[i] = src[p];
    }

    static void gather(double[] src, int from, int stride, double[] dst, int n) {
        for (int i = 0, p = from; i < n; i++, p += stride) dst[i] = src[p];
    }

    /** dst[to], dst[to + stride], ... = src[0..n). */
    static void scatter(float[] src, float[] dst, int to, int stride, int n) {
        for (int i = 0, p = to; i < n; i++, p += stride) dst[p] = src[i];
    }

    static void scatter(double[] src, double[] dst, int to, int stride, int n) {
        for (int i = 0, p = to; i < n; i++, p += stride) dst[p] = src[i];
    }
}

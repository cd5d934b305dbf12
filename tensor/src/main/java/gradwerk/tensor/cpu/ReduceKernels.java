package gradwerk.tensor.cpu;

import gradwerk.tensor.ReduceOp;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.cpu.StridedLoops.Layout;
import gradwerk.tensor.cpu.StridedLoops.Odometer;
import gradwerk.tensor.cpu.StridedLoops.Scratch;

import java.util.Arrays;

import static gradwerk.tensor.cpu.StridedLoops.BLOCK;
import static gradwerk.tensor.cpu.StridedLoops.GRAIN;

/**
 * Reductions {@code out[k] = op over the block a[k, ...]}, where the front-end has moved the reduced dims to
 * the end of {@code a}. The kept dims and the reduced dims are collapsed separately, then one of two strategies
 * runs:
 * <ul>
 *   <li><b>rows</b>: each kept position folds its block run by run with the span reducers of
 *       {@link ReduceSpans} (runs with a stride are packed first). This is the case of the reduced block
 *       being contiguous ({@code sum(x, -1)}, softmax denominators, a full {@code sum()}). A few huge rows are
 *       split across threads and the partial results combined in order.</li>
 *   <li><b>columns</b>: when the kept dims have the unit stride and the reduced ones do not ({@code sum} over
 *       the batch of {@code [B,C]}: bias gradients, batch norm statistics), each block of kept columns keeps a
 *       row of accumulators and adds one whole input row into it per reduced position: the vector lanes are the
 *       kept columns and memory is read in order, instead of gathering each column with a stride.</li>
 * </ul>
 */
final class ReduceKernels {
    private ReduceKernels() {}

    /** float32 column sums move from float32 accumulators to float64 ones after this many rows. */
    private static final int COLUMN_FLUSH = 256;

    static void reduce(ReduceOp op, Tensor a, int reducedRank, Tensor out) {
        int rank = a.rank(), keptRank = rank - reducedRank;
        int[] shape = a.shape(), strides = a.strides();
        int[] keptShape = Arrays.copyOf(shape, keptRank);
        int[] redShape = Arrays.copyOfRange(shape, keptRank, rank);
        int rows = Shape.numel(keptShape), block = Shape.numel(redShape);
        if (rows == 0) return;
        Layout kept, red;
        if (a.isContiguous() && out.isContiguous()) { // rows of block elements, one after the other
            kept = new Layout(new int[] {rows}, new int[][] {{block}, {1}});
            red = new Layout(new int[] {block}, new int[][] {{1}});
        } else {
            kept = StridedLoops.collapse(keptShape, Arrays.copyOf(strides, keptRank), out.strides());
            red = StridedLoops.collapse(redShape, Arrays.copyOfRange(strides, keptRank, rank));
        }
        Object src = StridedLoops.array(a), dst = StridedLoops.array(out);
        int aOff = a.offset(), oOff = out.offset();
        if (block == 0) { // what the reference's loop gives for an empty block
            double empty = switch (op) {
                case SUM, ARGMAX, ARGMIN -> 0;
                case MEAN -> Double.NaN;
                case MAX -> Double.NEGATIVE_INFINITY;
                case MIN -> Double.POSITIVE_INFINITY;
            };
            for (int r = 0; r < rows; r++) store(dst, oOff + kept.offsetOf(1, r), empty);
            return;
        }
        int lanes = Simd.SCALAR ? 8 : Simd.F.length();
        if (kept.innerStride(0) == 1 && red.innerStride(0) != 1 && kept.inner() >= lanes)
            columns(op, src, aOff, kept, red, dst, oOff);
        else
            rows(op, src, aOff, kept, red, dst, oOff);
    }

    // ------------------------------------------------------------------------------------------ rows

    private static void rows(ReduceOp op, Object src, int aOff, Layout kept, Layout red, Object dst, int oOff) {
        int rows = kept.numel(), block = red.numel(), threads = Parallel.threads();
        if (rows < threads && block >= 2 * GRAIN) { // a few long rows: split each one across the threads
            for (int r = 0; r < rows; r++) {
                int base = aOff + kept.offsetOf(0, r);
                double[] part = new double[threads];
                Parallel.forRange(threads, 1, (p0, p1) -> {
                    Scratch s = new Scratch();
                    for (int p = p0; p < p1; p++)
                        part[p] = range(op, src, base, red, (int) ((long) block * p / threads),
                                (int) ((long) block * (p + 1) / threads), s);
                });
                double v = part[0];
                for (int p = 1; p < threads; p++) v = combine(op, src, base, red, v, part[p]);
                store(dst, oOff + kept.offsetOf(1, r), finish(op, v, block));
            }
            return;
        }
        Parallel.forRange(rows, Math.max(1, GRAIN / block), (from, to) -> {
            Scratch s = new Scratch();
            int[] at = {aOff + kept.offsetOf(0, from), oOff + kept.offsetOf(1, from)};
            Odometer it = new Odometer(kept, kept.rank(), from, at);
            for (int r = from; r < to; r++, it.next())
                store(dst, at[1], finish(op, range(op, src, at[0], red, 0, block, s), block));
        });
    }

    /**
     * Folds elements {@code [from, to)} (row-major numbers within the block) of the block starting at storage
     * index base. Returns the sum, the max/min, or for the arg ops the position of the winner.
     */
    private static double range(ReduceOp op, Object src, int base, Layout red, int from, int to, Scratch s) {
        int inner = red.inner(), stride = red.innerStride(0);
        int[] at = {base + red.offsetOf(0, from - from % inner)};
        Odometer runs = red.rank() > 1 ? new Odometer(red, red.rank() - 1, from / inner, at) : null;
        double acc = op == ReduceOp.MAX ? Double.NEGATIVE_INFINITY : op == ReduceOp.MIN ? Double.POSITIVE_INFINITY : 0;
        double bestValue = Double.NaN;
        int best = -1;
        int col = from % inner, pos = from;
        while (pos < to) {
            int len = Math.min(inner - col, to - pos), start = at[0] + col * stride;
            int piece = stride == 1 ? len : BLOCK; // strided runs are packed a block at a time
            for (int p = 0; p < len; p += piece) {
                int m = Math.min(piece, len - p);
                Object arr = src;
                int off = start + p * stride;
                if (stride != 1) {
                    arr = pack(src, off, stride, s, m);
                    off = 0;
                }
                switch (op) {
                    case SUM, MEAN -> acc += sum(arr, off, m);
                    case MAX -> acc = Math.max(acc, max(arr, off, m));
                    case MIN -> acc = Math.min(acc, min(arr, off, m));
                    case ARGMAX, ARGMIN -> {
                        int k = arg(op, arr, off, m);
                        double v = load(arr, off + k);
                        if (best < 0 || beats(op, v, bestValue)) {
                            best = pos + p + k;
                            bestValue = v;
                        }
                    }
                }
            }
            pos += len;
            col += len;
            if (col == inner) {
                col = 0;
                if (runs != null) runs.next();
            }
        }
        return op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN ? best : acc;
    }

    /** Does v, found later in the block, replace the current winner? (The reference's rule: NaN wins and stays.) */
    private static boolean beats(ReduceOp op, double v, double current) {
        return !Double.isNaN(current) && (Double.isNaN(v) || (op == ReduceOp.ARGMAX ? v > current : v < current));
    }

    /** Two partial results of consecutive ranges, in order. */
    private static double combine(ReduceOp op, Object src, int base, Layout red, double first, double second) {
        return switch (op) {
            case SUM, MEAN -> first + second;
            case MAX -> Math.max(first, second);
            case MIN -> Math.min(first, second);
            case ARGMAX, ARGMIN -> beats(op, load(src, base + red.offsetOf(0, (long) second)),
                    load(src, base + red.offsetOf(0, (long) first))) ? second : first;
        };
    }

    private static double finish(ReduceOp op, double v, int block) {
        return op == ReduceOp.MEAN ? v / block : v;
    }

    // ------------------------------------------------------------------------------------------ columns

    private static void columns(ReduceOp op, Object src, int aOff, Layout kept, Layout red, Object dst, int oOff) {
        int width = kept.inner(), w = Math.min(width, BLOCK), chunks = (width + w - 1) / w;
        int units = kept.numel() / width * chunks, block = red.numel();
        int outStride = kept.innerStride(1);
        Parallel.forRange(units, Math.max(1, GRAIN / Math.max(1, w * block)), (from, to) -> {
            Scratch s = new Scratch();
            for (int u = from; u < to; u++) {
                long row = (long) (u / chunks) * width;
                int c0 = u % chunks * w, n = Math.min(w, width - c0);
                int a0 = aOff + kept.offsetOf(0, row) + c0, o0 = oOff + kept.offsetOf(1, row) + c0 * outStride;
                if (src instanceof float[] f) columnsF(op, f, a0, red, n, (float[]) dst, o0, outStride, s);
                else columnsD(op, (double[]) src, a0, red, n, (double[]) dst, o0, outStride, s);
            }
        });
    }

    /** Reduces n adjacent columns starting at a0 over every reduced position; results to o0, o0 + os, ... */
    private static void columnsF(ReduceOp op, float[] a, int a0, Layout red, int n, float[] o, int o0, int os,
                                 Scratch s) {
        float[] acc = s.f(0), idx = s.f(1);
        double[] total = s.d(0);
        boolean sum = op == ReduceOp.SUM || op == ReduceOp.MEAN, max = op == ReduceOp.MAX || op == ReduceOp.ARGMAX;
        Arrays.fill(acc, 0, n, sum ? 0f : max ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY);
        Arrays.fill(idx, 0, n, 0f);
        Arrays.fill(total, 0, n, 0.0);
        int block = red.numel();
        int[] at = {a0};
        Odometer it = new Odometer(red, red.rank(), 0, at);
        for (int j = 0; j < block; j++, it.next()) {
            switch (op) {
                case SUM, MEAN -> {
                    ReduceSpans.colSum(a, at[0], acc, n);
                    if ((j + 1) % COLUMN_FLUSH == 0) flush(acc, total, n);
                }
                case MAX -> ReduceSpans.colMax(a, at[0], acc, n);
                case MIN -> ReduceSpans.colMin(a, at[0], acc, n);
                case ARGMAX -> ReduceSpans.colArgMax(a, at[0], acc, idx, j, n);
                case ARGMIN -> ReduceSpans.colArgMin(a, at[0], acc, idx, j, n);
            }
        }
        if (sum) flush(acc, total, n);
        for (int c = 0; c < n; c++)
            o[o0 + c * os] = (float) switch (op) {
                case SUM -> total[c];
                case MEAN -> total[c] / block;
                case MAX, MIN -> acc[c];
                case ARGMAX, ARGMIN -> idx[c];
            };
    }

    private static void flush(float[] acc, double[] total, int n) {
        for (int c = 0; c < n; c++) {
            total[c] += acc[c];
            acc[c] = 0;
        }
    }

    private static void columnsD(ReduceOp op, double[] a, int a0, Layout red, int n, double[] o, int o0, int os,
                                 Scratch s) {
        double[] acc = s.d(0), idx = s.d(1);
        boolean sum = op == ReduceOp.SUM || op == ReduceOp.MEAN, max = op == ReduceOp.MAX || op == ReduceOp.ARGMAX;
        Arrays.fill(acc, 0, n, sum ? 0.0 : max ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
        Arrays.fill(idx, 0, n, 0.0);
        int block = red.numel();
        int[] at = {a0};
        Odometer it = new Odometer(red, red.rank(), 0, at);
        for (int j = 0; j < block; j++, it.next()) {
            switch (op) {
                case SUM, MEAN -> ReduceSpans.colSum(a, at[0], acc, n);
                case MAX -> ReduceSpans.colMax(a, at[0], acc, n);
                case MIN -> ReduceSpans.colMin(a, at[0], acc, n);
                case ARGMAX -> ReduceSpans.colArgMax(a, at[0], acc, idx, j, n);
                case ARGMIN -> ReduceSpans.colArgMin(a, at[0], acc, idx, j, n);
            }
        }
        for (int c = 0; c < n; c++)
            o[o0 + c * os] = switch (op) {
                case SUM, MAX, MIN -> acc[c];
                case MEAN -> acc[c] / block;
                case ARGMAX, ARGMIN -> idx[c];
            };
    }

    // ------------------------------------------------------------------------------------------ dtype dispatch

    private static double sum(Object a, int off, int n) {
        return a instanceof float[] f ? ReduceSpans.sum(f, off, n) : ReduceSpans.sum((double[]) a, off, n);
    }

    private static double max(Object a, int off, int n) {
        return a instanceof float[] f ? ReduceSpans.max(f, off, n) : ReduceSpans.max((double[]) a, off, n);
    }

    private static double min(Object a, int off, int n) {
        return a instanceof float[] f ? ReduceSpans.min(f, off, n) : ReduceSpans.min((double[]) a, off, n);
    }

    private static int arg(ReduceOp op, Object a, int off, int n) {
        boolean max = op == ReduceOp.ARGMAX;
        if (a instanceof float[] f) return max ? ReduceSpans.argmax(f, off, n) : ReduceSpans.argmin(f, off, n);
        double[] d = (double[]) a;
        return max ? ReduceSpans.argmax(d, off, n) : ReduceSpans.argmin(d, off, n);
    }

    private static Object pack(Object src, int from, int stride, Scratch s, int n) {
        if (src instanceof float[] f) {
            float[] buf = s.f(2);
            StridedLoops.gather(f, from, stride, buf, n);
            return buf;
        }
        double[] buf = s.d(2);
        StridedLoops.gather((double[]) src, from, stride, buf, n);
        return buf;
    }

    private static double load(Object a, int i) {
        return a instanceof float[] f ? f[i] : ((double[]) a)[i];
    }

    private static void store(Object a, int i, double v) {
        if (a instanceof float[] f) f[i] = (float) v;
        else ((double[]) a)[i] = v;
    }
}

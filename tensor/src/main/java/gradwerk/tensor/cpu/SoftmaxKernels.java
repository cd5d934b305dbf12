package gradwerk.tensor.cpu;

import gradwerk.tensor.Tensor;
import gradwerk.tensor.cpu.StridedLoops.Layout;
import gradwerk.tensor.cpu.StridedLoops.Odometer;
import gradwerk.tensor.cpu.StridedLoops.Scratch;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;

import java.util.Arrays;

/**
 * Softmax and log-softmax along the last dim, row by row, in three passes over a contiguous row as the
 * reference does: the row max m (NaN propagating; an all -inf row uses 0), then {@code e = exp(x - m)} and its
 * sum s, then {@code e / s} (softmax) or {@code (x - m) - log s} (log-softmax). Softmax stores e in the output in
 * pass two, so it computes each exp once. Rows with a stride are packed into scratch rows first. Rows are
 * shared between threads. Each pass is a method of its own (see {@link MapKernels} for why).
 *
 * <p>The float32 exponentials come from {@link VectorMath#exp}, not from the Vector API's {@code lanewise(EXP)}:
 * C2 compiles that to Intel's SVML routines, which differ in the last bit from the Java fallback that the
 * interpreter and C1 run (Math.exp per lane) for about 1% of inputs. So the same softmax gave other bits before and
 * after the JIT compiled it, and when that happened depends on timing: two DDANet trainings with the same seed ended
 * with different weights whenever the data loader's thread competed for the cores. VectorMath.exp is plain IEEE
 * arithmetic and gives the same bits in every tier, vector lane or scalar tail (SoftmaxJitTest). Float64 rows use
 * {@link Math#exp}, which is the same in every tier too.
 */
final class SoftmaxKernels {
    private SoftmaxKernels() {}

    private static final int LANES_F = Simd.F.length(), LANES_D = Simd.D.length();

    static void softmax(Tensor a, Tensor out, boolean log) {
        int rank = a.rank();
        int len = rank == 0 ? 1 : a.shape()[rank - 1];
        int numel = a.numel();
        if (numel == 0) return;
        int rows = numel / len;
        int as = rank == 0 ? 1 : a.strides()[rank - 1], os = rank == 0 ? 1 : out.strides()[rank - 1];
        int lead = Math.max(rank - 1, 0);
        Layout l = a.isContiguous() && out.isContiguous() ? new Layout(new int[] {rows}, new int[][] {{len}, {len}})
                : StridedLoops.collapse(Arrays.copyOf(a.shape(), lead), Arrays.copyOf(a.strides(), lead),
                        Arrays.copyOf(out.strides(), lead));
        Object src = StridedLoops.array(a), dst = StridedLoops.array(out);
        int aOff = a.offset(), oOff = out.offset();
        Parallel.forRange(rows, Math.max(1, StridedLoops.GRAIN / len), (from, to) -> {
            Scratch s = new Scratch();
            int[] at = {aOff + l.offsetOf(0, from), oOff + l.offsetOf(1, from)};
            Odometer it = new Odometer(l, l.rank(), from, at);
            for (int r = from; r < to; r++, it.next()) {
                if (src instanceof float[] f) rowF(f, at[0], as, (float[]) dst, at[1], os, len, log, s);
                else rowD((double[]) src, at[0], as, (double[]) dst, at[1], os, len, log, s);
            }
        });
    }

    private static void rowF(float[] a, int ai, int as, float[] o, int oi, int os, int n, boolean log, Scratch s) {
        if (as != 1) { // pack the input row
            float[] buf = s.f(0, n);
            StridedLoops.gather(a, ai, as, buf, n);
            a = buf;
            ai = 0;
        }
        if (os != 1) { // compute into a scratch row, then scatter
            float[] buf = s.f(1, n);
            rowF(a, ai, buf, 0, n, log);
            StridedLoops.scatter(buf, o, oi, os, n);
        } else rowF(a, ai, o, oi, n, log);
    }

    /** One contiguous row (o may be the same array region as a: every pass reads an element before writing it). */
    private static void rowF(float[] a, int ai, float[] o, int oi, int n, boolean log) {
        float m = ReduceSpans.max(a, ai, n);
        if (m == Float.NEGATIVE_INFINITY) m = 0; // an all -inf row: avoid -inf - -inf
        if (log) shift(a, ai, o, oi, n, m, (float) Math.log(expSum(a, ai, n, m)));
        else scale(o, oi, n, (float) (1 / expStore(a, ai, o, oi, n, m)));
    }

    /** Sum of exp(x - m), each the float32 value softmax stores, added in double in index order. */
    private static double expSum(float[] a, int ai, int n, float m) {
        double sum = 0;
        int i = 0;
        if (!Simd.SCALAR)
            for (int end = Simd.F.loopBound(n); i < end; i += LANES_F) {
                FloatVector e = VectorMath.exp(ld(a, ai + i).sub(m));
                for (int k = 0; k < LANES_F; k++) sum += e.lane(k);
            }
        for (; i < n; i++) sum += VectorMath.exp(a[ai + i] - m);
        return sum;
    }

    /** o = exp(x - m); returns the sum, as {@link #expSum}. */
    private static double expStore(float[] a, int ai, float[] o, int oi, int n, float m) {
        VectorMath.exp(a, ai, m, o, oi, n);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += o[oi + i];
        return sum;
    }

    /** o = (x - m) - lse. */
    private static void shift(float[] a, int ai, float[] o, int oi, int n, float m, float lse) {
        int i = 0;
        if (!Simd.SCALAR)
            for (int end = Simd.F.loopBound(n); i < end; i += LANES_F)
                ld(a, ai + i).sub(m).sub(lse).intoArray(o, oi + i);
        for (; i < n; i++) o[oi + i] = (a[ai + i] - m) - lse;
    }

    /** o *= s. */
    private static void scale(float[] o, int oi, int n, float s) {
        int i = 0;
        if (!Simd.SCALAR)
            for (int end = Simd.F.loopBound(n); i < end; i += LANES_F) ld(o, oi + i).mul(s).intoArray(o, oi + i);
        for (; i < n; i++) o[oi + i] *= s;
    }

    private static FloatVector ld(float[] a, int i) {
        return FloatVector.fromArray(Simd.F, a, i);
    }

    private static void rowD(double[] a, int ai, int as, double[] o, int oi, int os, int n, boolean log, Scratch s) {
        if (as != 1) {
            double[] buf = s.d(0, n);
            StridedLoops.gather(a, ai, as, buf, n);
            a = buf;
            ai = 0;
        }
        if (os != 1) {
            double[] buf = s.d(1, n);
            rowD(a, ai, buf, 0, n, log);
            StridedLoops.scatter(buf, o, oi, os, n);
        } else rowD(a, ai, o, oi, n, log);
    }

    private static void rowD(double[] a, int ai, double[] o, int oi, int n, boolean log) {
        double m = ReduceSpans.max(a, ai, n);
        if (m == Double.NEGATIVE_INFINITY) m = 0;
        if (log) shift(a, ai, o, oi, n, m, Math.log(expSum(a, ai, n, m)));
        else divide(o, oi, n, expStore(a, ai, o, oi, n, m));
    }

    private static double expSum(double[] a, int ai, int n, double m) {
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp(a[ai + i] - m);
        return sum;
    }

    private static double expStore(double[] a, int ai, double[] o, int oi, int n, double m) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            o[oi + i] = Math.exp(a[ai + i] - m);
            sum += o[oi + i];
        }
        return sum;
    }

    private static void shift(double[] a, int ai, double[] o, int oi, int n, double m, double lse) {
        int i = 0;
        if (!Simd.SCALAR)
            for (int end = Simd.D.loopBound(n); i < end; i += LANES_D)
                ld(a, ai + i).sub(m).sub(lse).intoArray(o, oi + i);
        for (; i < n; i++) o[oi + i] = (a[ai + i] - m) - lse;
    }

    /** o /= s (float64 divides, as the reference does, rather than multiplying by 1/s). */
    private static void divide(double[] o, int oi, int n, double s) {
        int i = 0;
        if (!Simd.SCALAR)
            for (int end = Simd.D.loopBound(n); i < end; i += LANES_D) ld(o, oi + i).div(s).intoArray(o, oi + i);
        for (; i < n; i++) o[oi + i] /= s;
    }

    private static DoubleVector ld(double[] a, int i) {
        return DoubleVector.fromArray(Simd.D, a, i);
    }
}

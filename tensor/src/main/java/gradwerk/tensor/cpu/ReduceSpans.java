package gradwerk.tensor.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.EQ;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LT;
import static jdk.incubator.vector.VectorOperators.MAX;
import static jdk.incubator.vector.VectorOperators.MIN;
import static jdk.incubator.vector.VectorOperators.NE;

/**
 * The leaves of {@link ReduceKernels}, one dtype at a time:
 * <ul>
 *   <li><b>span</b> reducers fold one contiguous run into one number (sum, max, min, position of the first
 *       max/min), for reduced blocks that are contiguous: a vector of partial results, then a horizontal reduce;</li>
 *   <li><b>column</b> steps fold one run into a row of accumulators ({@code acc[c] op= a[c]}), for reduced dims
 *       that lie outside the kept ones (sum over the batch of {@code [B,C]}): the kept dim is the vector dim.</li>
 * </ul>
 * NaN semantics are the reference's: max/min propagate NaN ({@code max()/min()} follow {@link Math#max}); the
 * arg ops return the first NaN if there is one, else the first max/min. Every vector loop is in a method of its
 * own, for the reason given in {@link MapKernels}.
 */
final class ReduceSpans {
    private ReduceSpans() {}

    /**
     * float32 sums add this many elements in float32 vector lanes, then move the partial sum to a double: the
     * error grows with the block, not with the row (a long row is then more accurate than a naive float loop).
     */
    static final int SUM_BLOCK = 1024;

    private static final int LANES_F = Simd.F.length(), LANES_D = Simd.D.length();

    // ------------------------------------------------------------------------------------------ float32

    private static FloatVector ld(float[] a, int i) {
        return FloatVector.fromArray(Simd.F, a, i);
    }

    static double sum(float[] a, int ai, int n) {
        double total = 0;
        int i = 0;
        if (!Simd.SCALAR) {
            final int step = 4 * LANES_F; // four accumulators: the adds overlap instead of waiting for each other
            while (n - i >= step) {
                int end = i + Math.min(SUM_BLOCK, (n - i) / step * step);
                FloatVector s0 = FloatVector.zero(Simd.F), s1 = s0, s2 = s0, s3 = s0;
                for (; i < end; i += step) {
                    s0 = s0.add(ld(a, ai + i));
                    s1 = s1.add(ld(a, ai + i + LANES_F));
                    s2 = s2.add(ld(a, ai + i + 2 * LANES_F));
                    s3 = s3.add(ld(a, ai + i + 3 * LANES_F));
                }
                total += Simd.sumLanes(s0.add(s1).add(s2.add(s3)));
            }
        }
        for (; i < n; i++) total += a[ai + i];
        return total;
    }

    static float max(float[] a, int ai, int n) {
        float m = Float.NEGATIVE_INFINITY;
        int i = 0;
        if (!Simd.SCALAR && n >= LANES_F) {
            FloatVector acc = ld(a, ai);
            for (i = LANES_F; i < Simd.F.loopBound(n); i += LANES_F) acc = acc.max(ld(a, ai + i));
            m = acc.reduceLanes(MAX);
        }
        for (; i < n; i++) m = Math.max(m, a[ai + i]);
        return m;
    }

    static float min(float[] a, int ai, int n) {
        float m = Float.POSITIVE_INFINITY;
        int i = 0;
        if (!Simd.SCALAR && n >= LANES_F) {
            FloatVector acc = ld(a, ai);
            for (i = LANES_F; i < Simd.F.loopBound(n); i += LANES_F) acc = acc.min(ld(a, ai + i));
            m = acc.reduceLanes(MIN);
        }
        for (; i < n; i++) m = Math.min(m, a[ai + i]);
        return m;
    }

    /** Position of the first max (or the first NaN) in a[ai..ai+n), n &gt; 0: finds the max, then where it is. */
    static int argmax(float[] a, int ai, int n) {
        float m = max(a, ai, n);
        return Float.isNaN(m) ? firstNaN(a, ai, n) : indexOf(a, ai, n, m);
    }

    static int argmin(float[] a, int ai, int n) {
        float m = min(a, ai, n);
        return Float.isNaN(m) ? firstNaN(a, ai, n) : indexOf(a, ai, n, m);
    }

    /** Position of the first element equal to v, which must occur. */
    private static int indexOf(float[] a, int ai, int n, float v) {
        int i = 0;
        if (!Simd.SCALAR)
            for (int end = Simd.F.loopBound(n); i < end; i += LANES_F) {
                VectorMask<Float> hit = ld(a, ai + i).compare(EQ, v);
                if (hit.anyTrue()) return i + hit.firstTrue();
            }
        for (; i < n; i++) if (a[ai + i] == v) return i;
        throw new AssertionError("indexOf: value not in the span");
    }

    private static int firstNaN(float[] a, int ai, int n) {
        int i = 0;
        if (!Simd.SCALAR)
            for (int end = Simd.F.loopBound(n); i < end; i += LANES_F) {
                FloatVector x = ld(a, ai + i);
                VectorMask<Float> hit = x.compare(NE, x);
                if (hit.anyTrue()) return i + hit.firstTrue();
            }
        for (; i < n; i++) if (Float.isNaN(a[ai + i])) return i;
        throw new AssertionError("firstNaN: no NaN in the span");
    }

    // ---------------------------------------- columns

    /** acc[0..w) += a[ai..ai+w). */
    static void colSum(float[] a, int ai, float[] acc, int w) {
        int c = 0;
        if (!Simd.SCALAR)
            for (int end = Simd.F.loopBound(w); c < end; c += LANES_F) ld(acc, c).add(ld(a, ai + c)).intoArray(acc, c);
        for (; c < w; c++) acc[c] += a[ai + c];
    }

    /** acc[0..w) = max(acc, a[ai..ai+w)), NaN propagating. */
    static void colMax(float[] a, int ai, float[] acc, int w) {
        int c = 0;
        if (!Simd.SCALAR)
            for (int end = Simd.F.loopBound(w); c < end; c += LANES_F) ld(acc, c).max(ld(a, ai + c)).intoArray(acc, c);
        for (; c < w; c++) acc[c] = Math.max(acc[c], a[ai + c]);
    }

    static void colMin(float[] a, int ai, float[] acc, int w) {
        int c = 0;
        if (!Simd.SCALAR)
            for (int end = Simd.F.loopBound(w); c < end; c += LANES_F) ld(acc, c).min(ld(a, ai + c)).intoArray(acc, c);
        for (; c < w; c++) acc[c] = Math.min(acc[c], a[ai + c]);
    }

    /**
     * Arg max over columns: where a[ai+c] beats val[c] (is greater, or is the first NaN), val[c] takes it and
     * idx[c] becomes j, the position in the reduced block. Visiting j in increasing order keeps the first best.
     */
    static void colArgMax(float[] a, int ai, float[] val, float[] idx, float j, int w) {
        int c = 0;
        if (!Simd.SCALAR) {
            FloatVector jv = FloatVector.broadcast(Simd.F, j);
            for (int end = Simd.F.loopBound(w); c < end; c += LANES_F) {
                FloatVector x = ld(a, ai + c), v = ld(val, c);
                VectorMask<Float> better = x.compare(GT, v).or(x.compare(NE, x)).and(v.compare(EQ, v));
                v.blend(x, better).intoArray(val, c);
                ld(idx, c).blend(jv, better).intoArray(idx, c);
            }
        }
        for (; c < w; c++) {
            float x = a[ai + c], v = val[c];
            if (v == v && (x > v || x != x)) {
                val[c] = x;
                idx[c] = j;
            }
        }
    }

    static void colArgMin(float[] a, int ai, float[] val, float[] idx, float j, int w) {
        int c = 0;
        if (!Simd.SCALAR) {
            FloatVector jv = FloatVector.broadcast(Simd.F, j);
            for (int end = Simd.F.loopBound(w); c < end; c += LANES_F) {
                FloatVector x = ld(a, ai + c), v = ld(val, c);
                VectorMask<Float> better = x.compare(LT, v).or(x.compare(NE, x)).and(v.compare(EQ, v));
                v.blend(x, better).intoArray(val, c);
                ld(idx, c).blend(jv, better).intoArray(idx, c);
            }
        }
        for (; c < w; c++) {
            float x = a[ai + c], v = val[c];
            if (v == v && (x < v || x != x)) {
                val[c] = x;
                idx[c] = j;
            }
        }
    }

    // ------------------------------------------------------------------------------------------ float64

    private static DoubleVector ld(double[] a, int i) {
        return DoubleVector.fromArray(Simd.D, a, i);
    }

    static double sum(double[] a, int ai, int n) {
        double total = 0;
        int i = 0;
        if (!Simd.SCALAR) {
            final int step = 4 * LANES_D, end = n / step * step;
            DoubleVector s0 = DoubleVector.zero(Simd.D), s1 = s0, s2 = s0, s3 = s0;
            for (; i < end; i += step) {
                s0 = s0.add(ld(a, ai + i));
                s1 = s1.add(ld(a, ai + i + LANES_D));
                s2 = s2.add(ld(a, ai + i + 2 * LANES_D));
                s3 = s3.add(ld(a, ai + i + 3 * LANES_D));
            }
            total = Simd.sumLanes(s0.add(s1).add(s2.add(s3)));
        }
        for (; i < n; i++) total += a[ai + i];
        return total;
    }

    static double max(double[] a, int ai, int n) {
        double m = Double.NEGATIVE_INFINITY;
        int i = 0;
        if (!Simd.SCALAR && n >= LANES_D) {
            DoubleVector acc = ld(a, ai);
            for (i = LANES_D; i < Simd.D.loopBound(n); i += LANES_D) acc = acc.max(ld(a, ai + i));
            m = acc.reduceLanes(MAX);
        }
        for (; i < n; i++) m = Math.max(m, a[ai + i]);
        return m;
    }

    static double min(double[] a, int ai, int n) {
        double m = Double.POSITIVE_INFINITY;
        int i = 0;
        if (!Simd.SCALAR && n >= LANES_D) {
            DoubleVector acc = ld(a, ai);
            for (i = LANES_D; i < Simd.D.loopBound(n); i += LANES_D) acc = acc.min(ld(a, ai + i));
            m = acc.reduceLanes(MIN);
        }
        for (; i < n; i++) m = Math.min(m, a[ai + i]);
        return m;
    }

    /** Position of the first max (or the first NaN) in a[ai..ai+n), n &gt; 0: finds the max, then where it is. */
    static int argmax(double[] a, int ai, int n) {
        double m = max(a, ai, n);
        return Double.isNaN(m) ? firstNaN(a, ai, n) : indexOf(a, ai, n, m);
    }

    static int argmin(double[] a, int ai, int n) {
        double m = min(a, ai, n);
        return Double.isNaN(m) ? firstNaN(a, ai, n) : indexOf(a, ai, n, m);
    }

    /** Position of the first element equal to v, which must occur. */
    private static int indexOf(double[] a, int ai, int n, double v) {
        int i = 0;
        if (!Simd.SCALAR)
            for (int end = Simd.D.loopBound(n); i < end; i += LANES_D) {
                VectorMask<Double> hit = ld(a, ai + i).compare(EQ, v);
                if (hit.anyTrue()) return i + hit.firstTrue();
            }
        for (; i < n; i++) if (a[ai + i] == v) return i;
        throw new AssertionError("indexOf: value not in the span");
    }

    private static int firstNaN(double[] a, int ai, int n) {
        int i = 0;
        if (!Simd.SCALAR)
            for (int end = Simd.D.loopBound(n); i < end; i += LANES_D) {
                DoubleVector x = ld(a, ai + i);
                VectorMask<Double> hit = x.compare(NE, x);
                if (hit.anyTrue()) return i + hit.firstTrue();
            }
        for (; i < n; i++) if (Double.isNaN(a[ai + i])) return i;
        throw new AssertionError("firstNaN: no NaN in the span");
    }

    // ---------------------------------------- columns

    /** acc[0..w) += a[ai..ai+w). */
    static void colSum(double[] a, int ai, double[] acc, int w) {
        int c = 0;
        if (!Simd.SCALAR)
            for (int end = Simd.D.loopBound(w); c < end; c += LANES_D) ld(acc, c).add(ld(a, ai + c)).intoArray(acc, c);
        for (; c < w; c++) acc[c] += a[ai + c];
    }

    /** acc[0..w) = max(acc, a[ai..ai+w)), NaN propagating. */
    static void colMax(double[] a, int ai, double[] acc, int w) {
        int c = 0;
        if (!Simd.SCALAR)
            for (int end = Simd.D.loopBound(w); c < end; c += LANES_D) ld(acc, c).max(ld(a, ai + c)).intoArray(acc, c);
        for (; c < w; c++) acc[c] = Math.max(acc[c], a[ai + c]);
    }

    static void colMin(double[] a, int ai, double[] acc, int w) {
        int c = 0;
        if (!Simd.SCALAR)
            for (int end = Simd.D.loopBound(w); c < end; c += LANES_D) ld(acc, c).min(ld(a, ai + c)).intoArray(acc, c);
        for (; c < w; c++) acc[c] = Math.min(acc[c], a[ai + c]);
    }

    /**
     * Arg max over columns: where a[ai+c] beats val[c] (is greater, or is the first NaN), val[c] takes it and
     * idx[c] becomes j, the position in the reduced block. Visiting j in increasing order keeps the first best.
     */
    static void colArgMax(double[] a, int ai, double[] val, double[] idx, double j, int w) {
        int c = 0;
        if (!Simd.SCALAR) {
            DoubleVector jv = DoubleVector.broadcast(Simd.D, j);
            for (int end = Simd.D.loopBound(w); c < end; c += LANES_D) {
                DoubleVector x = ld(a, ai + c), v = ld(val, c);
                VectorMask<Double> better = x.compare(GT, v).or(x.compare(NE, x)).and(v.compare(EQ, v));
                v.blend(x, better).intoArray(val, c);
                ld(idx, c).blend(jv, better).intoArray(idx, c);
            }
        }
        for (; c < w; c++) {
            double x = a[ai + c], v = val[c];
            if (v == v && (x > v || x != x)) {
                val[c] = x;
                idx[c] = j;
            }
        }
    }

    static void colArgMin(double[] a, int ai, double[] val, double[] idx, double j, int w) {
        int c = 0;
        if (!Simd.SCALAR) {
            DoubleVector jv = DoubleVector.broadcast(Simd.D, j);
            for (int end = Simd.D.loopBound(w); c < end; c += LANES_D) {
                DoubleVector x = ld(a, ai + c), v = ld(val, c);
                VectorMask<Double> better = x.compare(LT, v).or(x.compare(NE, x)).and(v.compare(EQ, v));
                v.blend(x, better).intoArray(val, c);
                ld(idx, c).blend(jv, better).intoArray(idx, c);
            }
        }
        for (; c < w; c++) {
            double x = a[ai + c], v = val[c];
            if (v == v && (x < v || x != x)) {
                val[c] = x;
                idx[c] = j;
            }
        }
    }
}

package gradwerk.tensor.cpu;

import gradwerk.tensor.BinaryOp;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;

import static jdk.incubator.vector.VectorOperators.EQ;
import static jdk.incubator.vector.VectorOperators.GE;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LE;
import static jdk.incubator.vector.VectorOperators.LT;
import static jdk.incubator.vector.VectorOperators.NE;
import static jdk.incubator.vector.VectorOperators.POW;

/**
 * Binary elementwise ops and {@code where} on contiguous runs: {@code o[i] = op(a[i], b[i])}. (When one
 * operand is a single number broadcast along the run, {@link BroadcastZipKernels} keeps it in a register.)
 *
 * <p>As in {@link MapKernels}: each op's vector loop is a method of its own (comparisons too: the Vector API
 * compiles {@code compare()} to SIMD only for a constant operator), followed by a scalar tail that is the
 * reference's own formula; with {@link Simd#SCALAR} only the tail runs. Add, sub, mul, div, max and min in
 * float32 give the same bits as the reference's double-then-round (double has enough extra precision), and
 * comparisons give 1 or 0 in the inputs' dtype, so only pow can differ (by an ulp or so).
 */
final class ZipKernels {
    private ZipKernels() {}

    private static final int LANES_F = Simd.F.length(), LANES_D = Simd.D.length();
    private static final FloatVector ZERO_F = FloatVector.zero(Simd.F), ONE_F = FloatVector.broadcast(Simd.F, 1f);
    private static final DoubleVector ZERO_D = DoubleVector.zero(Simd.D), ONE_D = DoubleVector.broadcast(Simd.D, 1.0);

    // ------------------------------------------------------------------------------------------ float32

    static void vv(BinaryOp op, float[] a, int ai, float[] b, int bi, float[] o, int oi, int n) {
        int i = Simd.SCALAR ? 0 : switch (op) {
            case ADD -> add(a, ai, b, bi, o, oi, n);
            case SUB -> sub(a, ai, b, bi, o, oi, n);
            case MUL -> mul(a, ai, b, bi, o, oi, n);
            case DIV -> div(a, ai, b, bi, o, oi, n);
            case MAX -> max(a, ai, b, bi, o, oi, n);
            case MIN -> min(a, ai, b, bi, o, oi, n);
            case POW -> pow(a, ai, b, bi, o, oi, n);
            case EQ -> eq(a, ai, b, bi, o, oi, n);
            case NE -> ne(a, ai, b, bi, o, oi, n);
            case LT -> lt(a, ai, b, bi, o, oi, n);
            case LE -> le(a, ai, b, bi, o, oi, n);
            case GT -> gt(a, ai, b, bi, o, oi, n);
            case GE -> ge(a, ai, b, bi, o, oi, n);
            case RELU_BACKWARD -> reluBackward(a, ai, b, bi, o, oi, n);
        };
        for (; i < n; i++) o[oi + i] = (float) op.apply(a[ai + i], b[bi + i]);
    }

    /** o[i] = c[i] != 0 ? a[i] : b[i] (NaN counts as nonzero, as in the reference). */
    static void where(float[] c, int ci, float[] a, int ai, float[] b, int bi, float[] o, int oi, int n) {
        int i = 0;
        if (!Simd.SCALAR)
            for (int end = Simd.F.loopBound(n); i < end; i += LANES_F)
                ld(b, bi + i).blend(ld(a, ai + i), ld(c, ci + i).compare(NE, 0f)).intoArray(o, oi + i);
        for (; i < n; i++) o[oi + i] = c[ci + i] != 0 ? a[ai + i] : b[bi + i];
    }

    private static FloatVector ld(float[] a, int i) {
        return FloatVector.fromArray(Simd.F, a, i);
    }

    private static int add(float[] a, int ai, float[] b, int bi, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ld(a, ai + i).add(ld(b, bi + i)).intoArray(o, oi + i);
        return i;
    }

    private static int sub(float[] a, int ai, float[] b, int bi, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ld(a, ai + i).sub(ld(b, bi + i)).intoArray(o, oi + i);
        return i;
    }

    private static int mul(float[] a, int ai, float[] b, int bi, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ld(a, ai + i).mul(ld(b, bi + i)).intoArray(o, oi + i);
        return i;
    }

    private static int div(float[] a, int ai, float[] b, int bi, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ld(a, ai + i).div(ld(b, bi + i)).intoArray(o, oi + i);
        return i;
    }

    private static int max(float[] a, int ai, float[] b, int bi, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ld(a, ai + i).max(ld(b, bi + i)).intoArray(o, oi + i);
        return i;
    }

    private static int min(float[] a, int ai, float[] b, int bi, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ld(a, ai + i).min(ld(b, bi + i)).intoArray(o, oi + i);
        return i;
    }

    private static int pow(float[] a, int ai, float[] b, int bi, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ld(a, ai + i).lanewise(POW, ld(b, bi + i)).intoArray(o, oi + i);
        return i;
    }

    private static int eq(float[] a, int ai, float[] b, int bi, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F)
            ZERO_F.blend(ONE_F, ld(a, ai + i).compare(EQ, ld(b, bi + i))).intoArray(o, oi + i);
        return i;
    }

    private static int ne(float[] a, int ai, float[] b, int bi, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F)
            ZERO_F.blend(ONE_F, ld(a, ai + i).compare(NE, ld(b, bi + i))).intoArray(o, oi + i);
        return i;
    }

    private static int lt(float[] a, int ai, float[] b, int bi, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F)
            ZERO_F.blend(ONE_F, ld(a, ai + i).compare(LT, ld(b, bi + i))).intoArray(o, oi + i);
        return i;
    }

    private static int le(float[] a, int ai, float[] b, int bi, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F)
            ZERO_F.blend(ONE_F, ld(a, ai + i).compare(LE, ld(b, bi + i))).intoArray(o, oi + i);
        return i;
    }

    private static int reluBackward(float[] a, int ai, float[] b, int bi, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F)
            ZERO_F.blend(ld(a, ai + i), ld(b, bi + i).compare(GT, 0f)).intoArray(o, oi + i);
        return i;
    }

    private static int gt(float[] a, int ai, float[] b, int bi, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F)
            ZERO_F.blend(ONE_F, ld(a, ai + i).compare(GT, ld(b, bi + i))).intoArray(o, oi + i);
        return i;
    }

    private static int ge(float[] a, int ai, float[] b, int bi, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F)
            ZERO_F.blend(ONE_F, ld(a, ai + i).compare(GE, ld(b, bi + i))).intoArray(o, oi + i);
        return i;
    }

    // ------------------------------------------------------------------------------------------ float64

    static void vv(BinaryOp op, double[] a, int ai, double[] b, int bi, double[] o, int oi, int n) {
        int i = Simd.SCALAR ? 0 : switch (op) {
            case ADD -> add(a, ai, b, bi, o, oi, n);
            case SUB -> sub(a, ai, b, bi, o, oi, n);
            case MUL -> mul(a, ai, b, bi, o, oi, n);
            case DIV -> div(a, ai, b, bi, o, oi, n);
            case MAX -> max(a, ai, b, bi, o, oi, n);
            case MIN -> min(a, ai, b, bi, o, oi, n);
            case POW -> pow(a, ai, b, bi, o, oi, n);
            case EQ -> eq(a, ai, b, bi, o, oi, n);
            case NE -> ne(a, ai, b, bi, o, oi, n);
            case LT -> lt(a, ai, b, bi, o, oi, n);
            case LE -> le(a, ai, b, bi, o, oi, n);
            case GT -> gt(a, ai, b, bi, o, oi, n);
            case GE -> ge(a, ai, b, bi, o, oi, n);
            case RELU_BACKWARD -> reluBackward(a, ai, b, bi, o, oi, n);
        };
        for (; i < n; i++) o[oi + i] = op.apply(a[ai + i], b[bi + i]);
    }

    static void where(double[] c, int ci, double[] a, int ai, double[] b, int bi, double[] o, int oi, int n) {
        int i = 0;
        if (!Simd.SCALAR)
            for (int end = Simd.D.loopBound(n); i < end; i += LANES_D)
                ld(b, bi + i).blend(ld(a, ai + i), ld(c, ci + i).compare(NE, 0.0)).intoArray(o, oi + i);
        for (; i < n; i++) o[oi + i] = c[ci + i] != 0 ? a[ai + i] : b[bi + i];
    }

    private static DoubleVector ld(double[] a, int i) {
        return DoubleVector.fromArray(Simd.D, a, i);
    }

    private static int add(double[] a, int ai, double[] b, int bi, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ld(a, ai + i).add(ld(b, bi + i)).intoArray(o, oi + i);
        return i;
    }

    private static int sub(double[] a, int ai, double[] b, int bi, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ld(a, ai + i).sub(ld(b, bi + i)).intoArray(o, oi + i);
        return i;
    }

    private static int mul(double[] a, int ai, double[] b, int bi, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ld(a, ai + i).mul(ld(b, bi + i)).intoArray(o, oi + i);
        return i;
    }

    private static int div(double[] a, int ai, double[] b, int bi, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ld(a, ai + i).div(ld(b, bi + i)).intoArray(o, oi + i);
        return i;
    }

    private static int max(double[] a, int ai, double[] b, int bi, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ld(a, ai + i).max(ld(b, bi + i)).intoArray(o, oi + i);
        return i;
    }

    private static int min(double[] a, int ai, double[] b, int bi, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ld(a, ai + i).min(ld(b, bi + i)).intoArray(o, oi + i);
        return i;
    }

    private static int pow(double[] a, int ai, double[] b, int bi, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ld(a, ai + i).lanewise(POW, ld(b, bi + i)).intoArray(o, oi + i);
        return i;
    }

    private static int eq(double[] a, int ai, double[] b, int bi, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D)
            ZERO_D.blend(ONE_D, ld(a, ai + i).compare(EQ, ld(b, bi + i))).intoArray(o, oi + i);
        return i;
    }

    private static int ne(double[] a, int ai, double[] b, int bi, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D)
            ZERO_D.blend(ONE_D, ld(a, ai + i).compare(NE, ld(b, bi + i))).intoArray(o, oi + i);
        return i;
    }

    private static int lt(double[] a, int ai, double[] b, int bi, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D)
            ZERO_D.blend(ONE_D, ld(a, ai + i).compare(LT, ld(b, bi + i))).intoArray(o, oi + i);
        return i;
    }

    private static int le(double[] a, int ai, double[] b, int bi, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D)
            ZERO_D.blend(ONE_D, ld(a, ai + i).compare(LE, ld(b, bi + i))).intoArray(o, oi + i);
        return i;
    }

    private static int reluBackward(double[] a, int ai, double[] b, int bi, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D)
            ZERO_D.blend(ld(a, ai + i), ld(b, bi + i).compare(GT, 0.0)).intoArray(o, oi + i);
        return i;
    }

    private static int gt(double[] a, int ai, double[] b, int bi, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D)
            ZERO_D.blend(ONE_D, ld(a, ai + i).compare(GT, ld(b, bi + i))).intoArray(o, oi + i);
        return i;
    }

    private static int ge(double[] a, int ai, double[] b, int bi, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D)
            ZERO_D.blend(ONE_D, ld(a, ai + i).compare(GE, ld(b, bi + i))).intoArray(o, oi + i);
        return i;
    }
}

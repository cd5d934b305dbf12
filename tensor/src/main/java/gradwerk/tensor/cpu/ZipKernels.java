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
 * Binary elementwise ops and {@code where} on contiguous runs. Two forms per op:
 * <ul>
 *   <li>{@code vv}: both operands are runs ({@code o[i] = op(a[i], b[i])});</li>
 *   <li>{@code vs}: the second is one number broadcast along the run ({@code o[i] = op(a[i], s)}), or with
 *       {@code swapped} the first one is ({@code o[i] = op(s, a[i])}): bias rows, {@code x - mean}, {@code 1 - p}.</li>
 * </ul>
 * As in {@link MapKernels}: one loop per op, a scalar tail that is the reference's own formula, and with
 * {@link Simd#SCALAR} only the tail runs. Add/sub/mul/div in float32 give the same bits as the reference's
 * double-then-round (double has enough extra precision), so those match exactly.
 */
final class ZipKernels {
    private ZipKernels() {}

    /** op(s, x) as op'(x, s) where that exists: commutative ops stay, comparisons mirror; else null. */
    private static BinaryOp mirrored(BinaryOp op) {
        return switch (op) {
            case ADD, MUL, MAX, MIN, EQ, NE -> op;
            case LT -> BinaryOp.GT;
            case LE -> BinaryOp.GE;
            case GT -> BinaryOp.LT;
            case GE -> BinaryOp.LE;
            case SUB, DIV, POW -> null;
        };
    }

    // ------------------------------------------------------------------------------------------ float32

    private static FloatVector ld(float[] a, int i) {
        return FloatVector.fromArray(Simd.F, a, i);
    }

    static void vv(BinaryOp op, float[] a, int ai, float[] b, int bi, float[] o, int oi, int n) {
        int i = Simd.SCALAR ? 0 : vectorVV(op, a, ai, b, bi, o, oi, n);
        for (; i < n; i++) o[oi + i] = (float) op.apply(a[ai + i], b[bi + i]);
    }

    private static int vectorVV(BinaryOp op, float[] a, int ai, float[] b, int bi, float[] o, int oi, int n) {
        final int L = Simd.F.length(), end = Simd.F.loopBound(n);
        final FloatVector zero = FloatVector.zero(Simd.F), one = FloatVector.broadcast(Simd.F, 1f); // comparisons give 1 or 0
        int i = 0;
        switch (op) { // comparisons too get one loop each: compare() only compiles to SIMD for a constant operator
            case ADD -> { for (; i < end; i += L) ld(a, ai + i).add(ld(b, bi + i)).intoArray(o, oi + i); }
            case SUB -> { for (; i < end; i += L) ld(a, ai + i).sub(ld(b, bi + i)).intoArray(o, oi + i); }
            case MUL -> { for (; i < end; i += L) ld(a, ai + i).mul(ld(b, bi + i)).intoArray(o, oi + i); }
            case DIV -> { for (; i < end; i += L) ld(a, ai + i).div(ld(b, bi + i)).intoArray(o, oi + i); }
            case POW -> { for (; i < end; i += L) ld(a, ai + i).lanewise(POW, ld(b, bi + i)).intoArray(o, oi + i); }
            case MAX -> { for (; i < end; i += L) ld(a, ai + i).max(ld(b, bi + i)).intoArray(o, oi + i); }
            case MIN -> { for (; i < end; i += L) ld(a, ai + i).min(ld(b, bi + i)).intoArray(o, oi + i); }
            case EQ -> { for (; i < end; i += L) zero.blend(one, ld(a, ai + i).compare(EQ, ld(b, bi + i))).intoArray(o, oi + i); }
            case NE -> { for (; i < end; i += L) zero.blend(one, ld(a, ai + i).compare(NE, ld(b, bi + i))).intoArray(o, oi + i); }
            case LT -> { for (; i < end; i += L) zero.blend(one, ld(a, ai + i).compare(LT, ld(b, bi + i))).intoArray(o, oi + i); }
            case LE -> { for (; i < end; i += L) zero.blend(one, ld(a, ai + i).compare(LE, ld(b, bi + i))).intoArray(o, oi + i); }
            case GT -> { for (; i < end; i += L) zero.blend(one, ld(a, ai + i).compare(GT, ld(b, bi + i))).intoArray(o, oi + i); }
            case GE -> { for (; i < end; i += L) zero.blend(one, ld(a, ai + i).compare(GE, ld(b, bi + i))).intoArray(o, oi + i); }
        }
        return i;
    }

    static void vs(BinaryOp op, float[] a, int ai, float s, boolean swapped, float[] o, int oi, int n) {
        BinaryOp m = swapped ? mirrored(op) : op;
        int i = Simd.SCALAR ? 0 : m != null ? vectorVS(m, a, ai, s, o, oi, n) : vectorSV(op, s, a, ai, o, oi, n);
        if (swapped) for (; i < n; i++) o[oi + i] = (float) op.apply(s, a[ai + i]);
        else for (; i < n; i++) o[oi + i] = (float) op.apply(a[ai + i], s);
    }

    private static int vectorVS(BinaryOp op, float[] a, int ai, float s, float[] o, int oi, int n) {
        final int L = Simd.F.length(), end = Simd.F.loopBound(n);
        final FloatVector zero = FloatVector.zero(Simd.F), one = FloatVector.broadcast(Simd.F, 1f); // comparisons give 1 or 0
        int i = 0;
        switch (op) { // comparisons too get one loop each: compare() only compiles to SIMD for a constant operator
            case ADD -> { for (; i < end; i += L) ld(a, ai + i).add(s).intoArray(o, oi + i); }
            case SUB -> { for (; i < end; i += L) ld(a, ai + i).sub(s).intoArray(o, oi + i); }
            case MUL -> { for (; i < end; i += L) ld(a, ai + i).mul(s).intoArray(o, oi + i); }
            case DIV -> { for (; i < end; i += L) ld(a, ai + i).div(s).intoArray(o, oi + i); }
            case POW -> { for (; i < end; i += L) ld(a, ai + i).lanewise(POW, s).intoArray(o, oi + i); }
            case MAX -> { for (; i < end; i += L) ld(a, ai + i).max(s).intoArray(o, oi + i); }
            case MIN -> { for (; i < end; i += L) ld(a, ai + i).min(s).intoArray(o, oi + i); }
            case EQ -> { for (; i < end; i += L) zero.blend(one, ld(a, ai + i).compare(EQ, s)).intoArray(o, oi + i); }
            case NE -> { for (; i < end; i += L) zero.blend(one, ld(a, ai + i).compare(NE, s)).intoArray(o, oi + i); }
            case LT -> { for (; i < end; i += L) zero.blend(one, ld(a, ai + i).compare(LT, s)).intoArray(o, oi + i); }
            case LE -> { for (; i < end; i += L) zero.blend(one, ld(a, ai + i).compare(LE, s)).intoArray(o, oi + i); }
            case GT -> { for (; i < end; i += L) zero.blend(one, ld(a, ai + i).compare(GT, s)).intoArray(o, oi + i); }
            case GE -> { for (; i < end; i += L) zero.blend(one, ld(a, ai + i).compare(GE, s)).intoArray(o, oi + i); }
        }
        return i;
    }

    /** s - x, s / x, s ^ x: the swapped ops that have no mirror. */
    private static int vectorSV(BinaryOp op, float s, float[] a, int ai, float[] o, int oi, int n) {
        final int L = Simd.F.length(), end = Simd.F.loopBound(n);
        final FloatVector sv = FloatVector.broadcast(Simd.F, s);
        int i = 0;
        switch (op) {
            case SUB -> { for (; i < end; i += L) sv.sub(ld(a, ai + i)).intoArray(o, oi + i); }
            case DIV -> { for (; i < end; i += L) sv.div(ld(a, ai + i)).intoArray(o, oi + i); }
            case POW -> { for (; i < end; i += L) sv.lanewise(POW, ld(a, ai + i)).intoArray(o, oi + i); }
            default -> throw new AssertionError(op + " has a mirror");
        }
        return i;
    }

    /** o[i] = c[i] != 0 ? a[i] : b[i] (NaN counts as nonzero, as in the reference). */
    static void where(float[] c, int ci, float[] a, int ai, float[] b, int bi, float[] o, int oi, int n) {
        int i = 0;
        if (!Simd.SCALAR) {
            final int L = Simd.F.length(), end = Simd.F.loopBound(n);
            for (; i < end; i += L)
                ld(b, bi + i).blend(ld(a, ai + i), ld(c, ci + i).compare(NE, 0f)).intoArray(o, oi + i);
        }
        for (; i < n; i++) o[oi + i] = c[ci + i] != 0 ? a[ai + i] : b[bi + i];
    }

    // ------------------------------------------------------------------------------------------ float64

    private static DoubleVector ld(double[] a, int i) {
        return DoubleVector.fromArray(Simd.D, a, i);
    }

    static void vv(BinaryOp op, double[] a, int ai, double[] b, int bi, double[] o, int oi, int n) {
        int i = Simd.SCALAR ? 0 : vectorVV(op, a, ai, b, bi, o, oi, n);
        for (; i < n; i++) o[oi + i] = op.apply(a[ai + i], b[bi + i]);
    }

    private static int vectorVV(BinaryOp op, double[] a, int ai, double[] b, int bi, double[] o, int oi, int n) {
        final int L = Simd.D.length(), end = Simd.D.loopBound(n);
        final DoubleVector zero = DoubleVector.zero(Simd.D), one = DoubleVector.broadcast(Simd.D, 1.0); // comparisons give 1 or 0
        int i = 0;
        switch (op) { // comparisons too get one loop each: compare() only compiles to SIMD for a constant operator
            case ADD -> { for (; i < end; i += L) ld(a, ai + i).add(ld(b, bi + i)).intoArray(o, oi + i); }
            case SUB -> { for (; i < end; i += L) ld(a, ai + i).sub(ld(b, bi + i)).intoArray(o, oi + i); }
            case MUL -> { for (; i < end; i += L) ld(a, ai + i).mul(ld(b, bi + i)).intoArray(o, oi + i); }
            case DIV -> { for (; i < end; i += L) ld(a, ai + i).div(ld(b, bi + i)).intoArray(o, oi + i); }
            case POW -> { for (; i < end; i += L) ld(a, ai + i).lanewise(POW, ld(b, bi + i)).intoArray(o, oi + i); }
            case MAX -> { for (; i < end; i += L) ld(a, ai + i).max(ld(b, bi + i)).intoArray(o, oi + i); }
            case MIN -> { for (; i < end; i += L) ld(a, ai + i).min(ld(b, bi + i)).intoArray(o, oi + i); }
            case EQ -> { for (; i < end; i += L) zero.blend(one, ld(a, ai + i).compare(EQ, ld(b, bi + i))).intoArray(o, oi + i); }
            case NE -> { for (; i < end; i += L) zero.blend(one, ld(a, ai + i).compare(NE, ld(b, bi + i))).intoArray(o, oi + i); }
            case LT -> { for (; i < end; i += L) zero.blend(one, ld(a, ai + i).compare(LT, ld(b, bi + i))).intoArray(o, oi + i); }
            case LE -> { for (; i < end; i += L) zero.blend(one, ld(a, ai + i).compare(LE, ld(b, bi + i))).intoArray(o, oi + i); }
            case GT -> { for (; i < end; i += L) zero.blend(one, ld(a, ai + i).compare(GT, ld(b, bi + i))).intoArray(o, oi + i); }
            case GE -> { for (; i < end; i += L) zero.blend(one, ld(a, ai + i).compare(GE, ld(b, bi + i))).intoArray(o, oi + i); }
        }
        return i;
    }

    static void vs(BinaryOp op, double[] a, int ai, double s, boolean swapped, double[] o, int oi, int n) {
        BinaryOp m = swapped ? mirrored(op) : op;
        int i = Simd.SCALAR ? 0 : m != null ? vectorVS(m, a, ai, s, o, oi, n) : vectorSV(op, s, a, ai, o, oi, n);
        if (swapped) for (; i < n; i++) o[oi + i] = op.apply(s, a[ai + i]);
        else for (; i < n; i++) o[oi + i] = op.apply(a[ai + i], s);
    }

    private static int vectorVS(BinaryOp op, double[] a, int ai, double s, double[] o, int oi, int n) {
        final int L = Simd.D.length(), end = Simd.D.loopBound(n);
        final DoubleVector zero = DoubleVector.zero(Simd.D), one = DoubleVector.broadcast(Simd.D, 1.0); // comparisons give 1 or 0
        int i = 0;
        switch (op) { // comparisons too get one loop each: compare() only compiles to SIMD for a constant operator
            case ADD -> { for (; i < end; i += L) ld(a, ai + i).add(s).intoArray(o, oi + i); }
            case SUB -> { for (; i < end; i += L) ld(a, ai + i).sub(s).intoArray(o, oi + i); }
            case MUL -> { for (; i < end; i += L) ld(a, ai + i).mul(s).intoArray(o, oi + i); }
            case DIV -> { for (; i < end; i += L) ld(a, ai + i).div(s).intoArray(o, oi + i); }
            case POW -> { for (; i < end; i += L) ld(a, ai + i).lanewise(POW, s).intoArray(o, oi + i); }
            case MAX -> { for (; i < end; i += L) ld(a, ai + i).max(s).intoArray(o, oi + i); }
            case MIN -> { for (; i < end; i += L) ld(a, ai + i).min(s).intoArray(o, oi + i); }
            case EQ -> { for (; i < end; i += L) zero.blend(one, ld(a, ai + i).compare(EQ, s)).intoArray(o, oi + i); }
            case NE -> { for (; i < end; i += L) zero.blend(one, ld(a, ai + i).compare(NE, s)).intoArray(o, oi + i); }
            case LT -> { for (; i < end; i += L) zero.blend(one, ld(a, ai + i).compare(LT, s)).intoArray(o, oi + i); }
            case LE -> { for (; i < end; i += L) zero.blend(one, ld(a, ai + i).compare(LE, s)).intoArray(o, oi + i); }
            case GT -> { for (; i < end; i += L) zero.blend(one, ld(a, ai + i).compare(GT, s)).intoArray(o, oi + i); }
            case GE -> { for (; i < end; i += L) zero.blend(one, ld(a, ai + i).compare(GE, s)).intoArray(o, oi + i); }
        }
        return i;
    }

    private static int vectorSV(BinaryOp op, double s, double[] a, int ai, double[] o, int oi, int n) {
        final int L = Simd.D.length(), end = Simd.D.loopBound(n);
        final DoubleVector sv = DoubleVector.broadcast(Simd.D, s);
        int i = 0;
        switch (op) {
            case SUB -> { for (; i < end; i += L) sv.sub(ld(a, ai + i)).intoArray(o, oi + i); }
            case DIV -> { for (; i < end; i += L) sv.div(ld(a, ai + i)).intoArray(o, oi + i); }
            case POW -> { for (; i < end; i += L) sv.lanewise(POW, ld(a, ai + i)).intoArray(o, oi + i); }
            default -> throw new AssertionError(op + " has a mirror");
        }
        return i;
    }

    static void where(double[] c, int ci, double[] a, int ai, double[] b, int bi, double[] o, int oi, int n) {
        int i = 0;
        if (!Simd.SCALAR) {
            final int L = Simd.D.length(), end = Simd.D.loopBound(n);
            for (; i < end; i += L)
                ld(b, bi + i).blend(ld(a, ai + i), ld(c, ci + i).compare(NE, 0.0)).intoArray(o, oi + i);
        }
        for (; i < n; i++) o[oi + i] = c[ci + i] != 0 ? a[ai + i] : b[bi + i];
    }
}

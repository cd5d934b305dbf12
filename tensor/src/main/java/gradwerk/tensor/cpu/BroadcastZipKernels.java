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
 * Binary ops where one operand is a single number along the run (its stride there is 0): {@code o[i] = op(a[i], s)},
 * or with {@code swapped} {@code o[i] = op(s, a[i])}. This is {@code x - x.mean(-1, keepDim)}, a scalar
 * tensor times a tensor, {@code 1 - p}: the number is broadcast into a vector register once per run.
 *
 * <p>{@code op(s, x)} becomes {@code op'(x, s)} where that exists (add, mul, max, min, eq, ne are symmetric;
 * {@code s < x} is {@code x > s}); {@code s - x}, {@code s / x} and {@code s ^ x} have loops of their own.
 * Structure as in {@link ZipKernels}.
 */
final class BroadcastZipKernels {
    private BroadcastZipKernels() {}

    private static final int LANES_F = Simd.F.length(), LANES_D = Simd.D.length();
    private static final FloatVector ZERO_F = FloatVector.zero(Simd.F), ONE_F = FloatVector.broadcast(Simd.F, 1f);
    private static final DoubleVector ZERO_D = DoubleVector.zero(Simd.D), ONE_D = DoubleVector.broadcast(Simd.D, 1.0);

    /** op(s, x) as op'(x, s) where that exists: symmetric ops stay, comparisons mirror; else null. */
    private static BinaryOp mirrored(BinaryOp op) {
        return switch (op) {
            case ADD, MUL, MAX, MIN, EQ, NE -> op;
            case LT -> BinaryOp.GT;
            case LE -> BinaryOp.GE;
            case GT -> BinaryOp.LT;
            case GE -> BinaryOp.LE;
            case SUB, DIV, POW, RELU_BACKWARD -> null;
        };
    }

    // ------------------------------------------------------------------------------------------ float32

    static void vs(BinaryOp op, float[] a, int ai, float s, boolean swapped, float[] o, int oi, int n) {
        int i = Simd.SCALAR ? 0 : vector(swapped ? mirrored(op) : op, op, a, ai, s, o, oi, n);
        if (swapped) for (; i < n; i++) o[oi + i] = (float) op.apply(s, a[ai + i]);
        else for (; i < n; i++) o[oi + i] = (float) op.apply(a[ai + i], s);
    }

    /** m: the op to apply as op(a[i], s), or null for the swapped op(s, a[i]) of an op without a mirror. */
    private static int vector(BinaryOp m, BinaryOp op, float[] a, int ai, float s, float[] o, int oi, int n) {
        if (m == null) return switch (op) {
            case SUB -> subFrom(a, ai, s, o, oi, n);
            case DIV -> divInto(a, ai, s, o, oi, n);
            case POW -> powOf(a, ai, s, o, oi, n);
            case RELU_BACKWARD -> 0; // a gradient broadcast against a whole mask: rare, the scalar loop
            default -> throw new AssertionError(op + " has a mirror");
        };
        return switch (m) {
            case ADD -> add(a, ai, s, o, oi, n);
            case SUB -> sub(a, ai, s, o, oi, n);
            case MUL -> mul(a, ai, s, o, oi, n);
            case DIV -> div(a, ai, s, o, oi, n);
            case MAX -> max(a, ai, s, o, oi, n);
            case MIN -> min(a, ai, s, o, oi, n);
            case POW -> pow(a, ai, s, o, oi, n);
            case EQ -> eq(a, ai, s, o, oi, n);
            case NE -> ne(a, ai, s, o, oi, n);
            case LT -> lt(a, ai, s, o, oi, n);
            case LE -> le(a, ai, s, o, oi, n);
            case GT -> gt(a, ai, s, o, oi, n);
            case GE -> ge(a, ai, s, o, oi, n);
            case RELU_BACKWARD -> 0; // one mask value for the whole run: rare, the scalar loop
        };
    }

    private static FloatVector ld(float[] a, int i) {
        return FloatVector.fromArray(Simd.F, a, i);
    }

    private static int add(float[] a, int ai, float s, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ld(a, ai + i).add(s).intoArray(o, oi + i);
        return i;
    }

    private static int sub(float[] a, int ai, float s, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ld(a, ai + i).sub(s).intoArray(o, oi + i);
        return i;
    }

    private static int mul(float[] a, int ai, float s, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ld(a, ai + i).mul(s).intoArray(o, oi + i);
        return i;
    }

    private static int div(float[] a, int ai, float s, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ld(a, ai + i).div(s).intoArray(o, oi + i);
        return i;
    }

    private static int max(float[] a, int ai, float s, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ld(a, ai + i).max(s).intoArray(o, oi + i);
        return i;
    }

    private static int min(float[] a, int ai, float s, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ld(a, ai + i).min(s).intoArray(o, oi + i);
        return i;
    }

    private static int pow(float[] a, int ai, float s, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ld(a, ai + i).lanewise(POW, s).intoArray(o, oi + i);
        return i;
    }

    private static int eq(float[] a, int ai, float s, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ZERO_F.blend(ONE_F, ld(a, ai + i).compare(EQ, s)).intoArray(o, oi + i);
        return i;
    }

    private static int ne(float[] a, int ai, float s, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ZERO_F.blend(ONE_F, ld(a, ai + i).compare(NE, s)).intoArray(o, oi + i);
        return i;
    }

    private static int lt(float[] a, int ai, float s, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ZERO_F.blend(ONE_F, ld(a, ai + i).compare(LT, s)).intoArray(o, oi + i);
        return i;
    }

    private static int le(float[] a, int ai, float s, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ZERO_F.blend(ONE_F, ld(a, ai + i).compare(LE, s)).intoArray(o, oi + i);
        return i;
    }

    private static int gt(float[] a, int ai, float s, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ZERO_F.blend(ONE_F, ld(a, ai + i).compare(GT, s)).intoArray(o, oi + i);
        return i;
    }

    private static int ge(float[] a, int ai, float s, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ZERO_F.blend(ONE_F, ld(a, ai + i).compare(GE, s)).intoArray(o, oi + i);
        return i;
    }

    private static int subFrom(float[] a, int ai, float s, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) FloatVector.broadcast(Simd.F, s).sub(ld(a, ai + i)).intoArray(o, oi + i);
        return i;
    }

    private static int divInto(float[] a, int ai, float s, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) FloatVector.broadcast(Simd.F, s).div(ld(a, ai + i)).intoArray(o, oi + i);
        return i;
    }

    private static int powOf(float[] a, int ai, float s, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F)
            FloatVector.broadcast(Simd.F, s).lanewise(POW, ld(a, ai + i)).intoArray(o, oi + i);
        return i;
    }

    // ------------------------------------------------------------------------------------------ float64

    static void vs(BinaryOp op, double[] a, int ai, double s, boolean swapped, double[] o, int oi, int n) {
        int i = Simd.SCALAR ? 0 : vector(swapped ? mirrored(op) : op, op, a, ai, s, o, oi, n);
        if (swapped) for (; i < n; i++) o[oi + i] = op.apply(s, a[ai + i]);
        else for (; i < n; i++) o[oi + i] = op.apply(a[ai + i], s);
    }

    private static int vector(BinaryOp m, BinaryOp op, double[] a, int ai, double s, double[] o, int oi, int n) {
        if (m == null) return switch (op) {
            case SUB -> subFrom(a, ai, s, o, oi, n);
            case DIV -> divInto(a, ai, s, o, oi, n);
            case POW -> powOf(a, ai, s, o, oi, n);
            case RELU_BACKWARD -> 0; // a gradient broadcast against a whole mask: rare, the scalar loop
            default -> throw new AssertionError(op + " has a mirror");
        };
        return switch (m) {
            case ADD -> add(a, ai, s, o, oi, n);
            case SUB -> sub(a, ai, s, o, oi, n);
            case MUL -> mul(a, ai, s, o, oi, n);
            case DIV -> div(a, ai, s, o, oi, n);
            case MAX -> max(a, ai, s, o, oi, n);
            case MIN -> min(a, ai, s, o, oi, n);
            case POW -> pow(a, ai, s, o, oi, n);
            case EQ -> eq(a, ai, s, o, oi, n);
            case NE -> ne(a, ai, s, o, oi, n);
            case LT -> lt(a, ai, s, o, oi, n);
            case LE -> le(a, ai, s, o, oi, n);
            case GT -> gt(a, ai, s, o, oi, n);
            case GE -> ge(a, ai, s, o, oi, n);
            case RELU_BACKWARD -> 0; // one mask value for the whole run: rare, the scalar loop
        };
    }

    private static DoubleVector ld(double[] a, int i) {
        return DoubleVector.fromArray(Simd.D, a, i);
    }

    private static int add(double[] a, int ai, double s, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ld(a, ai + i).add(s).intoArray(o, oi + i);
        return i;
    }

    private static int sub(double[] a, int ai, double s, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ld(a, ai + i).sub(s).intoArray(o, oi + i);
        return i;
    }

    private static int mul(double[] a, int ai, double s, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ld(a, ai + i).mul(s).intoArray(o, oi + i);
        return i;
    }

    private static int div(double[] a, int ai, double s, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ld(a, ai + i).div(s).intoArray(o, oi + i);
        return i;
    }

    private static int max(double[] a, int ai, double s, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ld(a, ai + i).max(s).intoArray(o, oi + i);
        return i;
    }

    private static int min(double[] a, int ai, double s, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ld(a, ai + i).min(s).intoArray(o, oi + i);
        return i;
    }

    private static int pow(double[] a, int ai, double s, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ld(a, ai + i).lanewise(POW, s).intoArray(o, oi + i);
        return i;
    }

    private static int eq(double[] a, int ai, double s, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ZERO_D.blend(ONE_D, ld(a, ai + i).compare(EQ, s)).intoArray(o, oi + i);
        return i;
    }

    private static int ne(double[] a, int ai, double s, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ZERO_D.blend(ONE_D, ld(a, ai + i).compare(NE, s)).intoArray(o, oi + i);
        return i;
    }

    private static int lt(double[] a, int ai, double s, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ZERO_D.blend(ONE_D, ld(a, ai + i).compare(LT, s)).intoArray(o, oi + i);
        return i;
    }

    private static int le(double[] a, int ai, double s, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ZERO_D.blend(ONE_D, ld(a, ai + i).compare(LE, s)).intoArray(o, oi + i);
        return i;
    }

    private static int gt(double[] a, int ai, double s, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ZERO_D.blend(ONE_D, ld(a, ai + i).compare(GT, s)).intoArray(o, oi + i);
        return i;
    }

    private static int ge(double[] a, int ai, double s, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ZERO_D.blend(ONE_D, ld(a, ai + i).compare(GE, s)).intoArray(o, oi + i);
        return i;
    }

    private static int subFrom(double[] a, int ai, double s, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) DoubleVector.broadcast(Simd.D, s).sub(ld(a, ai + i)).intoArray(o, oi + i);
        return i;
    }

    private static int divInto(double[] a, int ai, double s, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) DoubleVector.broadcast(Simd.D, s).div(ld(a, ai + i)).intoArray(o, oi + i);
        return i;
    }

    private static int powOf(double[] a, int ai, double s, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D)
            DoubleVector.broadcast(Simd.D, s).lanewise(POW, ld(a, ai + i)).intoArray(o, oi + i);
        return i;
    }
}

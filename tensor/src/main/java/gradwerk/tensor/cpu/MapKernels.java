package gradwerk.tensor.cpu;

import gradwerk.tensor.UnaryOp;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;

import static jdk.incubator.vector.VectorOperators.COS;
import static jdk.incubator.vector.VectorOperators.EXP;
import static jdk.incubator.vector.VectorOperators.GE;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LOG;
import static jdk.incubator.vector.VectorOperators.LT;
import static jdk.incubator.vector.VectorOperators.POW;
import static jdk.incubator.vector.VectorOperators.SIN;
import static jdk.incubator.vector.VectorOperators.TANH;

/**
 * {@code o[oi..oi+n) = op(a[ai..ai+n))} on contiguous runs, for every {@link UnaryOp}.
 *
 * <p>Shape of every kernel: a vector loop over whole vectors, then a scalar loop for the last few elements
 * that computes exactly what the reference does ({@link UnaryOp#apply} in double precision). With
 * {@link Simd#SCALAR} the vector loop is skipped and the scalar loop does everything.
 *
 * <p>Each op has its own loop (the {@code switch} is outside the loops, not inside): the JIT then compiles each
 * loop to straight-line SIMD code, whereas a switch per vector costs 2-3x in measurements. The formulas mirror
 * {@link UnaryOp#apply} case by case; the comparison-based ones (relu, step, sign, leaky relu) use
 * compare-and-blend so that NaN and -0.0 come out as in the definition.
 */
final class MapKernels {
    private MapKernels() {}

    // ------------------------------------------------------------------------------------------ float32

    static void map(UnaryOp op, double p, double q, float[] a, int ai, float[] o, int oi, int n) {
        int i = Simd.SCALAR ? 0 : op == UnaryOp.GELU ? VectorMath.gelu(a, ai, o, oi, n)
                : vector(op, (float) p, (float) q, a, ai, o, oi, n);
        for (; i < n; i++) o[oi + i] = (float) op.apply(a[ai + i], p, q);
    }

    private static FloatVector ld(float[] a, int i) {
        return FloatVector.fromArray(Simd.F, a, i);
    }

    /** The vector part; returns how many elements it did (a multiple of the vector length). */
    private static int vector(UnaryOp op, float p, float q, float[] a, int ai, float[] o, int oi, int n) {
        final int L = Simd.F.length(), end = Simd.F.loopBound(n);
        final FloatVector zero = FloatVector.zero(Simd.F), one = FloatVector.broadcast(Simd.F, 1f);
        int i = 0;
        switch (op) {
            case NEG -> { for (; i < end; i += L) ld(a, ai + i).neg().intoArray(o, oi + i); }
            case ABS -> { for (; i < end; i += L) ld(a, ai + i).abs().intoArray(o, oi + i); }
            case EXP -> { for (; i < end; i += L) ld(a, ai + i).lanewise(EXP).intoArray(o, oi + i); }
            case LOG -> { for (; i < end; i += L) ld(a, ai + i).lanewise(LOG).intoArray(o, oi + i); }
            case SQRT -> { for (; i < end; i += L) ld(a, ai + i).sqrt().intoArray(o, oi + i); }
            case RSQRT -> { for (; i < end; i += L) one.div(ld(a, ai + i).sqrt()).intoArray(o, oi + i); }
            case SIN -> { for (; i < end; i += L) ld(a, ai + i).lanewise(SIN).intoArray(o, oi + i); }
            case COS -> { for (; i < end; i += L) ld(a, ai + i).lanewise(COS).intoArray(o, oi + i); }
            case TANH -> { for (; i < end; i += L) ld(a, ai + i).lanewise(TANH).intoArray(o, oi + i); }
            case SIGMOID -> { // as UnaryOp.sigmoid: exp of -|x| never overflows; 1/(1+e) for x >= 0, e/(1+e) below
                for (; i < end; i += L) {
                    FloatVector x = ld(a, ai + i), e = x.abs().neg().lanewise(EXP), r = one.div(one.add(e));
                    r.blend(e.mul(r), x.compare(LT, 0f)).intoArray(o, oi + i);
                }
            }
            case RELU -> {
                for (; i < end; i += L) {
                    FloatVector x = ld(a, ai + i);
                    zero.blend(x, x.compare(GT, 0f)).intoArray(o, oi + i);
                }
            }
            case POW -> {
                if (p == 2f) for (; i < end; i += L) { FloatVector x = ld(a, ai + i); x.mul(x).intoArray(o, oi + i); }
                else for (; i < end; i += L) ld(a, ai + i).lanewise(POW, p).intoArray(o, oi + i);
            }
            case CLAMP -> { for (; i < end; i += L) ld(a, ai + i).max(p).min(q).intoArray(o, oi + i); }
            case ADD_SCALAR -> { for (; i < end; i += L) ld(a, ai + i).add(p).intoArray(o, oi + i); }
            case MUL_SCALAR -> { for (; i < end; i += L) ld(a, ai + i).mul(p).intoArray(o, oi + i); }
            case LEAKY_RELU -> {
                for (; i < end; i += L) {
                    FloatVector x = ld(a, ai + i);
                    x.mul(p).blend(x, x.compare(GE, 0f)).intoArray(o, oi + i);
                }
            }
            case STEP -> { for (; i < end; i += L) zero.blend(one, ld(a, ai + i).compare(GT, 0f)).intoArray(o, oi + i); }
            case SIGN -> { // +-1 where x is nonzero; zeros and NaN stay themselves, as Math.signum
                for (; i < end; i += L) {
                    FloatVector x = ld(a, ai + i);
                    x.blend(one, x.compare(GT, 0f)).blend(one.neg(), x.compare(LT, 0f)).intoArray(o, oi + i);
                }
            }
            case SQUARE -> { for (; i < end; i += L) { FloatVector x = ld(a, ai + i); x.mul(x).intoArray(o, oi + i); } }
            case RECIPROCAL -> { for (; i < end; i += L) one.div(ld(a, ai + i)).intoArray(o, oi + i); }
            case GELU -> throw new AssertionError("gelu has its own kernel in VectorMath");
        }
        return i;
    }

    // ------------------------------------------------------------------------------------------ float64

    static void map(UnaryOp op, double p, double q, double[] a, int ai, double[] o, int oi, int n) {
        // gelu needs erf to ~1e-15 in float64: the reference's scalar Erf is that, a short vector polynomial is not
        int i = Simd.SCALAR || op == UnaryOp.GELU ? 0 : vector(op, p, q, a, ai, o, oi, n);
        for (; i < n; i++) o[oi + i] = op.apply(a[ai + i], p, q);
    }

    private static DoubleVector ld(double[] a, int i) {
        return DoubleVector.fromArray(Simd.D, a, i);
    }

    private static int vector(UnaryOp op, double p, double q, double[] a, int ai, double[] o, int oi, int n) {
        final int L = Simd.D.length(), end = Simd.D.loopBound(n);
        final DoubleVector zero = DoubleVector.zero(Simd.D), one = DoubleVector.broadcast(Simd.D, 1.0);
        int i = 0;
        switch (op) {
            case NEG -> { for (; i < end; i += L) ld(a, ai + i).neg().intoArray(o, oi + i); }
            case ABS -> { for (; i < end; i += L) ld(a, ai + i).abs().intoArray(o, oi + i); }
            case EXP -> { for (; i < end; i += L) ld(a, ai + i).lanewise(EXP).intoArray(o, oi + i); }
            case LOG -> { for (; i < end; i += L) ld(a, ai + i).lanewise(LOG).intoArray(o, oi + i); }
            case SQRT -> { for (; i < end; i += L) ld(a, ai + i).sqrt().intoArray(o, oi + i); }
            case RSQRT -> { for (; i < end; i += L) one.div(ld(a, ai + i).sqrt()).intoArray(o, oi + i); }
            case SIN -> { for (; i < end; i += L) ld(a, ai + i).lanewise(SIN).intoArray(o, oi + i); }
            case COS -> { for (; i < end; i += L) ld(a, ai + i).lanewise(COS).intoArray(o, oi + i); }
            case TANH -> { for (; i < end; i += L) ld(a, ai + i).lanewise(TANH).intoArray(o, oi + i); }
            case SIGMOID -> {
                for (; i < end; i += L) {
                    DoubleVector x = ld(a, ai + i), e = x.abs().neg().lanewise(EXP), r = one.div(one.add(e));
                    r.blend(e.div(one.add(e)), x.compare(LT, 0.0)).intoArray(o, oi + i);
                }
            }
            case RELU -> {
                for (; i < end; i += L) {
                    DoubleVector x = ld(a, ai + i);
                    zero.blend(x, x.compare(GT, 0.0)).intoArray(o, oi + i);
                }
            }
            case POW -> {
                if (p == 2.0) for (; i < end; i += L) { DoubleVector x = ld(a, ai + i); x.mul(x).intoArray(o, oi + i); }
                else for (; i < end; i += L) ld(a, ai + i).lanewise(POW, p).intoArray(o, oi + i);
            }
            case CLAMP -> { for (; i < end; i += L) ld(a, ai + i).max(p).min(q).intoArray(o, oi + i); }
            case ADD_SCALAR -> { for (; i < end; i += L) ld(a, ai + i).add(p).intoArray(o, oi + i); }
            case MUL_SCALAR -> { for (; i < end; i += L) ld(a, ai + i).mul(p).intoArray(o, oi + i); }
            case LEAKY_RELU -> {
                for (; i < end; i += L) {
                    DoubleVector x = ld(a, ai + i);
                    x.mul(p).blend(x, x.compare(GE, 0.0)).intoArray(o, oi + i);
                }
            }
            case STEP -> { for (; i < end; i += L) zero.blend(one, ld(a, ai + i).compare(GT, 0.0)).intoArray(o, oi + i); }
            case SIGN -> {
                for (; i < end; i += L) {
                    DoubleVector x = ld(a, ai + i);
                    x.blend(one, x.compare(GT, 0.0)).blend(one.neg(), x.compare(LT, 0.0)).intoArray(o, oi + i);
                }
            }
            case SQUARE -> { for (; i < end; i += L) { DoubleVector x = ld(a, ai + i); x.mul(x).intoArray(o, oi + i); } }
            case RECIPROCAL -> { for (; i < end; i += L) one.div(ld(a, ai + i)).intoArray(o, oi + i); }
            case GELU -> throw new AssertionError("float64 gelu runs the scalar loop");
        }
        return i;
    }
}

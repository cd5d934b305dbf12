package gradwerk.tensor.cpu;

import gradwerk.tensor.UnaryOp;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;

import static jdk.incubator.vector.VectorOperators.COS;
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
 * <p>Each kernel is a vector loop over whole vectors in a method of its own, followed by a scalar loop for the
 * last few elements that computes exactly what the reference does ({@link UnaryOp#apply} in double precision).
 * With {@link Simd#SCALAR} the vector loop is skipped and the scalar loop does everything.
 *
 * <p>Why one method per op and dtype, rather than one loop with a switch inside or one method with a switch
 * over loops: the JIT compiles a method when it gets hot, and Vector API code only becomes SIMD instructions if
 * its loop was already running by then. A loop in the same method that was still cold (an op not used yet)
 * gets compiled as plain calls that allocate a Java object per vector, 20-50x slower, and can stay that way.
 * In a method of its own, each loop is compiled when it is itself hot. (A switch inside the loop measured 2-3x
 * slower than separate loops.)
 *
 * <p>The formulas mirror {@link UnaryOp#apply} case by case; relu, step, sign and leaky relu use
 * compare-and-blend so that NaN and -0.0 come out as in the definition; clamp uses max/min, which follow
 * {@link Math#max} (NaN propagates).
 */
final class MapKernels {
    private MapKernels() {}

    private static final int LANES_F = Simd.F.length(), LANES_D = Simd.D.length();
    private static final FloatVector ZERO_F = FloatVector.zero(Simd.F), ONE_F = FloatVector.broadcast(Simd.F, 1f);
    private static final DoubleVector ZERO_D = DoubleVector.zero(Simd.D), ONE_D = DoubleVector.broadcast(Simd.D, 1.0);

    // ------------------------------------------------------------------------------------------ float32

    static void map(UnaryOp op, double p, double q, float[] a, int ai, float[] o, int oi, int n) {
        int i = Simd.SCALAR ? 0 : switch (op) {
            case NEG -> neg(a, ai, o, oi, n);
            case ABS -> abs(a, ai, o, oi, n);
            case EXP -> exp(a, ai, o, oi, n);
            case LOG -> log(a, ai, o, oi, n);
            case SQRT -> sqrt(a, ai, o, oi, n);
            case RSQRT -> rsqrt(a, ai, o, oi, n);
            case SIN -> sin(a, ai, o, oi, n);
            case COS -> cos(a, ai, o, oi, n);
            case TANH -> tanh(a, ai, o, oi, n);
            case SIGMOID -> sigmoid(a, ai, o, oi, n);
            case RELU -> relu(a, ai, o, oi, n);
            case POW -> p == 2 ? square(a, ai, o, oi, n) : pow(a, ai, o, oi, n, (float) p);
            case CLAMP -> clamp(a, ai, o, oi, n, (float) p, (float) q);
            case ADD_SCALAR -> addScalar(a, ai, o, oi, n, (float) p);
            case MUL_SCALAR -> mulScalar(a, ai, o, oi, n, (float) p);
            case LEAKY_RELU -> leakyRelu(a, ai, o, oi, n, (float) p);
            case STEP -> step(a, ai, o, oi, n);
            case SIGN -> sign(a, ai, o, oi, n);
            case SQUARE -> square(a, ai, o, oi, n);
            case RECIPROCAL -> reciprocal(a, ai, o, oi, n);
            case GELU -> VectorMath.gelu(a, ai, o, oi, n);
        };
        for (; i < n; i++) o[oi + i] = (float) op.apply(a[ai + i], p, q);
    }

    private static FloatVector ld(float[] a, int i) {
        return FloatVector.fromArray(Simd.F, a, i);
    }

    private static int neg(float[] a, int ai, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ld(a, ai + i).neg().intoArray(o, oi + i);
        return i;
    }

    private static int abs(float[] a, int ai, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ld(a, ai + i).abs().intoArray(o, oi + i);
        return i;
    }

    private static int exp(float[] a, int ai, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) VectorMath.exp(ld(a, ai + i)).intoArray(o, oi + i); // same bits in every tier
        return i;
    }

    private static int log(float[] a, int ai, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ld(a, ai + i).lanewise(LOG).intoArray(o, oi + i);
        return i;
    }

    private static int sqrt(float[] a, int ai, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ld(a, ai + i).sqrt().intoArray(o, oi + i);
        return i;
    }

    private static int rsqrt(float[] a, int ai, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ONE_F.div(ld(a, ai + i).sqrt()).intoArray(o, oi + i);
        return i;
    }

    private static int sin(float[] a, int ai, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ld(a, ai + i).lanewise(SIN).intoArray(o, oi + i);
        return i;
    }

    private static int cos(float[] a, int ai, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ld(a, ai + i).lanewise(COS).intoArray(o, oi + i);
        return i;
    }

    private static int tanh(float[] a, int ai, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ld(a, ai + i).lanewise(TANH).intoArray(o, oi + i);
        return i;
    }

    /** As {@link UnaryOp#sigmoid}: exp(-|x|) cannot overflow; 1/(1+e) for x &gt;= 0, e/(1+e) below. */
    private static int sigmoid(float[] a, int ai, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) {
            FloatVector x = ld(a, ai + i), e = VectorMath.exp(x.abs().neg()), r = ONE_F.div(ONE_F.add(e));
            r.blend(e.mul(r), x.compare(LT, 0f)).intoArray(o, oi + i);
        }
        return i;
    }

    private static int relu(float[] a, int ai, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) {
            FloatVector x = ld(a, ai + i);
            ZERO_F.blend(x, x.compare(GT, 0f)).intoArray(o, oi + i);
        }
        return i;
    }

    private static int pow(float[] a, int ai, float[] o, int oi, int n, float p) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ld(a, ai + i).lanewise(POW, p).intoArray(o, oi + i);
        return i;
    }

    private static int clamp(float[] a, int ai, float[] o, int oi, int n, float p, float q) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ld(a, ai + i).max(p).min(q).intoArray(o, oi + i);
        return i;
    }

    private static int addScalar(float[] a, int ai, float[] o, int oi, int n, float p) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ld(a, ai + i).add(p).intoArray(o, oi + i);
        return i;
    }

    private static int mulScalar(float[] a, int ai, float[] o, int oi, int n, float p) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ld(a, ai + i).mul(p).intoArray(o, oi + i);
        return i;
    }

    private static int leakyRelu(float[] a, int ai, float[] o, int oi, int n, float p) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) {
            FloatVector x = ld(a, ai + i);
            x.mul(p).blend(x, x.compare(GE, 0f)).intoArray(o, oi + i);
        }
        return i;
    }

    private static int step(float[] a, int ai, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ZERO_F.blend(ONE_F, ld(a, ai + i).compare(GT, 0f)).intoArray(o, oi + i);
        return i;
    }

    private static int sign(float[] a, int ai, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) {
            FloatVector x = ld(a, ai + i);
            x.blend(ONE_F, x.compare(GT, 0f)).blend(ONE_F.neg(), x.compare(LT, 0f)).intoArray(o, oi + i);
        }
        return i;
    }

    private static int square(float[] a, int ai, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) {
            FloatVector x = ld(a, ai + i);
            x.mul(x).intoArray(o, oi + i);
        }
        return i;
    }

    private static int reciprocal(float[] a, int ai, float[] o, int oi, int n) {
        int i = 0, end = Simd.F.loopBound(n);
        for (; i < end; i += LANES_F) ONE_F.div(ld(a, ai + i)).intoArray(o, oi + i);
        return i;
    }

    // ------------------------------------------------------------------------------------------ float64

    static void map(UnaryOp op, double p, double q, double[] a, int ai, double[] o, int oi, int n) {
        int i = Simd.SCALAR ? 0 : switch (op) {
            case NEG -> neg(a, ai, o, oi, n);
            case ABS -> abs(a, ai, o, oi, n);
            case EXP -> exp(a, ai, o, oi, n);
            case LOG -> log(a, ai, o, oi, n);
            case SQRT -> sqrt(a, ai, o, oi, n);
            case RSQRT -> rsqrt(a, ai, o, oi, n);
            case SIN -> sin(a, ai, o, oi, n);
            case COS -> cos(a, ai, o, oi, n);
            case TANH -> tanh(a, ai, o, oi, n);
            case SIGMOID -> sigmoid(a, ai, o, oi, n);
            case RELU -> relu(a, ai, o, oi, n);
            case POW -> p == 2 ? square(a, ai, o, oi, n) : pow(a, ai, o, oi, n, p);
            case CLAMP -> clamp(a, ai, o, oi, n, p, q);
            case ADD_SCALAR -> addScalar(a, ai, o, oi, n, p);
            case MUL_SCALAR -> mulScalar(a, ai, o, oi, n, p);
            case LEAKY_RELU -> leakyRelu(a, ai, o, oi, n, p);
            case STEP -> step(a, ai, o, oi, n);
            case SIGN -> sign(a, ai, o, oi, n);
            case SQUARE -> square(a, ai, o, oi, n);
            case RECIPROCAL -> reciprocal(a, ai, o, oi, n);
            case GELU -> 0; // float64 gelu needs erf to ~1e-15: the reference's scalar Erf (tail loop)
        };
        for (; i < n; i++) o[oi + i] = op.apply(a[ai + i], p, q);
    }

    private static DoubleVector ld(double[] a, int i) {
        return DoubleVector.fromArray(Simd.D, a, i);
    }

    private static int neg(double[] a, int ai, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ld(a, ai + i).neg().intoArray(o, oi + i);
        return i;
    }

    private static int abs(double[] a, int ai, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ld(a, ai + i).abs().intoArray(o, oi + i);
        return i;
    }

    private static int exp(double[] a, int ai, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) VectorMath.exp(ld(a, ai + i)).intoArray(o, oi + i); // same bits in every tier
        return i;
    }

    private static int log(double[] a, int ai, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ld(a, ai + i).lanewise(LOG).intoArray(o, oi + i);
        return i;
    }

    private static int sqrt(double[] a, int ai, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ld(a, ai + i).sqrt().intoArray(o, oi + i);
        return i;
    }

    private static int rsqrt(double[] a, int ai, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ONE_D.div(ld(a, ai + i).sqrt()).intoArray(o, oi + i);
        return i;
    }

    private static int sin(double[] a, int ai, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ld(a, ai + i).lanewise(SIN).intoArray(o, oi + i);
        return i;
    }

    private static int cos(double[] a, int ai, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ld(a, ai + i).lanewise(COS).intoArray(o, oi + i);
        return i;
    }

    private static int tanh(double[] a, int ai, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ld(a, ai + i).lanewise(TANH).intoArray(o, oi + i);
        return i;
    }

    /** As {@link UnaryOp#sigmoid}: exp(-|x|) cannot overflow; 1/(1+e) for x &gt;= 0, e/(1+e) below. */
    private static int sigmoid(double[] a, int ai, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) {
            DoubleVector x = ld(a, ai + i), e = VectorMath.exp(x.abs().neg()), r = ONE_D.div(ONE_D.add(e));
            r.blend(e.div(ONE_D.add(e)), x.compare(LT, 0.0)).intoArray(o, oi + i);
        }
        return i;
    }

    private static int relu(double[] a, int ai, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) {
            DoubleVector x = ld(a, ai + i);
            ZERO_D.blend(x, x.compare(GT, 0.0)).intoArray(o, oi + i);
        }
        return i;
    }

    private static int pow(double[] a, int ai, double[] o, int oi, int n, double p) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ld(a, ai + i).lanewise(POW, p).intoArray(o, oi + i);
        return i;
    }

    private static int clamp(double[] a, int ai, double[] o, int oi, int n, double p, double q) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ld(a, ai + i).max(p).min(q).intoArray(o, oi + i);
        return i;
    }

    private static int addScalar(double[] a, int ai, double[] o, int oi, int n, double p) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ld(a, ai + i).add(p).intoArray(o, oi + i);
        return i;
    }

    private static int mulScalar(double[] a, int ai, double[] o, int oi, int n, double p) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ld(a, ai + i).mul(p).intoArray(o, oi + i);
        return i;
    }

    private static int leakyRelu(double[] a, int ai, double[] o, int oi, int n, double p) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) {
            DoubleVector x = ld(a, ai + i);
            x.mul(p).blend(x, x.compare(GE, 0.0)).intoArray(o, oi + i);
        }
        return i;
    }

    private static int step(double[] a, int ai, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ZERO_D.blend(ONE_D, ld(a, ai + i).compare(GT, 0.0)).intoArray(o, oi + i);
        return i;
    }

    private static int sign(double[] a, int ai, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) {
            DoubleVector x = ld(a, ai + i);
            x.blend(ONE_D, x.compare(GT, 0.0)).blend(ONE_D.neg(), x.compare(LT, 0.0)).intoArray(o, oi + i);
        }
        return i;
    }

    private static int square(double[] a, int ai, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) {
            DoubleVector x = ld(a, ai + i);
            x.mul(x).intoArray(o, oi + i);
        }
        return i;
    }

    private static int reciprocal(double[] a, int ai, double[] o, int oi, int n) {
        int i = 0, end = Simd.D.loopBound(n);
        for (; i < end; i += LANES_D) ONE_D.div(ld(a, ai + i)).intoArray(o, oi + i);
        return i;
    }
}

package gradwerk.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

import static jdk.incubator.vector.VectorOperators.EXP;
import static jdk.incubator.vector.VectorOperators.LT;

/**
 * Functions the Vector API does not have: the error function, for float32 gelu.
 *
 * <p>{@code gelu(x) = x/2 (1 + erf(x/sqrt 2))}. With {@code y = |x|/sqrt 2}:
 * <ul>
 *   <li>{@code y < 1}: {@code erf(y) = y P(y^2)}, P of degree 6 (fitted; error 1e-9 before rounding);</li>
 *   <li>{@code y >= 1}: {@code erfc(y) = exp(-y^2) R(1/(1 + y/2))}, R of degree 8 (fitted on [1, 10];
 *       relative error 8e-9 before rounding; past y = 10 erfc is below float32's range anyway).</li>
 * </ul>
 * For {@code x < 0} the bracket is {@code 1 - erf(y) = erfc(y)}, which the second form gives without the
 * cancellation of computing {@code 1 + erf}. Evaluated in float32 with fused multiply-adds, erf has an absolute
 * error below 1e-7 (about one float32 ulp), checked against the float64 {@link gradwerk.tensor.Erf} in the tests.
 * Both forms are computed for every lane and blended: branches per lane would cost more.
 */
final class VectorMath {
    private VectorMath() {}

    private static final float INV_SQRT2 = (float) (1 / Math.sqrt(2));
    /** erf(y)/y = A0 + A1 t + ... + A6 t^6, t = y^2; A0 (about 2/sqrt(pi)) is split in two floats. */
    private static final double A0 = 1.1283791665100467;
    private static final float A0_HI = (float) A0, A0_LO = (float) (A0 - A0_HI);
    private static final float A1 = -0.3761262884331417f, A2 = 0.11283612428167586f, A3 = -0.026854808534787722f,
            A4 = 0.005190053574016168f, A5 = -0.0008024354099452624f, A6 = 7.898210120119153e-05f;
    /** erfc(y) exp(y^2) = B0 + B1 u + ... + B8 u^8, u = 1/(1 + y/2). */
    private static final float B0 = -3.14414129131439e-06f, B1 = 0.2821754282479288f, B2 = 0.2812439539450589f,
            B3 = 0.25149260691108927f, B4 = 0.1632276517269139f, B5 = 0.09405429846218448f,
            B6 = 0.039934132868874796f, B7 = -0.19590766998600898f, B8 = 0.08426838800326511f;

    private static FloatVector c(float v) {
        return FloatVector.broadcast(Simd.F, v);
    }

    /** erf(y) for 0 &lt;= y &lt; 1 (other lanes get values of no use). */
    private static FloatVector erfNear(FloatVector y) {
        FloatVector t = y.mul(y);
        FloatVector q = c(A6).fma(t, c(A5)).fma(t, c(A4)).fma(t, c(A3)).fma(t, c(A2)).fma(t, c(A1));
        return y.fma(c(A0_HI), y.fma(c(A0_LO), y.mul(t).mul(q)));
    }

    /** erfc(y) for y &gt;= 1 (other lanes get values of no use). */
    private static FloatVector erfcFar(FloatVector y) {
        FloatVector one = c(1f), u = one.div(y.fma(c(0.5f), one));
        FloatVector r = c(B8).fma(u, c(B7)).fma(u, c(B6)).fma(u, c(B5)).fma(u, c(B4)).fma(u, c(B3)).fma(u, c(B2))
                .fma(u, c(B1)).fma(u, c(B0));
        return y.mul(y).neg().lanewise(EXP).mul(r);
    }

    /** erf(x) lane by lane (used by the tests to check the approximation directly). */
    static FloatVector erf(FloatVector x) {
        FloatVector y = x.abs(), one = c(1f);
        FloatVector e = erfNear(y).blend(one.sub(erfcFar(y)), y.compare(LT, 1f).not());
        return e.blend(e.neg(), x.compare(LT, 0f));
    }

    /** o[oi..oi+n) = gelu(a[ai..ai+n)) for whole vectors; returns how many elements it did. */
    static int gelu(float[] a, int ai, float[] o, int oi, int n) {
        final int L = Simd.F.length(), end = Simd.F.loopBound(n);
        int i = 0;
        for (; i < end; i += L) {
            FloatVector x = FloatVector.fromArray(Simd.F, a, ai + i), y = x.abs().mul(INV_SQRT2), one = c(1f);
            FloatVector erf = erfNear(y), erfc = erfcFar(y);
            VectorMask<Float> far = y.compare(LT, 1f).not();
            FloatVector plus = one.add(erf).blend(c(2f).sub(erfc), far); // 1 + erf(y)
            FloatVector minus = one.sub(erf).blend(erfc, far); //           1 - erf(y)
            x.mul(0.5f).mul(plus.blend(minus, x.compare(LT, 0f))).intoArray(o, oi + i);
        }
        return i;
    }
}

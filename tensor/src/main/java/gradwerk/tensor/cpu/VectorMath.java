package gradwerk.tensor.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import static jdk.incubator.vector.VectorOperators.LT;

/**
 * Functions the Vector API does not have, or not with the same bits in every JIT tier: the error function, for
 * float32 gelu, and exp.
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
        return exp(y.mul(y).neg()).mul(r);
    }

    /** erf(x) lane by lane (used by the tests to check the approximation directly). */
    static FloatVector erf(FloatVector x) {
        FloatVector y = x.abs(), one = c(1f);
        FloatVector e = erfNear(y).blend(one.sub(erfcFar(y)), y.compare(LT, 1f).not());
        return e.blend(e.neg(), x.compare(LT, 0f));
    }

    // ------------------------------------------------------------------------------------------- exp

    /*
     * exp(x) = 2^k · e^r with k = round(x / ln 2) and r = x - k ln 2 (ln 2 split in two floats, Cody and Waite), so
     * |r| <= ln(2)/2; e^r = 1 + r + r² P(r), P of degree 5 (the coefficients of Cephes' expf). 2^k is built from
     * its exponent bits, as two factors 2^(k/2) and 2^(k - k/2) so that results that overflow to infinity or
     * underflow into subnormals come out right. Relative error about 1 ulp (ExpTest checks it against Math.exp).
     *
     * Everything here is IEEE arithmetic that Java defines exactly (multiply, add, fused multiply-add, float to int
     * of an integral value, bit shifts), so the interpreter, C1 and C2 give the same bits, and the scalar version
     * below gives the same bits as a vector lane. The Vector API's lanewise(EXP) does not: C2 calls Intel's SVML,
     * which differs in the last bit from the Math.exp that the other tiers use, so results changed when the JIT
     * compiled a kernel.
     */
    private static final float LOG2E = 1.44269504088896341f, LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float E5 = 1.9875691500e-4f, E4 = 1.3981999507e-3f, E3 = 8.3334519073e-3f,
            E2 = 4.1665795894e-2f, E1 = 1.6666665459e-1f, E0 = 5.0000001201e-1f;
    /** Below this exp(x) rounds to 0, above the other it is infinite (the clamp keeps 2^k's halves in range). */
    private static final float EXP_MIN = -104f, EXP_MAX = 89f;
    /** 1.5 · 2^23: adding and subtracting it rounds a float of magnitude below 2^22 to an integer (ties to even). */
    private static final float ROUND = 12582912f;

    /** e^x lane by lane, the same bits in every JIT tier; NaN stays NaN. */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector kf = xc.mul(LOG2E).add(ROUND).sub(ROUND);
        FloatVector r = kf.fma(c(-LN2_HI), xc);
        r = kf.fma(c(-LN2_LO), r);
        FloatVector p = c(E5).fma(r, c(E4)).fma(r, c(E3)).fma(r, c(E2)).fma(r, c(E1)).fma(r, c(E0));
        FloatVector y = r.mul(r).fma(p, r).add(1f);
        IntVector k = (IntVector) kf.convert(VectorOperators.F2I, 0);
        IntVector k1 = k.lanewise(VectorOperators.ASHR, 1), k2 = k.sub(k1);
        FloatVector s1 = k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = k2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return y.mul(s1).mul(s2); // a NaN x stays NaN through the clamp, r and y, whatever k becomes
    }

    /** {@link #exp(FloatVector)} for one float, with the same operations in the same order: the same bits. */
    static float exp(float x) {
        float xc = Math.min(Math.max(x, EXP_MIN), EXP_MAX);
        float kf = xc * LOG2E + ROUND - ROUND;
        float r = Math.fma(kf, -LN2_HI, xc);
        r = Math.fma(kf, -LN2_LO, r);
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(E5, r, E4), r, E3), r, E2), r, E1), r, E0);
        float y = Math.fma(r * r, p, r) + 1f;
        int k = (int) kf, k1 = k >> 1, k2 = k - k1; // a NaN kf gives k = 0 here, and any k leaves y NaN
        return y * Float.intBitsToFloat((k1 + 127) << 23) * Float.intBitsToFloat((k2 + 127) << 23);
    }

    /** o[oi..oi+n) = exp(a[ai..ai+n) - shift), vectors and then the tail, all with the same bits. */
    static void exp(float[] a, int ai, float shift, float[] o, int oi, int n) {
        int i = 0;
        if (!Simd.SCALAR)
            for (int end = Simd.F.loopBound(n); i < end; i += Simd.F.length())
                exp(FloatVector.fromArray(Simd.F, a, ai + i).sub(shift)).intoArray(o, oi + i);
        for (; i < n; i++) o[oi + i] = exp(a[ai + i] - shift);
    }

    /*
     * The same for float64: ln 2 split in two doubles, e^r = 1 + (r + r² Q(r)), Q(r) = 1/2! + r/3! + ... + r¹⁰/12!
     * (Horner, with fused multiply-adds; the first omitted term is below 2e-16 relative for |r| <= ln(2)/2; the 1 is
     * added last so that the rounding of the terms before it counts at their own, smaller, scale), 2^k in two halves.
     */
    private static final double LOG2E_D = 1.4426950408889634, LN2_HI_D = 0.6931471803691238,
            LN2_LO_D = 1.9082149292705877e-10, EXP_MIN_D = -746, EXP_MAX_D = 710, ROUND_D = 6755399441055744.0;
    private static final double[] TAYLOR = new double[13]; // 1/j!
    static {
        TAYLOR[0] = 1;
        for (int j = 1; j < TAYLOR.length; j++) TAYLOR[j] = TAYLOR[j - 1] / j;
    }

    /** e^x lane by lane in float64, the same bits in every JIT tier; NaN stays NaN. */
    static DoubleVector exp(DoubleVector x) {
        DoubleVector xc = x.max(EXP_MIN_D).min(EXP_MAX_D);
        DoubleVector kf = xc.mul(LOG2E_D).add(ROUND_D).sub(ROUND_D);
        DoubleVector r = kf.fma(DoubleVector.broadcast(x.species(), -LN2_HI_D), xc);
        r = kf.fma(DoubleVector.broadcast(x.species(), -LN2_LO_D), r);
        DoubleVector q = DoubleVector.broadcast(x.species(), TAYLOR[12]);
        for (int j = 11; j >= 2; j--) q = q.fma(r, DoubleVector.broadcast(x.species(), TAYLOR[j]));
        DoubleVector p = r.mul(r).fma(q, r).add(1.0);
        LongVector k = (LongVector) kf.convert(VectorOperators.D2L, 0);
        LongVector k1 = k.lanewise(VectorOperators.ASHR, 1), k2 = k.sub(k1);
        DoubleVector s1 = k1.add(1023).lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
        DoubleVector s2 = k2.add(1023).lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
        return p.mul(s1).mul(s2);
    }

    /** {@link #exp(DoubleVector)} for one double: the same bits. */
    static double exp(double x) {
        double xc = Math.min(Math.max(x, EXP_MIN_D), EXP_MAX_D);
        double kf = xc * LOG2E_D + ROUND_D - ROUND_D;
        double r = Math.fma(kf, -LN2_HI_D, xc);
        r = Math.fma(kf, -LN2_LO_D, r);
        double q = TAYLOR[12];
        for (int j = 11; j >= 2; j--) q = Math.fma(q, r, TAYLOR[j]);
        double p = Math.fma(r * r, q, r) + 1.0;
        long k = (long) kf, k1 = k >> 1, k2 = k - k1;
        return p * Double.longBitsToDouble((k1 + 1023) << 52) * Double.longBitsToDouble((k2 + 1023) << 52);
    }

    /** o[oi..oi+n) = exp(a[ai..ai+n)) in float64, vectors and then the tail, all with the same bits. */
    static void exp(double[] a, int ai, double[] o, int oi, int n) {
        int i = 0;
        if (!Simd.SCALAR)
            for (int end = Simd.D.loopBound(n); i < end; i += Simd.D.length())
                exp(DoubleVector.fromArray(Simd.D, a, ai + i)).intoArray(o, oi + i);
        for (; i < n; i++) o[oi + i] = exp(a[ai + i]);
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

package gradwerk.tensor.cpu;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link VectorMath#exp}: float32 within 1 ulp of the correctly rounded e^x, float64 within 2 ulps, and the vector
 * lanes equal the scalar version.
 */
class ExpTest {
    /** |ours - exact| in units of the last place of the float32 result (subnormal results: of Float.MIN_VALUE). */
    private static double ulps(float x) {
        double exact = Math.exp(x);
        float ours = VectorMath.exp(x);
        return Math.abs(ours - exact) / Math.ulp((float) exact);
    }

    @Test
    void withinOneUlpAcrossTheWholeRange() {
        double worst = 0;
        float worstAt = 0;
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < 2_000_000; i++) {
            float x = i < 1_000_000 ? -104f + 193f * i / 1_000_000 : (float) (r.nextDouble() * 2 - 1); // and near 0
            double u = ulps(x);
            if (u > worst) { worst = u; worstAt = x; }
        }
        assertTrue(worst <= 1.0, "worst error " + worst + " ulp at x = " + worstAt);
    }

    @Test
    void float64WithinTwoUlpsOfStrictMath() {
        double worst = 0, worstAt = 0;
        SplittableRandom r = new SplittableRandom(6);
        for (int i = 0; i < 2_000_000; i++) {
            double x = i < 1_000_000 ? -745 + 1454.0 * i / 1_000_000 : r.nextDouble() * 2 - 1;
            double exact = StrictMath.exp(x), u = Math.abs(VectorMath.exp(x) - exact) / Math.ulp(exact);
            if (u > worst) { worst = u; worstAt = x; }
        }
        assertTrue(worst <= 2.0, "worst error " + worst + " ulp at x = " + worstAt); // StrictMath itself is < 1 ulp
        assertEquals(1.0, VectorMath.exp(0.0));
        assertTrue(Double.isNaN(VectorMath.exp(Double.NaN)));
        assertEquals(Double.POSITIVE_INFINITY, VectorMath.exp(710.0));
        assertEquals(0.0, VectorMath.exp(Double.NEGATIVE_INFINITY));
        assertTrue(VectorMath.exp(-740.0) > 0 && VectorMath.exp(-740.0) < Double.MIN_NORMAL, "a subnormal result");
        int n = 3 * 64 + 7;
        double[] a = new double[n], o = new double[n];
        for (int i = 0; i < n; i++) a[i] = r.nextDouble() * 1500 - 760;
        VectorMath.exp(a, 0, o, 0, n);
        for (int i = 0; i < n; i++)
            assertEquals(Double.doubleToLongBits(VectorMath.exp(a[i])), Double.doubleToLongBits(o[i]), "x = " + a[i]);
    }

    @Test
    void specialValues() {
        assertEquals(1f, VectorMath.exp(0f));
        assertEquals(1f, VectorMath.exp(-0f));
        assertTrue(Float.isNaN(VectorMath.exp(Float.NaN)));
        assertEquals(Float.POSITIVE_INFINITY, VectorMath.exp(Float.POSITIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, VectorMath.exp(89f));
        assertEquals(0f, VectorMath.exp(Float.NEGATIVE_INFINITY));
        assertEquals(0f, VectorMath.exp(-200f));
        assertEquals((float) Math.exp(88.7f), VectorMath.exp(88.7f), Math.ulp((float) Math.exp(88.7f)));
        assertTrue(VectorMath.exp(-100f) > 0 && VectorMath.exp(-100f) < Float.MIN_NORMAL, "a subnormal result");
    }

    @Test
    void vectorLanesGiveTheScalarBits() {
        int n = 3 * 64 + 7; // whole vectors at every width, and a tail
        float[] a = new float[n], o = new float[n];
        SplittableRandom r = new SplittableRandom(9);
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextDouble() * 200 - 110);
        a[3] = Float.NaN;
        a[4] = Float.POSITIVE_INFINITY;
        a[5] = Float.NEGATIVE_INFINITY;
        VectorMath.exp(a, 0, 0f, o, 0, n);
        for (int i = 0; i < n; i++)
            assertEquals(Float.floatToIntBits(VectorMath.exp(a[i])), Float.floatToIntBits(o[i]), "x = " + a[i]); // any NaN is NaN
    }
}

package gradwerk.tensor.cpu;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The GEMM breakdown benchmark measures what it says: its sweep computes real products, and it rejects bad sizes. */
class GemmBenchTest {

    /** One sweep onto a zero C leaves, in every tile it visits, the product of the A and B micro-panels it read. */
    @Test
    void sweepWritesTheProductOfThePanelsIntoEveryTileOfC() {
        if (Simd.SCALAR) { // no register tile without the Vector API: the breakdown must say so, not measure nonsense
            assertThrows(IllegalStateException.class, () -> GemmBench.breakdown(1024, 1));
            return;
        }
        int n = GemmF32.NB * 2, kc = GemmF32.KC, mc = GemmF32.MC, mr = GemmF32.MR, nr = GemmF32.NR;
        var rng = new SplittableRandom(7);
        float[] aPack = new float[kc * mc], bPack = new float[kc * n], c = new float[n * n];
        for (int i = 0; i < aPack.length; i++) aPack[i] = (float) rng.nextDouble(-1, 1);
        for (int i = 0; i < bPack.length; i++) bPack[i] = (float) rng.nextDouble(-1, 1);
        GemmBench.sweep(n, aPack, bPack, c, false);
        int rowsCovered = n / mc * mc;
        for (int i : new int[] {0, 1, mr + 2, rowsCovered - 1})
            for (int j : new int[] {0, nr - 1, nr + 3, n - 1}) {
                int ir = i % mc / mr * mr, r = i % mc - ir, jr = j / nr * nr, q = j - jr;
                double expected = 0;
                for (int p = 0; p < kc; p++)
                    expected += (double) aPack[ir / mr * (kc * mr) + p * mr + r] * bPack[jr / nr * (kc * nr) + p * nr + q];
                assertEquals(expected, c[i * n + j], 1e-3 * kc, "C(" + i + "," + j + ")");
            }
        if (rowsCovered < n) assertEquals(0f, c[rowsCovered * n], "rows past the last full MC block are untouched");
    }

    @Test
    void breakdownReportsThreePositiveRates() {
        if (Simd.SCALAR) {
            assertThrows(IllegalStateException.class, () -> GemmBench.breakdown(1024, 1));
            return;
        }
        double[] g = GemmBench.breakdown(GemmF32.NB, 1);
        assertEquals(3, g.length);
        for (double x : g) assertTrue(x > 0 && Double.isFinite(x), "GFLOPS " + x);
    }

    @Test
    void breakdownRejectsSizesItCannotSweep() {
        if (Simd.SCALAR) {
            assertThrows(IllegalStateException.class, () -> GemmBench.breakdown(1024, 1));
            return;
        }
        var e = assertThrows(IllegalArgumentException.class, () -> GemmBench.breakdown(GemmF32.NR + 1, 1));
        assertTrue(e.getMessage().contains("GemmBench.breakdown"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GemmBench.breakdown(1024, 0));
    }
}

package gradwerk.ddanet.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SplitMix64Test {
    @Test
    void matchesTheReferenceSequence() {
        // First outputs of Vigna's splitmix64.c for seed 1234567.
        SplitMix64 r = new SplitMix64(1234567);
        assertEquals(6457827717110365317L, r.nextLong());
        assertEquals(3203168211198807973L, r.nextLong());
        assertEquals(Long.parseUnsignedLong("9817491932198370423"), r.nextLong());
        assertEquals(4593380528125082431L, r.nextLong());
        assertEquals(Long.parseUnsignedLong("16408922859458223821"), r.nextLong());
    }

    @Test
    void uniformAndGaussianMoments() {
        SplitMix64 r = new SplitMix64(7);
        int n = 200_000;
        double su = 0, sg = 0, sg2 = 0;
        for (int i = 0; i < n; i++) {
            double u = r.nextDouble();
            assertTrue(u >= 0 && u < 1);
            su += u;
            double g = r.gaussian();
            sg += g;
            sg2 += g * g;
        }
        assertEquals(0.5, su / n, 0.005);
        assertEquals(0, sg / n, 0.01);
        assertEquals(1, sg2 / n, 0.02);
    }

    @Test
    void derivedStreamsDiffer() {
        assertNotEquals(SplitMix64.derive(1, 0, 1).nextLong(), SplitMix64.derive(1, 1, 1).nextLong());
        assertNotEquals(SplitMix64.derive(1, 0, 1).nextLong(), SplitMix64.derive(1, 0, 2).nextLong());
        assertNotEquals(SplitMix64.derive(1, 0, 1).nextLong(), SplitMix64.derive(2, 0, 1).nextLong());
        assertEquals(SplitMix64.derive(1, 5, 1).nextLong(), SplitMix64.derive(1, 5, 1).nextLong());
    }
}

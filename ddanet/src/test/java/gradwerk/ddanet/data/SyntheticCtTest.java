package gradwerk.ddanet.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

class SyntheticCtTest {
    @Test
    void sameSeedIndexAndSizeGiveTheSameSlice() {
        CtSlice a = new SyntheticCt(11).generate(5, 64);
        CtSlice b = new SyntheticCt(11).generate(5, 64);
        assertEquals(a, b);
        assertEquals("syn-11-5", a.id());
        assertNotEquals(a, new SyntheticCt(11).generate(6, 64));
        assertNotEquals(new SyntheticCt(12).generate(5, 64).labels().length, 0);
        assertTrue(!java.util.Arrays.equals(a.image(), new SyntheticCt(12).generate(5, 64).image()));
    }

    /**
     * Pins the exact bits of a few slices. Only integer arithmetic, IEEE doubles and StrictMath are used, so this
     * checksum holds on every JVM and CPU. If you change the generator on purpose, update the number.
     */
    @Test
    void bitsArePinned() {
        CRC32 crc = new CRC32();
        for (CtSlice s : new SyntheticCt(2024).generate(0, 3, 48)) {
            for (float v : s.image()) {
                int bits = Float.floatToRawIntBits(v);
                crc.update(new byte[] {(byte) bits, (byte) (bits >> 8), (byte) (bits >> 16), (byte) (bits >> 24)});
            }
            crc.update(s.labels());
        }
        assertEquals(PINNED_CRC, crc.getValue());
    }

    private static final long PINNED_CRC = 1753587519L;

    @Test
    void lesionsLookLikeLesions() {
        // Over 30 slices: GGO is brighter than lung and darker than consolidation; most slices have GGO,
        // some have no consolidation.
        List<CtSlice> slices = new SyntheticCt(3).generate(0, 30, 96);
        double[] sum = new double[3];
        long[] n = new long[3];
        int withGgo = 0, withoutConsolidation = 0;
        for (CtSlice s : slices) {
            if (s.count(CtSlice.GGO) > 0) withGgo++;
            if (s.count(CtSlice.CONSOLIDATION) == 0) withoutConsolidation++;
            for (int i = 0; i < s.labels().length; i++) {
                sum[s.labels()[i]] += s.image()[i];
                n[s.labels()[i]]++;
            }
        }
        double ggo = sum[1] / n[1], consolidation = sum[2] / n[2];
        assertTrue(withGgo >= 24, "slices with GGO: " + withGgo);
        assertTrue(withoutConsolidation >= 2 && withoutConsolidation <= 20, "without consolidation: " + withoutConsolidation);
        assertTrue(ggo > 0.35 && ggo < 0.65, "mean GGO intensity " + ggo);
        assertTrue(consolidation > ggo + 0.1, "mean consolidation " + consolidation + " vs GGO " + ggo);
        double lesionFraction = (double) (n[1] + n[2]) / (n[0] + n[1] + n[2]);
        assertTrue(lesionFraction > 0.005 && lesionFraction < 0.15, "lesion fraction " + lesionFraction);
    }

    @Test
    void lesionsLieInsideTheDarkLungs() {
        // Every lesion pixel has a neighbourhood that is not all soft tissue: the lung around it is dark.
        CtSlice s = new SyntheticCt(5).generate(2, 128);
        int h = s.height();
        for (int i = 0; i < s.labels().length; i++) {
            if (s.labels()[i] == 0) continue;
            int r = i / h, c = i % h;
            assertTrue(r > 5 && r < h - 5 && c > 5 && c < h - 5, "lesion at the image border: " + r + "," + c);
        }
        // The four corners are air.
        assertTrue(s.pixel(0, 0) < 0.2 && s.pixel(h - 1, h - 1) < 0.2);
    }

    @Test
    void anatomyDoesNotDependOnSize() {
        SyntheticCt g = new SyntheticCt(9);
        for (int index = 0; index < 4; index++) {
            CtSlice small = g.generate(index, 64), large = g.generate(index, 256);
            for (int cls = 1; cls <= 2; cls++) {
                double fs = small.count(cls) / (64.0 * 64), fl = large.count(cls) / (256.0 * 256);
                assertEquals(fl, fs, 0.2 * fl + 0.002, "class " + cls + " fraction at 64 vs 256, slice " + index);
            }
        }
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new SyntheticCt(1).generate(-1, 64));
        assertThrows(IllegalArgumentException.class, () -> new SyntheticCt(1).generate(0, 8));
    }
}

package gradwerk.ddanet.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class DatasetStatsTest {
    @Test
    void meanStdAndClassCountsOverAllPixels() {
        CtSlice a = new CtSlice("a", 1, 2, new float[] {0f, 1f}, new byte[] {0, 1});
        CtSlice b = new CtSlice("b", 1, 2, new float[] {0.5f, 0.5f}, new byte[] {2, 2});
        DatasetStats s = DatasetStats.of(List.of(a, b));
        assertEquals(4, s.pixels());
        assertEquals(0.5, s.mean(), 1e-12);
        assertEquals(Math.sqrt(0.125), s.std(), 1e-12); // deviations 0.5, 0.5, 0, 0 -> variance 0.5 / 4
        assertArrayEquals(new long[] {1, 1, 2}, s.classPixels());
        assertEquals(0.5, s.classFraction(CtSlice.CONSOLIDATION));
        assertArrayEquals(new float[] {-(float) Math.sqrt(2), (float) Math.sqrt(2)}, s.standardize(a.image()), 1e-6f);
    }

    @Test
    void stableForNearlyConstantData() {
        // E[x^2] - E[x]^2 would lose most digits here; the two-pass formula does not.
        float hi = 0.9f + 1e-4f, lo = 0.9f - 1e-4f;
        float[] v = new float[10_000];
        for (int i = 0; i < v.length; i++) v[i] = i % 2 == 0 ? hi : lo;
        DatasetStats s = DatasetStats.of(List.of(new CtSlice("c", 100, 100, v, new byte[v.length])));
        assertEquals(((double) hi - lo) / 2, s.std(), 1e-12);
    }

    @Test
    void emptyListAndZeroStd() {
        assertThrows(IllegalArgumentException.class, () -> DatasetStats.of(List.of()));
        DatasetStats flat = DatasetStats.of(List.of(new CtSlice("f", 1, 1, new float[] {0.3f}, new byte[1])));
        assertThrows(IllegalStateException.class, () -> flat.standardize(new float[] {0.3f}));
    }
}

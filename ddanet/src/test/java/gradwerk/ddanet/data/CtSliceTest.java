package gradwerk.ddanet.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CtSliceTest {
    @Test
    void validatesLengthsRangeAndLabels() {
        var len = assertThrows(IllegalArgumentException.class, () -> new CtSlice("x", 2, 2, new float[3], new byte[4]));
        assertTrue(len.getMessage().contains("image has 3 values"), len.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new CtSlice("x", 2, 2, new float[4], new byte[5]));
        assertThrows(IllegalArgumentException.class, () -> new CtSlice("x", 0, 2, new float[0], new byte[0]));
        var lab = assertThrows(IllegalArgumentException.class,
                () -> new CtSlice("x", 1, 2, new float[2], new byte[] {0, 3}));
        assertTrue(lab.getMessage().contains("label 3 at (row 0, col 1)"), lab.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new CtSlice("x", 1, 1, new float[] {1.5f}, new byte[1]));
        assertThrows(IllegalArgumentException.class, () -> new CtSlice("x", 1, 1, new float[] {Float.NaN}, new byte[1]));
    }

    @Test
    void accessorsAndContentEquality() {
        CtSlice s = new CtSlice("s", 2, 2, new float[] {0, 0.25f, 0.5f, 1}, new byte[] {0, 1, 2, 2});
        assertEquals(0.5f, s.pixel(1, 0));
        assertEquals(2, s.label(1, 1));
        assertEquals(2, s.count(CtSlice.CONSOLIDATION));
        CtSlice same = new CtSlice("s", 2, 2, new float[] {0, 0.25f, 0.5f, 1}, new byte[] {0, 1, 2, 2});
        assertEquals(s, same);
        assertEquals(s.hashCode(), same.hashCode());
        assertNotEquals(s, new CtSlice("s", 2, 2, new float[] {0, 0.25f, 0.5f, 1}, new byte[] {0, 1, 2, 0}));
    }
}

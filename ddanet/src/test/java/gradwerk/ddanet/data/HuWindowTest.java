package gradwerk.ddanet.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import org.junit.jupiter.api.Test;

class HuWindowTest {
    @Test
    void lungWindowMapsItsEndsAndCenter() {
        HuWindow w = HuWindow.LUNG;
        assertEquals(-1350, w.lower());
        assertEquals(150, w.upper());
        assertEquals(0f, w.apply(-1350));
        assertEquals(0f, w.apply(-3000));
        assertEquals(0.5f, w.apply(-600));
        assertEquals(1f, w.apply(150));
        assertEquals(1f, w.apply(3000));
        assertEquals(0f, w.apply(Double.NaN));
        assertArrayEquals(new float[] {0f, 0.25f, 1f}, new HuWindow(0, 4).apply(new float[] {-5f, -1f, 7f}));
    }

    @Test
    void rejectsNonPositiveWidth() {
        assertThrows(IllegalArgumentException.class, () -> new HuWindow(0, 0));
        assertThrows(IllegalArgumentException.class, () -> new HuWindow(0, -10));
        assertThrows(IllegalArgumentException.class, () -> new HuWindow(Double.NaN, 10));
    }

    @Property(tries = 200)
    boolean isMonotoneAndInUnitRange(@ForAll @DoubleRange(min = -4000, max = 4000) double a,
                                     @ForAll @DoubleRange(min = -4000, max = 4000) double b) {
        float fa = HuWindow.LUNG.apply(a), fb = HuWindow.LUNG.apply(b);
        return fa >= 0 && fa <= 1 && (a <= b ? fa <= fb : fa >= fb);
    }
}

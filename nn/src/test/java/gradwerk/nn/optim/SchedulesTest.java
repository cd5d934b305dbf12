package gradwerk.nn.optim;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every expected value below is worked out by hand from the formulas, not by calling the code. */
class SchedulesTest {
    private static final double EPS = 1e-15;

    @Test
    void stepDecay() {
        LrSchedule s = Schedules.stepDecay(0.1, 10, 0.5);
        assertEquals(0.1, s.lr(0), EPS);
        assertEquals(0.1, s.lr(9), EPS);
        assertEquals(0.05, s.lr(10), EPS);
        assertEquals(0.05, s.lr(19), EPS);
        assertEquals(0.025, s.lr(20), EPS);
        assertEquals(0.1 / 1024, s.lr(100), EPS);
    }

    @Test
    void multiStep() {
        LrSchedule s = Schedules.multiStep(1.0, new long[] {3, 7}, 0.1);
        assertEquals(1.0, s.lr(2), EPS);
        assertEquals(0.1, s.lr(3), EPS);
        assertEquals(0.1, s.lr(6), EPS);
        assertEquals(0.01, s.lr(7), 1e-17);
        assertEquals(0.01, s.lr(1000), 1e-17);
        assertThrows(IllegalArgumentException.class, () -> Schedules.multiStep(1, new long[] {5, 5}, 0.1));
    }

    @Test
    void cosine() {
        LrSchedule s = Schedules.cosine(1.0, 0.1, 100);
        assertEquals(1.0, s.lr(0), EPS);
        assertEquals(0.55, s.lr(50), EPS);                                      // cos(π/2) = 0: the midpoint
        assertEquals(0.1 + 0.9 * (1 + Math.sqrt(0.5)) / 2, s.lr(25), 1e-15);    // cos(π/4) = √½
        assertEquals(0.1 + 0.9 * 0.25, Schedules.cosine(1.0, 0.1, 3).lr(2), 1e-15); // cos(2π/3) = -½
        assertEquals(0.1 + 0.9 * (1 + Math.cos(Math.PI * 0.99)) / 2, s.lr(99), EPS);
        assertEquals(0.1, s.lr(100), EPS);
        assertEquals(0.1, s.lr(10_000), EPS);
    }

    @Test
    void poly() {
        LrSchedule s = Schedules.poly(0.01, 1000, 0.9);
        assertEquals(0.01, s.lr(0), EPS);
        assertEquals(0.01 * Math.pow(0.5, 0.9), s.lr(500), EPS);
        assertEquals(0.0, s.lr(1000), EPS);
        LrSchedule linear = Schedules.poly(2, 4, 1);
        assertEquals(1.5, linear.lr(1), EPS);
        assertEquals(0.5, linear.lr(3), EPS);
    }

    @Test
    void warmupThenCosine() {
        // 10 warm-up steps from 0.01 to 0.1, then cosine from 0.1 to 0 over the remaining 90 steps
        LrSchedule s = Schedules.warmupCosine(0.01, 0.1, 0.0, 10, 100);
        assertEquals(0.01, s.lr(0), EPS);
        assertEquals(0.01 + 0.09 * 0.5, s.lr(5), EPS);
        assertEquals(0.01 + 0.09 * 0.9, s.lr(9), EPS);
        assertEquals(0.1, s.lr(10), EPS);         // warm-up ends exactly at the cosine's start
        assertEquals(0.05, s.lr(55), EPS);        // 45 of 90 cosine steps: the midpoint
        assertEquals(0.0, s.lr(100), EPS);
    }

    @Test
    void warmupThenStepDecay() {
        LrSchedule s = Schedules.warmupStepDecay(0.0, 0.4, 4, 5, 0.5);
        assertEquals(0.0, s.lr(0), EPS);
        assertEquals(0.1, s.lr(1), EPS);
        assertEquals(0.3, s.lr(3), 1e-16);
        assertEquals(0.4, s.lr(4), EPS);
        assertEquals(0.4, s.lr(8), EPS);
        assertEquals(0.2, s.lr(9), EPS);          // 5 steps after warm-up
        assertEquals(0.1, s.lr(14), EPS);
        assertEquals(0.4, Schedules.warmup(0, 0.0, Schedules.constant(0.4)).lr(0), EPS); // no warm-up at all
    }

    @Test
    void badArguments() {
        assertThrows(IllegalArgumentException.class, () -> Schedules.cosine(0.1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Schedules.stepDecay(0.1, 0, 0.5));
        assertThrows(IllegalArgumentException.class, () -> Schedules.stepDecay(0.1, 5, 1.5));
        assertThrows(IllegalArgumentException.class, () -> Schedules.constant(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Schedules.warmupCosine(0, 0.1, 0, 10, 10));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Schedules.cosine(0.1, 0, 10).lr(-1));
        assertEquals("Schedules.cosine: negative step -1", e.getMessage());
    }
}

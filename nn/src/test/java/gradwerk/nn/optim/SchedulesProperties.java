package gradwerk.nn.optim;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

import static org.junit.jupiter.api.Assertions.assertTrue;

class SchedulesProperties {
    @Property(tries = 200)
    void cosineIsMonotoneAndBounded(@ForAll @LongRange(min = 1, max = 10_000) long total,
                                    @ForAll @LongRange(min = 0, max = 20_000) long t) {
        LrSchedule s = Schedules.warmupCosine(0.001, 0.1, 0.0001, Math.min(total - 1, 100), total + 100);
        double now = s.lr(t), next = s.lr(t + 1);
        assertTrue(now >= 0.0001 - 1e-15 && now <= 0.1 + 1e-15, "in [final, base]: " + now);
        long warm = Math.min(total - 1, 100);
        if (t >= warm) assertTrue(next <= now + 1e-15, "non-increasing after warm-up");
        else assertTrue(next >= now - 1e-15, "non-decreasing during warm-up");
    }
}

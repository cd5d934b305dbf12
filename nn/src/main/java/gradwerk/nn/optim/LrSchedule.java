package gradwerk.nn.optim;

/**
 * A learning rate as a pure function of progress: {@code lr(t)} for t = 0, 1, 2, ... counted in whatever unit the
 * caller steps it by (optimiser steps or epochs). Being a pure function, a schedule has no state to checkpoint:
 * a resumed run just asks for {@code lr(step)} again. Build them with {@link Schedules}.
 */
@FunctionalInterface
public interface LrSchedule {
    double lr(long t);
}

package gradwerk.nn.optim;

import java.util.Arrays;

/**
 * Learning-rate schedules (see {@link LrSchedule}). Each checks its arguments once and then is a plain formula:
 *
 * <ul>
 *   <li>{@link #stepDecay}: {@code base · gamma^⌊t / every⌋}</li>
 *   <li>{@link #multiStep}: {@code base · gamma^(number of milestones ≤ t)}</li>
 *   <li>{@link #cosine}: {@code final + (base − final) · (1 + cos(π · t / total)) / 2}, then {@code final}</li>
 *   <li>{@link #poly}: {@code base · (1 − t / total)^power}, then 0 (the nnU-Net schedule with power 0.9)</li>
 *   <li>{@link #warmup}: a straight line from {@code start} to the next schedule's first value, then that
 *       schedule, shifted to begin at 0 when warm-up ends</li>
 * </ul>
 */
public final class Schedules {
    private Schedules() {}

    public static LrSchedule constant(double lr) {
        requireRate("constant", "lr", lr);
        return t -> {
            requireStep("constant", t);
            return lr;
        };
    }

    /** Multiplies by {@code gamma} every {@code every} steps (PyTorch's StepLR). */
    public static LrSchedule stepDecay(double base, long every, double gamma) {
        requireRate("stepDecay", "base", base);
        if (every < 1) throw new IllegalArgumentException("Schedules.stepDecay: step size " + every + " < 1");
        requireGamma("stepDecay", gamma);
        return t -> {
            requireStep("stepDecay", t);
            return base * Math.pow(gamma, (double) (t / every));
        };
    }

    /** Multiplies by {@code gamma} at each milestone (PyTorch's MultiStepLR); milestones must increase. */
    public static LrSchedule multiStep(double base, long[] milestones, double gamma) {
        requireRate("multiStep", "base", base);
        requireGamma("multiStep", gamma);
        long[] m = milestones.clone();
        for (int i = 0; i < m.length; i++)
            if (m[i] < 1 || (i > 0 && m[i] <= m[i - 1]))
                throw new IllegalArgumentException("Schedules.multiStep: milestones " + Arrays.toString(m)
                        + " must be positive and increasing");
        return t -> {
            requireStep("multiStep", t);
            int passed = 0;
            while (passed < m.length && m[passed] <= t) passed++;
            return base * Math.pow(gamma, passed);
        };
    }

    /**
     * Half a cosine from {@code base} at t = 0 down to {@code finalLr} at t = {@code total}, and {@code finalLr}
     * after that (PyTorch's CosineAnnealingLR with eta_min = finalLr, without restarts).
     */
    public static LrSchedule cosine(double base, double finalLr, long total) {
        requireRate("cosine", "base", base);
        requireRate("cosine", "finalLr", finalLr);
        if (total < 1) throw new IllegalArgumentException("Schedules.cosine: total " + total + " < 1");
        return t -> {
            requireStep("cosine", t);
            if (t >= total) return finalLr;
            return finalLr + (base - finalLr) * (1 + Math.cos(Math.PI * t / total)) / 2;
        };
    }

    /** {@code base · (1 − t/total)^power} until {@code total}, then 0. */
    public static LrSchedule poly(double base, long total, double power) {
        requireRate("poly", "base", base);
        if (total < 1) throw new IllegalArgumentException("Schedules.poly: total " + total + " < 1");
        if (!(power > 0 && Double.isFinite(power)))
            throw new IllegalArgumentException("Schedules.poly: power " + power + " must be > 0");
        return t -> {
            requireStep("poly", t);
            return t >= total ? 0 : base * Math.pow(1 - (double) t / total, power);
        };
    }

    /**
     * Linear warm-up: from {@code start} at t = 0, rising in a straight line to {@code then.lr(0)} at
     * t = {@code steps}; from there on {@code then.lr(t − steps)}. So the schedule after warm-up is exactly
     * {@code then}, delayed — give it a length of total − steps (see {@link #warmupCosine}).
     */
    public static LrSchedule warmup(long steps, double start, LrSchedule then) {
        if (steps < 0) throw new IllegalArgumentException("Schedules.warmup: " + steps + " steps < 0");
        requireRate("warmup", "start", start);
        double target = then.lr(0);
        return t -> {
            requireStep("warmup", t);
            if (t >= steps) return then.lr(t - steps);
            return start + (target - start) * t / steps;
        };
    }

    /** Warm-up from {@code start} to {@code base} over {@code warmupSteps}, then cosine to {@code finalLr} at {@code total}. */
    public static LrSchedule warmupCosine(double start, double base, double finalLr, long warmupSteps, long total) {
        if (total <= warmupSteps)
            throw new IllegalArgumentException("Schedules.warmupCosine: total " + total + " must exceed the "
                    + warmupSteps + " warm-up steps");
        return warmup(warmupSteps, start, cosine(base, finalLr, total - warmupSteps));
    }

    /** Warm-up from {@code start} to {@code base} over {@code warmupSteps}, then step decay (counted from the end of warm-up). */
    public static LrSchedule warmupStepDecay(double start, double base, long warmupSteps, long every, double gamma) {
        return warmup(warmupSteps, start, stepDecay(base, every, gamma));
    }

    private static void requireStep(String op, long t) {
        if (t < 0) throw new IllegalArgumentException("Schedules." + op + ": negative step " + t);
    }

    private static void requireRate(String op, String name, double v) {
        if (!(v >= 0 && Double.isFinite(v)))
            throw new IllegalArgumentException("Schedules." + op + ": " + name + " " + v + " must be finite and >= 0");
    }

    private static void requireGamma(String op, double gamma) {
        if (!(gamma > 0 && gamma <= 1))
            throw new IllegalArgumentException("Schedules." + op + ": gamma " + gamma + " not in (0, 1]");
    }
}

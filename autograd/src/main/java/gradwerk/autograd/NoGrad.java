package gradwerk.autograd;

/**
 * Grad mode, per thread. Inside a {@code NoGrad} scope ops compute values only and record no nodes: use it for
 * evaluation, optimiser updates, and anything else that will not be differentiated.
 *
 * <pre>{@code
 * try (var _ = NoGrad.enter()) {
 *     Variable prediction = model.forward(x); // no graph is built
 * }
 * }</pre>
 *
 * Scopes nest: closing one restores whatever mode was in force when it was entered.
 */
public final class NoGrad implements AutoCloseable {
    private static final ThreadLocal<Boolean> GRAD_ENABLED = ThreadLocal.withInitial(() -> true);

    private final boolean previous;

    private NoGrad(boolean enabled) {
        previous = GRAD_ENABLED.get();
        GRAD_ENABLED.set(enabled);
    }

    /** Turns recording off until {@link #close}. */
    public static NoGrad enter() {
        return new NoGrad(false);
    }

    /** Turns recording on until {@link #close} (the engine uses it to build the graph of a gradient). */
    static NoGrad enableGrad() {
        return new NoGrad(true);
    }

    /** Whether ops currently record nodes. */
    public static boolean isGradEnabled() {
        return GRAD_ENABLED.get();
    }

    @Override
    public void close() {
        GRAD_ENABLED.set(previous);
    }
}

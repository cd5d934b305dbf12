package gradwerk.autograd;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Every differentiable op, by name, with the cases that gradient-check it. An op cannot record a graph node
 * unless its name is registered here ({@link Node#record} checks), and it cannot be registered without at least
 * one {@link CheckCase}: so every op that can take part in a backward pass is gradient-checked by
 * {@link GradCheckAll} and by the test suite.
 *
 * <p>How ops get here: each family of ops is an {@link OpFamily}, found with Java's {@link ServiceLoader} when the
 * registry is first used. A module adds its family by listing the class in its
 * {@code META-INF/services/gradwerk.autograd.OpFamily} file (autograd's own families are listed the same way).
 * Tests and tutorials may also {@link #register} one op directly for a while (try-with-resources).
 */
public final class OpRegistry {
    private OpRegistry() {}

    /**
     * One registered op.
     *
     * @param secondOrder whether its VJP rule is itself differentiable (written with Variable ops), so that
     *                    gradients of gradients are checked too
     */
    public record Entry(String name, String family, List<CheckCase> cases, boolean secondOrder) {
        public Entry {
            if (cases.isEmpty())
                throw new IllegalArgumentException("OpRegistry: op '" + name + "' needs at least one gradient check case");
            cases = List.copyOf(cases);
        }

        /** An op with first- and second-order gradient checks. The family is filled in when registered. */
        public static Entry of(String name, CheckCase first, CheckCase... more) {
            List<CheckCase> cases = new ArrayList<>(List.of(first));
            cases.addAll(List.of(more));
            return new Entry(name, "", cases, true);
        }

        /** For an op whose VJP uses non-differentiable kernels: only first-order checks apply. */
        public Entry firstOrderOnly() { return new Entry(name, family, cases, false); }

        Entry inFamily(String familyName) { return new Entry(name, familyName, cases, secondOrder); }
    }

    private static Map<String, Entry> ops; // in registration order; guarded by the class lock

    private static synchronized Map<String, Entry> ops() {
        if (ops == null) {
            ops = new LinkedHashMap<>();
            for (OpFamily family : ServiceLoader.load(OpFamily.class))
                for (Entry e : family.ops()) add(e.inFamily(family.name()));
        }
        return ops;
    }

    private static synchronized void add(Entry e) {
        Entry old = ops.putIfAbsent(e.name(), e);
        if (old != null)
            throw new IllegalStateException("OpRegistry: op '" + e.name() + "' registered twice (families "
                    + old.family() + " and " + e.family() + ")");
    }

    /** Registers one op until the returned handle is closed (for tests, tutorials, experiments). */
    public static synchronized Registration register(String family, Entry entry) {
        ops();
        add(entry.inFamily(family));
        return new Registration(entry.name());
    }

    /** Removes an op registered with {@link #register} when closed. */
    public record Registration(String name) implements AutoCloseable {
        @Override
        public void close() {
            synchronized (OpRegistry.class) {
                ops.remove(name);
            }
        }
    }

    /** All registered ops, in registration order (by family). */
    public static synchronized List<Entry> all() {
        return List.copyOf(ops().values());
    }

    /** The op with this name. */
    public static synchronized Entry get(String name) {
        requireRegistered(name);
        return ops().get(name);
    }

    static synchronized void requireRegistered(String op) {
        if (!ops().containsKey(op))
            throw new IllegalStateException("autograd: op '" + op + "' records a graph node but is not registered;"
                    + " add an OpRegistry.Entry with a gradient check case to its OpFamily (listed in"
                    + " META-INF/services/gradwerk.autograd.OpFamily), or OpRegistry.register it");
    }
}

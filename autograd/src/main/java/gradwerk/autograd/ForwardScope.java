package gradwerk.autograd;

import gradwerk.tensor.Storage;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.TensorScope;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Memory for one module's forward pass, freed the way PyTorch's reference counting frees it: once the forward
 * returns, its caller can reach only its result; everything else an op computed inside is reachable only from the
 * autograd graph, if at all. So, when the scope closes:
 * <ul>
 *   <li>an op result that no node saved for backward (a batch norm's output that the ReLU after it consumed, an
 *       up-sampled map that a concatenation copied) is released at once, and its array serves the next
 *       allocation of its size;</li>
 *   <li>an op result that nodes saved is released when the backward pass has freed the last of those nodes
 *       ({@link Storage#releaseWhenUnheld}), so that the gradients computed after it reuse its array;</li>
 *   <li>the results named with {@link #result}, and everything that is not an op result (index maps, statistics
 *       that a rule captured), go on to the enclosing {@link TensorScope}, as before.</li>
 * </ul>
 * Without it these activations live until the step's scope closes, and the pool then needs arrays for every
 * activation and every gradient at once. A module's forward uses it like this:
 * <pre>{@code
 * try (ForwardScope f = ForwardScope.open("unet")) {
 *     Variable h = ...;                     // ops as usual
 *     return f.result(head.forward(h));     // the one thing the caller may read
 * }
 * }</pre>
 * Only storages allocated while the scope was open are affected. A tensor a module keeps in a field to read after
 * the forward pass must be {@link TensorScope#persist}ed (it then belongs to no scope) or named as a result; reading
 * one that was released throws, it never returns stale numbers. Scopes nest: an inner scope's results are op
 * results of the outer one. With {@code retainGraph} the nodes are not freed, so held activations are released by
 * the enclosing scope as before.
 */
public final class ForwardScope implements AutoCloseable {
    private static final ThreadLocal<ForwardScope> CURRENT = new ThreadLocal<>();

    private final ForwardScope outer;
    private final TensorScope memory;
    private final Set<Storage> opResults = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<Storage> results = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean closed;

    private ForwardScope(String name) {
        outer = CURRENT.get();
        memory = TensorScope.openTemporary(name);
        CURRENT.set(this);
    }

    /** Opens a forward scope on this thread; {@code name} appears in the messages of released tensors. */
    public static ForwardScope open(String name) {
        return new ForwardScope(name);
    }

    /** Names a value the caller of the forward pass may read; returns it. */
    public Variable result(Variable v) {
        if (closed) throw new IllegalStateException("ForwardScope '" + memory.name() + "': result after close");
        results.add(v.value().storage());
        return v;
    }

    /** Called by {@link Node#record} for every op result, with or without grad mode. */
    static void recorded(Tensor result) {
        ForwardScope f = CURRENT.get();
        if (f != null) f.opResults.add(result.storage());
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        CURRENT.set(outer); // before closing memory, whose checks fail on a scope nested and left open
        for (Storage s : opResults) // released now if no node saved it, else when backward frees the last that did
            if (!results.contains(s) && memory.owns(s)) s.releaseWhenUnheld();
        memory.keepAll(); // results, held activations and non-op tensors go to the enclosing scope
        memory.close();
        if (outer != null) outer.opResults.addAll(results);
    }
}

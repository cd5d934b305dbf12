package gradwerk.autograd;

import gradwerk.tensor.Storage;
import gradwerk.tensor.TensorScope;

import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The engine's bookkeeping for memory: a backward pass allocates a gradient as large as every activation, and
 * each one is dead as soon as the node it flows into has run. This class releases those storages at once (see
 * {@link Storage#release}), so that the next allocation of the same size reuses the array instead of leaving it
 * to the garbage collector:
 * <ul>
 *   <li>each rule runs in a temporary {@link TensorScope}: its intermediate tensors are released when it returns,
 *       its results are kept and become <em>owned</em> by the pass;</li>
 *   <li>an owned gradient is released once it is consumed (a node ran with it, or it was summed into another),
 *       unless a pending gradient shares its storage (a rule may pass a gradient on unchanged or as a view) or a
 *       sink kept a reference to it ({@code Engine.grad} returns gradients to the caller).</li>
 * </ul>
 * Only storages this pass allocated are ever released: the seed, saved values and anything the caller holds are
 * not. When the backward pass is itself recorded ({@code createGraph}), rules' results are graph values that a
 * second pass reads, so nothing is released.
 */
final class GradMemory {
    private final boolean active;
    private final Set<Storage> owned = Collections.newSetFromMap(new IdentityHashMap<>());

    GradMemory(boolean createGraph) {
        this.active = !createGraph;
    }

    /** Runs the node's rule; its temporaries are released and its results owned. */
    Variable[] backward(Node node, Variable gradOutput) {
        if (!active) return node.backward(gradOutput);
        try (TensorScope rule = TensorScope.openTemporary("backward of " + node.op())) {
            Variable[] grads = node.backward(gradOutput);
            for (Variable g : grads)
                if (g != null && rule.keep(g.value())) owned.add(g.value().storage());
            return grads;
        }
    }

    /** The sum of two gradients of one value (the caller lists both as consumed); the sum is owned. */
    Variable sum(Variable a, Variable b) {
        Variable s = a.add(b);
        if (active) owned.add(s.value().storage());
        return s;
    }

    /** A sink kept {@code g}: it must never be released. */
    void escaped(Variable g) {
        owned.remove(g.value().storage());
    }

    /** Releases the storages of the consumed gradients that the pass owns and no pending gradient shares. */
    void release(List<Variable> consumed, Collection<Variable> pending) {
        if (!active) return;
        for (Variable g : consumed) {
            Storage s = g.value().storage();
            if (owned.contains(s) && !sharedBy(s, pending)) {
                owned.remove(s);
                s.release();
            }
        }
    }

    private static boolean sharedBy(Storage s, Collection<Variable> pending) {
        for (Variable p : pending)
            if (p.value().storage() == s) return true;
        return false;
    }
}

package gradwerk.tensor;

import gradwerk.tensor.cpu.ArrayPool;

import java.util.ArrayList;
import java.util.List;

/**
 * Deterministic memory for a block of work, typically one training step: every storage a backend allocates on this
 * thread while the scope is open is released when it closes. On the CPU its array serves the next allocation of the
 * same size (see {@code gradwerk.tensor.cpu.ArrayPool}); on an OpenCL device its buffer goes back to the context's
 * pool at once, instead of whenever the garbage collector notices the tensor is gone. Without scopes the garbage
 * collector frees tensors whenever it runs, and between its runs a training step's GB of activations and gradients
 * pile up: the JVM then grows its heap to two or three times what the step keeps alive.
 *
 * <pre>{@code
 * try (TensorScope step = TensorScope.open("train step")) {
 *     Variable loss = lossOf(model.forward(x), y);
 *     loss.backward();
 *     optimiser.step();
 *     lossSum += loss.item();                 // read what you need inside the scope
 * }                                           // every activation and gradient of the step is released here
 * }</pre>
 *
 * <p>A tensor that must outlive the scope is kept: {@link #keep} hands it to the enclosing scope (or to the
 * garbage collector when there is none), {@link #persist} takes it out of every open scope (model state, optimiser
 * state, accumulated gradients: the library does this for its own state). Using a released tensor throws an
 * {@link IllegalStateException} that says so; a scope never frees memory that someone can still read silently.
 *
 * <p>Scopes nest and belong to the thread that opened them; close them in reverse order (try-with-resources does).
 * Storages allocated by other threads (a data loader's) are not tracked, nor CPU arrays a caller wraps in a tensor.
 */
public final class TensorScope implements AutoCloseable {
    private static final ThreadLocal<TensorScope> CURRENT = new ThreadLocal<>();

    private final String name;
    private final TensorScope parent;
    private final Thread thread = Thread.currentThread();
    private final List<Storage> storages = new ArrayList<>();
    private final boolean step;
    private boolean closed;

    private TensorScope(String name, TensorScope parent, boolean step) {
        this.name = name;
        this.parent = parent;
        this.step = step;
    }

    /**
     * Opens a scope on this thread, nested in the current one if any; {@code name} appears in error messages.
     * Closing an outermost one ends a step for the pool: arrays that nobody took since the previous step end are
     * dropped, so a change of shapes (validation, another batch size) does not leave memory behind.
     */
    public static TensorScope open(String name) {
        return open(name, true);
    }

    /**
     * Runs body in a scope of its own ({@link #open}), as one training step: what it allocates and does not keep goes
     * back to the pool when it returns, for the next call. The benchmarks time every call this way.
     */
    public static void run(String name, Runnable body) {
        try (TensorScope scope = open(name)) {
            body.run();
        }
    }

    /** A scope for a short piece of work (the autograd engine's rules): its closing does not end a step. */
    public static TensorScope openTemporary(String name) {
        return open(name, false);
    }

    private static TensorScope open(String name, boolean step) {
        TensorScope s = new TensorScope(name, CURRENT.get(), step);
        CURRENT.set(s);
        return s;
    }

    /** The innermost open scope of this thread, or null. */
    public static TensorScope current() {
        return CURRENT.get();
    }

    public String name() {
        return name;
    }

    /** Called by a backend for every storage it allocates: the current scope of this thread, if any, owns it. */
    public static void track(Storage s) {
        TensorScope scope = CURRENT.get();
        if (scope == null) return;
        s.scope = scope;
        scope.storages.add(s);
    }

    /**
     * Lets {@code t}'s storage (shared by all its views) survive this scope: the enclosing scope owns it now, or,
     * at the outermost scope, nobody (the garbage collector frees it). Returns true when this scope owned it, that
     * is, when the storage was allocated inside this scope and not kept before.
     */
    public boolean keep(Tensor t) {
        requireOpen("keep");
        Storage s = t.storage();
        if (s.scope != this) return false;
        handToParent(s);
        return true;
    }

    /** {@link #keep}s every storage this scope owns: for a block of work whose results it cannot name. */
    public void keepAll() {
        requireOpen("keepAll");
        for (Storage s : storages)
            if (s.scope == this) handToParent(s);
        storages.clear();
    }

    /** Whether this scope owns {@code s}: allocated while it was open (or handed to it), not kept or released since. */
    public boolean owns(Storage s) {
        return s.scope == this;
    }

    /** The enclosing scope owns {@code s} from now on, or, at the outermost scope, nobody. */
    private void handToParent(Storage s) {
        s.scope = parent;
        if (parent != null) parent.storages.add(s);
    }

    /** Takes {@code t}'s storage out of every scope, for state that lives on (parameters, buffers, moments). */
    public static Tensor persist(Tensor t) {
        t.storage().scope = null;
        t.storage().releaseWhenUnheld = false;
        return t;
    }

    /**
     * Hands {@code t}, which its owner no longer needs, to the current scope of this thread: its storage is released
     * when that scope closes, as if the scope had allocated it. For state that was persisted and is now dropped, such
     * as a gradient that {@code zeroGrad} forgets inside a training step: its array then serves the next step's
     * gradient instead of being left to the garbage collector. Does nothing when no scope is open or when a scope
     * already owns the storage.
     */
    public static void discard(Tensor t) {
        Storage s = t.storage();
        if (s.scope == null && !s.isReleased()) track(s); // as if allocated now
    }

    /** Releases every storage this scope still owns (see {@link Storage#release}). */
    @Override
    public void close() {
        if (closed) return;
        if (Thread.currentThread() != thread)
            throw new IllegalStateException("TensorScope '" + name + "': closed by " + Thread.currentThread().getName()
                    + ", but it belongs to " + thread.getName());
        TensorScope inner = CURRENT.get();
        if (inner != this)
            throw new IllegalStateException("TensorScope '" + name + "': closed while the scope '"
                    + (inner == null ? "?" : inner.name) + "' nested in it is still open (close scopes in reverse"
                    + " order)");
        closed = true;
        CURRENT.set(parent);
        for (Storage s : storages)
            if (s.scope == this) s.release();
        storages.clear();
        if (step && parent == null) ArrayPool.trim(); // arrays nobody asked for during a whole step are not needed
    }

    /** The message of every access to a released storage. */
    public static String releasedMessage(String what) {
        return what + " was released (its TensorScope closed, autograd consumed the gradient, or zeroGrad dropped it"
                + " inside a scope); keep() or persist() a tensor that must outlive the scope that allocated it, and"
                + " copy a gradient to read it after zeroGrad";
    }

    private void requireOpen(String op) {
        if (closed) throw new IllegalStateException("TensorScope '" + name + "': " + op + " after close");
    }
}

package gradwerk.tensor;

/**
 * A flat block of elements on one device; tensors are strided views over it.
 *
 * <p>The version counter increases whenever an in-place op writes to the storage. Autograd uses it to notice when
 * a tensor it saved for the backward pass was modified afterwards (the tensor module itself does not know why).
 */
public abstract class Storage {
    private final DType dtype;
    private final int length;
    private int version;
    TensorScope scope; // the scope that releases this storage when it closes; null: the garbage collector does
    private boolean released;
    private int holds; // readers that announced they will come back (autograd nodes that saved it)
    boolean releaseWhenUnheld; // TensorScope.persist clears it

    protected Storage(DType dtype, int length) {
        this.dtype = dtype;
        this.length = length;
    }

    public final DType dtype() {
        return dtype;
    }

    /** Number of elements. */
    public final int length() {
        return length;
    }

    public abstract Device device();

    /** How many in-place writes this storage has seen. */
    public final int version() {
        return version;
    }

    /** Called by every in-place op. */
    public final void bumpVersion() {
        version++;
    }

    /** True once {@link #release} ran: reading or writing the storage then fails. */
    public final boolean isReleased() {
        return released;
    }

    /**
     * Gives the memory back now instead of waiting for the garbage collector, for a storage that nobody will read
     * again: a {@link TensorScope} calls it when it closes, and the autograd engine for the gradients it consumed.
     * Every later access throws. Releasing twice does nothing.
     */
    public final void release() {
        if (released) return;
        released = true;
        scope = null;
        recycle();
    }

    /**
     * One more reader that will come back to this storage later: an autograd node that saved a tensor of it for
     * the backward pass. Paired with {@link #unhold}. Holds only matter after {@link #releaseWhenUnheld}.
     */
    public final void hold() {
        holds++;
    }

    /** A reader announced by {@link #hold} is done; the last one releases the storage if that was asked for. */
    public final void unhold() {
        if (holds > 0) holds--;
        if (holds == 0 && releaseWhenUnheld) release();
    }

    /**
     * For a storage that only its holders can still reach: releases it now if nobody holds it, otherwise when the
     * last holder lets go (a backward pass freeing the nodes that saved it). Used by {@code ForwardScope} for the
     * activations inside a module, which nothing outside the autograd graph can read.
     */
    public final void releaseWhenUnheld() {
        if (holds == 0) release();
        else releaseWhenUnheld = true;
    }

    /** What {@link #release} does for this device: the CPU hands its array to a pool for the next allocation. */
    protected void recycle() {}
}

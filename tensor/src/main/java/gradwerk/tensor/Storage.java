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
}

package gradwerk.tensor.opencl;

import gradwerk.tensor.DType;
import gradwerk.tensor.Device;
import gradwerk.tensor.Storage;
import gradwerk.tensor.TensorScope;

/**
 * Tensor storage in device memory: a {@link ClBuffer} of {@code length} elements. The buffer goes back to the
 * context's pool when the storage is released (its {@link gradwerk.tensor.TensorScope} closed, or autograd used up the
 * gradient), or else when it becomes unreachable (see {@link ClBuffer}), so tensors need no explicit free.
 */
public final class OpenClStorage extends Storage {
    private final Device device;
    private final ClBuffer buffer;

    OpenClStorage(Device device, DType dtype, int length, ClBuffer buffer) {
        super(dtype, length);
        this.device = device;
        this.buffer = buffer;
    }

    @Override
    public Device device() {
        return device;
    }

    /** The device memory. */
    public ClBuffer buffer() {
        if (isReleased()) throw new IllegalStateException(TensorScope.releasedMessage("OpenClStorage: this " + dtype()
                + " storage of " + length() + " elements"));
        return buffer;
    }

    /** Hands the buffer back to the pool now; commands already enqueued that read it still see its data. */
    @Override
    protected void recycle() {
        buffer.close();
    }
}

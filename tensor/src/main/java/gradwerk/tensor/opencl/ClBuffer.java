package gradwerk.tensor.opencl;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import org.jocl.cl_mem;

/**
 * A block of device memory ({@code cl_mem}) of {@link #byteSize()} bytes, taken from its context's
 * {@link ClBufferPool}. {@link #close()} hands it back to the pool; a buffer that becomes unreachable without
 * being closed is handed back too (by a {@link Cleaner}), so a forgotten close costs a delay, not a leak.
 *
 * <p>Data moves between host and device only through the explicit {@code write}/{@code read} calls. Reads block
 * until the data is on the host (and so wait for every earlier command). Writes do not block: the array is copied
 * into a native staging buffer right away, so the caller may reuse the array as soon as {@code write} returns,
 * and the staging buffer is kept alive by the context until the queue is known to have passed the write.
 */
public final class ClBuffer implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    private final OpenClContext context;
    private final cl_mem mem;
    private final long byteSize;
    private final long capacity;
    private final Cleaner.Cleanable reclaim;
    private volatile boolean closed;

    ClBuffer(OpenClContext context, cl_mem mem, long byteSize, long capacity) {
        this.context = context;
        this.mem = mem;
        this.byteSize = byteSize;
        this.capacity = capacity;
        // The action must not reference this object, or it would never become unreachable.
        ClBufferPool pool = context.pool();
        this.reclaim = CLEANER.register(this, () -> pool.give(mem, capacity));
    }

    /** The bytes requested; the usable size. */
    public long byteSize() {
        return byteSize;
    }

    /** The bytes actually allocated (the pool's bucket size, at least {@link #byteSize()}). */
    public long capacity() {
        return capacity;
    }

    public OpenClContext context() {
        return context;
    }

    /** The OpenCL handle, for kernel arguments. */
    cl_mem mem() {
        if (closed) throw new IllegalStateException("ClBuffer used after close()");
        return mem;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Returns the memory to the pool. Idempotent. Commands already enqueued that use it still see valid data. */
    @Override
    public void close() {
        closed = true;
        reclaim.clean(); // runs the pool hand-back at most once, whoever calls it first
    }

    // ---- host -> device ------------------------------------------------------------------------------------------

    /** Writes {@code src} to the start of the buffer. */
    public void write(float[] src) {
        write(0, src, 0, src.length);
    }

    /** Writes {@code count} floats of {@code src} from {@code from} to element {@code elementOffset} (of 4 bytes). */
    public void write(long elementOffset, float[] src, int from, int count) {
        Objects.checkFromIndexSize(from, count, src.length);
        ByteBuffer staging = staging(4L * count);
        staging.asFloatBuffer().put(src, from, count);
        context.enqueueWrite(this, 4 * elementOffset, staging);
    }

    /** Writes {@code src} to the start of the buffer. */
    public void write(double[] src) {
        write(0, src, 0, src.length);
    }

    /** Writes {@code count} doubles of {@code src} from {@code from} to element {@code elementOffset} (of 8 bytes). */
    public void write(long elementOffset, double[] src, int from, int count) {
        Objects.checkFromIndexSize(from, count, src.length);
        ByteBuffer staging = staging(8L * count);
        staging.asDoubleBuffer().put(src, from, count);
        context.enqueueWrite(this, 8 * elementOffset, staging);
    }

    private ByteBuffer staging(long bytes) {
        if (bytes > Integer.MAX_VALUE) throw new IllegalArgumentException("write of " + bytes + " bytes: split it");
        return ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
    }

    // ---- device -> host ------------------------------------------------------------------------------------------

    /** Reads the first {@code dst.length} floats. Blocks. */
    public void read(float[] dst) {
        read(0, dst, 0, dst.length);
    }

    /** Reads {@code count} floats from element {@code elementOffset} into {@code dst[from..]}. Blocks. */
    public void read(long elementOffset, float[] dst, int from, int count) {
        Objects.checkFromIndexSize(from, count, dst.length);
        context.enqueueReadBlocking(this, 4 * elementOffset, 4L * count,
                org.jocl.Pointer.to(dst).withByteOffset(4L * from));
    }

    /** Reads the first {@code dst.length} doubles. Blocks. */
    public void read(double[] dst) {
        read(0, dst, 0, dst.length);
    }

    /** Reads {@code count} doubles from element {@code elementOffset} into {@code dst[from..]}. Blocks. */
    public void read(long elementOffset, double[] dst, int from, int count) {
        Objects.checkFromIndexSize(from, count, dst.length);
        context.enqueueReadBlocking(this, 8 * elementOffset, 8L * count,
                org.jocl.Pointer.to(dst).withByteOffset(8L * from));
    }

    /** The whole buffer as floats. Blocks. */
    public float[] readFloats() {
        float[] a = new float[Math.toIntExact(byteSize / 4)];
        read(a);
        return a;
    }

    /** The whole buffer as doubles. Blocks. */
    public double[] readDoubles() {
        double[] a = new double[Math.toIntExact(byteSize / 8)];
        read(a);
        return a;
    }

    @Override
    public String toString() {
        return "ClBuffer[" + byteSize + " B on " + context.device().id() + (closed ? ", closed]" : "]");
    }
}

package gradwerk.tensor.opencl;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.jocl.CL;
import org.jocl.cl_mem;

/**
 * Keeps released device buffers for reuse, so that a training step, which allocates the same sizes every
 * iteration, stops calling the driver's allocator (slow, and on some GPUs synchronising) after the first step.
 *
 * <p>Sizes are rounded up to buckets with four steps per power of two (at most 25% waste), so a buffer freed for
 * a [batch, 1000] tensor serves a [batch, 999] one too. The pool holds at most {@link #maxPooledBytes()} idle
 * bytes; what exceeds that goes back to the driver.
 *
 * <p>Reusing a buffer while kernels that used it may still be queued is safe because a context has exactly one
 * in-order queue: a command enqueued later runs after every earlier one is complete.
 */
public final class ClBufferPool {
    /** A snapshot of the pool's counters. */
    public record Stats(long driverAllocations, long reuses, long liveBuffers, long liveBytes, long pooledBuffers,
                        long pooledBytes) {}

    private final Map<Long, ArrayDeque<cl_mem>> idle = new HashMap<>();
    private long maxPooledBytes;
    private long driverAllocations, reuses, liveBuffers, liveBytes, pooledBuffers, pooledBytes;
    private boolean closed;

    ClBufferPool(long maxPooledBytes) {
        this.maxPooledBytes = maxPooledBytes;
    }

    /** The bucket (allocated capacity) for a request of {@code bytes}: 4 buckets per power of two, at least 256. */
    static long bucket(long bytes) {
        if (bytes <= 256) return 256;
        long step = Long.highestOneBit(bytes - 1) / 4; // the previous power of two, quartered
        return (bytes + step - 1) / step * step;
    }

    /** An idle buffer of exactly {@code capacity} bytes, or null when there is none. */
    synchronized cl_mem take(long capacity) {
        ArrayDeque<cl_mem> q = idle.get(capacity);
        cl_mem m = q == null ? null : q.poll();
        if (m != null) {
            reuses++;
            pooledBuffers--;
            pooledBytes -= capacity;
            live(capacity);
        }
        return m;
    }

    /** Counts a buffer that was just created by the driver. */
    synchronized void allocated(long capacity) {
        driverAllocations++;
        live(capacity);
    }

    private void live(long capacity) {
        liveBuffers++;
        liveBytes += capacity;
    }

    /** Takes back a released buffer, or frees it when the pool is full or closed. */
    void give(cl_mem m, long capacity) {
        synchronized (this) {
            liveBuffers--;
            liveBytes -= capacity;
            if (!closed && pooledBytes + capacity <= maxPooledBytes) {
                idle.computeIfAbsent(capacity, c -> new ArrayDeque<>()).push(m);
                pooledBuffers++;
                pooledBytes += capacity;
                return;
            }
        }
        CL.clReleaseMemObject(m);
    }

    /** Frees every idle buffer (e.g. before a large allocation, or when memory is tight). */
    public void trim() {
        Map<Long, ArrayDeque<cl_mem>> drained;
        synchronized (this) {
            drained = new HashMap<>(idle);
            idle.clear();
            pooledBuffers = 0;
            pooledBytes = 0;
        }
        drained.values().forEach(q -> q.forEach(CL::clReleaseMemObject));
    }

    /** The most idle bytes the pool keeps. */
    public synchronized long maxPooledBytes() {
        return maxPooledBytes;
    }

    /** Changes the idle limit; 0 disables pooling. Does not free buffers already idle (see {@link #trim()}). */
    public synchronized void setMaxPooledBytes(long bytes) {
        this.maxPooledBytes = Math.max(0, bytes);
    }

    public synchronized Stats stats() {
        return new Stats(driverAllocations, reuses, liveBuffers, liveBytes, pooledBuffers, pooledBytes);
    }

    /** Frees the idle buffers; buffers released later go straight back to the driver. */
    void close() {
        synchronized (this) {
            closed = true;
        }
        trim();
    }
}

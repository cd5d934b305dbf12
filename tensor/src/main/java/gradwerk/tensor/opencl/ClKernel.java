package gradwerk.tensor.opencl;

import static org.jocl.CL.*;

import java.lang.ref.Reference;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;

/**
 * One compiled kernel of one context, and the only way gradwerk launches kernels.
 *
 * <p>Thread safety: an OpenCL kernel object holds its arguments, so "set the arguments, then enqueue" must not
 * interleave with another thread doing the same on the same kernel. {@link #launch} therefore synchronises on the
 * kernel; different kernels launch concurrently (the command queue itself is thread-safe). Kernels are cached and
 * shared per context, so there is no per-thread cloning: the critical section is only the argument setting and the
 * enqueue call, which do not wait for the device.
 */
final class ClKernel {
    /** A {@code __local} argument: scratch memory of this many bytes per work-group. */
    record Local(long bytes) {}

    final String name;
    private final cl_kernel kernel;
    private final cl_command_queue queue;
    /** The largest work-group this kernel can run with on its device (registers and local memory limit it). */
    final long maxWorkGroupSize;

    ClKernel(String name, cl_kernel kernel, cl_command_queue queue, cl_device_id device) {
        this.name = name;
        this.kernel = kernel;
        this.queue = queue;
        long[] wg = new long[1];
        clGetKernelWorkGroupInfo(kernel, device, CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t, Pointer.to(wg), null);
        this.maxWorkGroupSize = wg[0];
    }

    /**
     * Sets the arguments in order and enqueues the kernel. Arguments: {@link ClBuffer} (a {@code __global}
     * pointer), {@link Integer} ({@code int}), {@link Float}, {@link Double}, {@code int[8]}, {@code int[4]}, {@code int[2]} ({@code int8}, {@code int4}, {@code int2}),
     * {@link Local}. {@code local} may be null (the driver picks the work-group size).
     */
    synchronized void launch(long[] global, long[] local, Object... args) {
        try {
            for (int i = 0; i < args.length; i++) setArg(i, args[i]);
            clEnqueueNDRangeKernel(queue, kernel, global.length, null, global, local, 0, null, null);
        } catch (CLException e) {
            throw OpenClException.of("enqueue kernel " + name, e);
        } finally {
            // The buffers must stay reachable (their memory not recycled by the pool's Cleaner) until enqueued.
            Reference.reachabilityFence(args);
        }
    }

    /**
     * Launches over {@code n} work-items in one dimension, with work-groups of up to 256 (rounded up, so the
     * kernel must ignore ids {@code >= n}).
     */
    void launch1d(long n, Object... args) {
        long group = groupSize(256);
        launch(new long[] {Math.max(1, (n + group - 1) / group) * group}, new long[] {group}, args);
    }

    /** The largest power of two that is at most {@code wanted} and that this kernel can run with. */
    long groupSize(long wanted) {
        return Long.highestOneBit(Math.max(1, Math.min(wanted, maxWorkGroupSize)));
    }

    private void setArg(int i, Object a) {
        switch (a) {
            case ClBuffer b -> clSetKernelArg(kernel, i, Sizeof.cl_mem, Pointer.to(b.mem()));
            case Integer v -> clSetKernelArg(kernel, i, Sizeof.cl_int, Pointer.to(new int[] {v}));
            case Float v -> clSetKernelArg(kernel, i, Sizeof.cl_float, Pointer.to(new float[] {v}));
            case Double v -> clSetKernelArg(kernel, i, Sizeof.cl_double, Pointer.to(new double[] {v}));
            case int[] v when v.length == 8 -> clSetKernelArg(kernel, i, Sizeof.cl_int8, Pointer.to(v));
            case int[] v when v.length == 4 -> clSetKernelArg(kernel, i, Sizeof.cl_int4, Pointer.to(v));
            case int[] v when v.length == 2 -> clSetKernelArg(kernel, i, Sizeof.cl_int2, Pointer.to(v));
            case Local l -> clSetKernelArg(kernel, i, l.bytes(), null);
            default -> throw new IllegalArgumentException("kernel " + name + " argument " + i + ": unsupported "
                    + (a == null ? "null" : a.getClass().getSimpleName()));
        }
    }

    void release() {
        clReleaseKernel(kernel);
    }
}

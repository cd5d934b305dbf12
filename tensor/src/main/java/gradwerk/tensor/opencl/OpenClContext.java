package gradwerk.tensor.opencl;

import static org.jocl.CL.*;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_mem;
import org.jocl.cl_program;

/**
 * Everything gradwerk keeps per OpenCL device: the context, one in-order command queue, the compiled programs and
 * kernels, and the buffer pool.
 *
 * <p>Work is asynchronous: kernels and writes are only enqueued, and the host waits only where a result is read
 * ({@link ClBuffer#read}) or in {@link #finish()}. One in-order queue keeps this simple and correct: every command
 * sees the results of all commands enqueued before it, so no events are needed.
 *
 * <p>Programs are built lazily, once per context and build options, the first time a kernel of theirs is needed;
 * concurrent first uses wait for the one build. Typed programs are the kernel file compiled with
 * {@code -DREAL=float} or {@code -DREAL=double} after the shared prelude {@code common.cl}.
 */
public final class OpenClContext implements AutoCloseable {
    /** Where the kernel sources live on the classpath. */
    static final String RESOURCES = "/gradwerk/tensor/opencl/";
    /** Staged (not yet known to be written) bytes above which a write waits for the queue, to bound host memory. */
    private static final long MAX_STAGED_BYTES = 256L << 20;
    private static final ConcurrentHashMap<Integer, OpenClContext> SHARED = new ConcurrentHashMap<>();

    private final OpenClDevice device;
    private final cl_device_id deviceId;
    private final cl_context context;
    private final cl_command_queue queue;
    private final ClBufferPool pool;
    private final boolean shared;
    private final ConcurrentHashMap<String, cl_program> programs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ClKernel> kernels = new ConcurrentHashMap<>();
    private final List<ByteBuffer> staged = new ArrayList<>(); // guarded by itself
    private long stagedBytes;                                    // guarded by staged
    private volatile ClKernels ops;
    private volatile boolean closed;

    private OpenClContext(OpenClDevice device, boolean shared) {
        this.device = device;
        this.shared = shared;
        OpenClPlatforms.Handle h = OpenClPlatforms.handle(device);
        this.deviceId = h.device();
        cl_context ctx = null;
        try {
            cl_context_properties props = new cl_context_properties();
            props.addProperty(CL_CONTEXT_PLATFORM, h.platform());
            ctx = clCreateContext(props, 1, new cl_device_id[] {deviceId}, null, null, null);
            this.queue = clCreateCommandQueue(ctx, deviceId, 0, null);
        } catch (CLException e) {
            if (ctx != null) clReleaseContext(ctx);
            throw OpenClException.of("creating an OpenCL context on " + device.id() + " '" + device.name() + "'", e);
        }
        this.context = ctx;
        // Idle buffers may use up to a quarter of the device memory before the pool hands them back.
        this.pool = new ClBufferPool(device.globalMemBytes() / 4);
    }

    /** A new context of its own on {@code device}; close it when done. */
    public static OpenClContext open(OpenClDevice device) {
        return new OpenClContext(device, false);
    }

    /** The process-wide context of {@code device}, created on first use; its {@link #close()} does nothing. */
    public static OpenClContext shared(OpenClDevice device) {
        return SHARED.computeIfAbsent(device.index(), i -> new OpenClContext(device, true));
    }

    public OpenClDevice device() {
        return device;
    }

    public ClBufferPool pool() {
        return pool;
    }

    /** The kernels of this context (elementwise, reductions, GEMM, ...). */
    public ClKernels kernels() {
        ClKernels k = ops;
        if (k == null) {
            synchronized (this) {
                if (ops == null) ops = new ClKernels(this);
                k = ops;
            }
        }
        return k;
    }

    // ---- buffers -------------------------------------------------------------------------------------------------

    /** A device buffer of at least {@code bytes} bytes (contents undefined), from the pool when possible. */
    public ClBuffer allocate(long bytes) {
        checkOpen();
        if (bytes < 0) throw new IllegalArgumentException("negative buffer size " + bytes);
        if (bytes > device.maxAllocBytes())
            throw new OpenClOutOfMemoryException("cannot allocate " + describeRequest(bytes) + ": larger than the"
                    + " largest single buffer the device allows (" + OpenClDevice.bytes(device.maxAllocBytes())
                    + ")", CL_INVALID_BUFFER_SIZE, null);
        long capacity = ClBufferPool.bucket(bytes);
        if (capacity > device.maxAllocBytes()) capacity = Math.max(bytes, 1);
        cl_mem mem = pool.take(capacity);
        if (mem == null) mem = createBuffer(bytes, capacity);
        return new ClBuffer(this, mem, bytes, capacity);
    }

    /** A buffer holding a copy of {@code data}. */
    public ClBuffer upload(float[] data) {
        ClBuffer b = allocate(4L * data.length);
        b.write(data);
        return b;
    }

    /** A buffer holding a copy of {@code data}. */
    public ClBuffer upload(double[] data) {
        ClBuffer b = allocate(8L * data.length);
        b.write(data);
        return b;
    }

    private cl_mem createBuffer(long bytes, long capacity) {
        for (int attempt = 0; ; attempt++) {
            try {
                cl_mem m = clCreateBuffer(context, CL_MEM_READ_WRITE, capacity, null, null);
                pool.allocated(capacity);
                return m;
            } catch (CLException e) {
                if (!OpenClOutOfMemoryException.isOutOfMemory(e.getStatus())) throw OpenClException.of(
                        "allocating " + describeRequest(bytes), e);
                if (attempt == 0) { // idle pooled buffers may be what fills the device: free them and retry
                    pool.trim();
                    continue;
                }
                if (attempt == 1) { // tensors nobody references any more return their buffers when collected
                    collectGarbage();
                    pool.trim();
                    continue;
                }
                throw new OpenClOutOfMemoryException("out of device memory allocating " + describeRequest(bytes)
                        + " (" + stringFor_errorCode(e.getStatus()) + "); " + pool.stats().liveBytes()
                        + " bytes are in use by gradwerk", e.getStatus(), e);
            }
        }
    }

    /**
     * Lets the garbage collector find unreachable buffers (the JVM does not see device memory, so it may not have
     * collected them yet) and gives their Cleaners a moment to hand them back, as the JDK does for direct buffers.
     */
    private static void collectGarbage() {
        System.gc();
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String describeRequest(long bytes) {
        return OpenClDevice.bytes(bytes) + " (" + bytes + " bytes) on " + device.id() + " '" + device.name()
                + "' with " + OpenClDevice.bytes(device.globalMemBytes()) + " of device memory";
    }

    void enqueueWrite(ClBuffer b, long byteOffset, ByteBuffer staging) {
        checkRange(b, byteOffset, staging.capacity());
        boolean drain;
        synchronized (staged) {
            staged.add(staging); // JOCL passes the direct buffer's address: it must outlive the transfer
            stagedBytes += staging.capacity();
            drain = stagedBytes > MAX_STAGED_BYTES;
        }
        try {
            clEnqueueWriteBuffer(queue, b.mem(), false, byteOffset, staging.capacity(), Pointer.to(staging), 0,
                    null, null);
        } catch (CLException e) {
            throw OpenClException.of("writing " + staging.capacity() + " bytes to the device", e);
        }
        if (drain) finish();
    }

    void enqueueReadBlocking(ClBuffer b, long byteOffset, long bytes, Pointer dst) {
        checkRange(b, byteOffset, bytes);
        try {
            clEnqueueReadBuffer(queue, b.mem(), true, byteOffset, bytes, dst, 0, null, null);
        } catch (CLException e) {
            throw OpenClException.of("reading " + bytes + " bytes from the device", e);
        }
        releaseStaging(); // a blocking read on an in-order queue returns after every earlier command completed
    }

    private static void checkRange(ClBuffer b, long byteOffset, long bytes) {
        if (byteOffset < 0 || bytes < 0 || byteOffset + bytes > b.byteSize())
            throw new IndexOutOfBoundsException("bytes [" + byteOffset + ", " + (byteOffset + bytes)
                    + ") outside a buffer of " + b.byteSize() + " bytes");
    }

    // ---- queue ---------------------------------------------------------------------------------------------------

    /** Sends the queued commands to the device without waiting. */
    public void flush() {
        try {
            clFlush(queue);
        } catch (CLException e) {
            throw OpenClException.of("clFlush", e);
        }
    }

    /** Waits until every queued command is complete. */
    public void finish() {
        try {
            clFinish(queue);
        } catch (CLException e) {
            throw OpenClException.of("waiting for the device (clFinish)", e);
        }
        releaseStaging();
    }

    private void releaseStaging() {
        synchronized (staged) {
            staged.clear();
            stagedBytes = 0;
        }
    }

    // ---- programs and kernels ------------------------------------------------------------------------------------

    /**
     * The options every program is built with: fused multiply-add allowed, whether doubles are available, and
     * whether 64-bit atomics are (for atomic adds of doubles, see common.cl).
     */
    public String baseBuildOptions() {
        String extra = extraBuildOptions();
        return "-cl-mad-enable" + (device.fp64() ? " -DGW_FP64=1" : "")
                + (hasInt64Atomics() ? " -DGW_INT64_ATOMICS=1" : "") + (extra.isEmpty() ? "" : " " + extra);
    }

    /**
     * Options added to every program build: system property {@code gradwerk.opencl.buildOptions}, else environment
     * variable {@code GRADWERK_OPENCL_BUILD_OPTIONS} (empty by default). E.g. {@code -cl-fast-relaxed-math} to try a
     * driver's fast math, or {@code -DGW_FAIL_BUILD=1}, which makes every build fail (common.cl), to see what a
     * kernel build error looks like.
     */
    static String extraBuildOptions() {
        String p = System.getProperty("gradwerk.opencl.buildOptions");
        if (p == null) p = System.getenv("GRADWERK_OPENCL_BUILD_OPTIONS");
        return p == null ? "" : p.strip();
    }

    /** The build options of a typed program. */
    String typedOptions(ClType type) {
        if (type == ClType.DOUBLE) requireFp64();
        return baseBuildOptions() + " -DREAL=" + type.cName() + (type == ClType.DOUBLE ? " -DGW_REAL_DOUBLE=1" : "");
    }

    private volatile String extensions;

    /** Whether the device lists {@code name} among its CL_DEVICE_EXTENSIONS. */
    public boolean hasExtension(String name) {
        String ext = extensions;
        if (ext == null) {
            try {
                long[] size = new long[1];
                clGetDeviceInfo(deviceId, CL_DEVICE_EXTENSIONS, 0, null, size);
                byte[] b = new byte[(int) size[0]];
                clGetDeviceInfo(deviceId, CL_DEVICE_EXTENSIONS, b.length, Pointer.to(b), null);
                int n = b.length;
                while (n > 0 && b[n - 1] == 0) n--;
                ext = extensions = " " + new String(b, 0, n, StandardCharsets.US_ASCII).strip() + " ";
            } catch (CLException e) {
                throw OpenClException.of("reading the extensions of " + device.id(), e);
            }
        }
        return ext.contains(" " + name + " ");
    }

    /** Whether kernels can add doubles atomically (cl_khr_int64_base_atomics); floats always can. */
    boolean hasInt64Atomics() {
        return hasExtension("cl_khr_int64_base_atomics");
    }

    /** Throws a clear message on devices without double precision. */
    void requireFp64() {
        if (!device.fp64())
            throw new UnsupportedOperationException("device " + device.id() + " '" + device.name()
                    + "' has no double precision (cl_khr_fp64); use float32 tensors on it");
    }

    /** The kernel {@code name} of resource {@code file} (e.g. "elementwise.cl") compiled for {@code type}. */
    ClKernel kernel(String file, ClType type, String name) {
        return kernel(file, typedOptions(type), name);
    }

    /** The kernel {@code name} of resource {@code file} compiled with {@code options}. */
    ClKernel kernel(String file, String options, String name) {
        String key = file + "|" + options + "#" + name;
        ClKernel k = kernels.get(key);
        if (k != null) return k;
        return kernels.computeIfAbsent(key, x -> {
            cl_program p = programs.computeIfAbsent(file + "|" + options, y -> build(file, source(file), options));
            try {
                return new ClKernel(name, clCreateKernel(p, name, null), queue, deviceId);
            } catch (CLException e) {
                throw OpenClException.of("creating kernel " + name + " of " + file, e);
            }
        });
    }

    /**
     * Builds (and caches under {@code name} and {@code options}) a program from source text, e.g. to check a
     * kernel of one's own. Throws {@link OpenClBuildException} with the compiler's full log on errors.
     */
    public void buildProgram(String name, String source, String options) {
        programs.computeIfAbsent(name + "|" + options, y -> build(name, source, options));
    }

    /** A kernel file with the prelude in front; {@code #line} keeps compiler messages pointing into the file. */
    private static String source(String file) {
        return resource("common.cl") + "\n#line 1 \"" + file + "\"\n" + resource(file);
    }

    static String resource(String file) {
        try (InputStream in = OpenClContext.class.getResourceAsStream(RESOURCES + file)) {
            if (in == null) throw new IllegalStateException("kernel source " + RESOURCES + file + " not on classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private cl_program build(String name, String source, String options) {
        checkOpen();
        cl_program p;
        try {
            p = clCreateProgramWithSource(context, 1, new String[] {source}, null, null);
        } catch (CLException e) {
            throw OpenClException.of("creating program " + name, e);
        }
        try {
            clBuildProgram(p, 1, new cl_device_id[] {deviceId}, options, null, null);
            return p;
        } catch (CLException e) {
            String log = buildLog(p);
            clReleaseProgram(p);
            throw new OpenClBuildException("building OpenCL program " + name + " with options '" + options + "' for "
                    + device.id() + " '" + device.name() + "' failed: " + stringFor_errorCode(e.getStatus())
                    + "\n--- build log ---\n" + log, log, e.getStatus(), e);
        }
    }

    private String buildLog(cl_program p) {
        try {
            long[] size = new long[1];
            clGetProgramBuildInfo(p, deviceId, CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] log = new byte[(int) size[0]];
            clGetProgramBuildInfo(p, deviceId, CL_PROGRAM_BUILD_LOG, log.length, Pointer.to(log), null);
            int n = log.length;
            while (n > 0 && log[n - 1] == 0) n--;
            return new String(log, 0, n, StandardCharsets.UTF_8).strip();
        } catch (CLException e) {
            return "(no build log: " + stringFor_errorCode(e.getStatus()) + ")";
        }
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("OpenClContext for " + device.id() + " is closed");
    }

    /**
     * Waits for the queue, then frees kernels, programs, idle buffers, the queue and the context. Buffers still
     * open are freed when they are closed. Does nothing for {@link #shared} contexts.
     */
    @Override
    public synchronized void close() {
        if (shared || closed) return;
        finish();
        closed = true;
        kernels.values().forEach(ClKernel::release);
        kernels.clear();
        programs.values().forEach(org.jocl.CL::clReleaseProgram);
        programs.clear();
        pool.close();
        clReleaseCommandQueue(queue);
        clReleaseContext(context);
    }

    @Override
    public String toString() {
        return "OpenClContext[" + device.describe() + "]";
    }
}

package gradwerk.tensor.cpu;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The arrays of released CPU storages (see {@link gradwerk.tensor.TensorScope} and
 * {@link gradwerk.tensor.Storage#release}), handed out again, zero-filled, to the next allocation of the same type
 * and length, or of a shorter one ({@link #MAX_OVERSIZE_EIGHTHS}). A training step allocates the same shapes step after step, so after the first step its activations
 * and gradients come from here and the garbage collector has almost nothing large to do.
 *
 * <p>Only arrays of at least {@link #MIN_LENGTH} elements are pooled (smaller ones come cheaply from the thread's
 * allocation buffer). The pool is bounded twice: when an outermost step scope closes it drops the arrays that
 * nobody took during the last {@link #RETAIN_STEPS} steps ({@link #trim}), and it never holds more than a quarter of
 * the maximum heap.
 * Thread-safe: a data loader's thread allocates too.
 */
public final class ArrayPool {
    /** Smallest pooled length in elements (16 KB of floats). */
    public static final int MIN_LENGTH = 4096;

    /**
     * How much longer than asked for a free array may be and still serve a request, in eighths (16: up to twice as
     * long), when none of the exact length is free. With exact lengths alone the pool holds, for every length, the
     * most arrays of that length ever in use at once, even when those peaks come at different moments of the step
     * (an activation's length early in the forward pass, a gradient's late in the backward pass); a longer free
     * array serves both, and the storage uses its first elements. Measured on a U-Net step (batch 4, 256²), the
     * pool holds 609 MB with exact lengths (8), 551 with 12, 502 with 16, 500 with 24, 521 with 32, for 415-455 MB
     * of storages in use at the step's peak. Override with -Dgradwerk.pool.oversize=N.
     */
    public static final int MAX_OVERSIZE_EIGHTHS = Math.max(8, Integer.getInteger("gradwerk.pool.oversize", 16));

    private static final long MAX_BYTES = Runtime.getRuntime().maxMemory() / 4;
    // free arrays by length, newest last in each deque
    private static final TreeMap<Integer, ArrayDeque<Entry>> FREE_FLOATS = new TreeMap<>(), FREE_DOUBLES = new TreeMap<>();
    private static long pooledBytes, fresh, reused, given;
    private static long outBytes, peakOutBytes; // handed out and not given back (persisted arrays never come back)
    private static int step; // counts trims
    private static int padding; // extra elements of every new array, NaN-filled (a test of the kernels)

    /**
     * Steps an array may wait unused before {@link #trim} drops it. More than one because the demand for one size
     * varies a little from step to step with the scheduling of the worker threads (two chunks of a convolution's
     * weight gradient that overlap need two scratch buffers of a size at once, and one at a time otherwise): with 1,
     * the second buffer was dropped after every step without overlap and allocated again at the next overlap, in
     * one step out of two or three. Shapes that stop being used (another batch size) are freed 3 steps later.
     */
    public static final int RETAIN_STEPS = 3;

    private ArrayPool() {}

    private record Entry(Object array, int step) {}

    /** Counters since start: arrays allocated new and taken from the pool (pooled lengths only), arrays given back. */
    public record Stats(long fresh, long reused, long given, long pooledBytes, long peakOutBytes) {}

    public static synchronized Stats stats() {
        return new Stats(fresh, reused, given, pooledBytes, peakOutBytes);
    }

    /** Restarts the high-water mark of the bytes handed out and not yet given back. */
    public static synchronized void resetPeak() {
        peakOutBytes = outBytes;
    }

    /**
     * For tests: every array handed out from now on has {@code elements} more elements than asked for, and they
     * hold NaN, so that a kernel that reads an array's length instead of its tensor's size gets NaN into its
     * results (0 turns it off).
     */
    public static synchronized void padForTesting(int elements) {
        if (elements < 0) throw new IllegalArgumentException("ArrayPool.padForTesting: " + elements + " < 0");
        padding = elements;
    }

    /** A zero-filled float[] of at least n elements. */
    static float[] floats(int n) {
        return floats(n, true);
    }

    /** A float[] of at least n elements, the first n zero-filled if {@code zeroed} (a new one always is). */
    static float[] floats(int n, boolean zeroed) {
        float[] a = (float[]) take(n, false);
        if (a == null) a = new float[n + padding];
        else if (zeroed) Arrays.fill(a, 0, n, 0f);
        if (padding > 0) Arrays.fill(a, n, a.length, Float.NaN);
        return a;
    }

    /** A double[] of at least n elements, the first n zero-filled if {@code zeroed}. */
    static double[] doubles(int n, boolean zeroed) {
        double[] a = (double[]) take(n, true);
        if (a == null) a = new double[n + padding];
        else if (zeroed) Arrays.fill(a, 0, n, 0d);
        if (padding > 0) Arrays.fill(a, n, a.length, Double.NaN);
        return a;
    }

    /** The shortest free array of n to n·{@link #MAX_OVERSIZE_EIGHTHS}/8 elements, or null (allocate one). */
    private static synchronized Object take(int n, boolean doubles) {
        if (n < MIN_LENGTH) return null;
        TreeMap<Integer, ArrayDeque<Entry>> free = doubles ? FREE_DOUBLES : FREE_FLOATS;
        Map.Entry<Integer, ArrayDeque<Entry>> fit = free.ceilingEntry(n);
        if (fit == null || fit.getKey() > (long) n * MAX_OVERSIZE_EIGHTHS / 8) {
            fresh++;
            count(bytes(n + padding, doubles));
            return null;
        }
        Entry e = fit.getValue().pollLast();
        if (fit.getValue().isEmpty()) free.remove(fit.getKey());
        reused++;
        long b = bytes(fit.getKey(), doubles);
        pooledBytes -= b;
        count(b);
        return e.array;
    }

    private static void count(long bytes) {
        outBytes += bytes;
        peakOutBytes = Math.max(peakOutBytes, outBytes);
    }

    /** Takes back the array of a released storage (a float[] or double[]); small ones are left to the collector. */
    static synchronized void give(Object array) {
        boolean doubles = array instanceof double[];
        int n = doubles ? ((double[]) array).length : ((float[]) array).length;
        if (n < MIN_LENGTH) return;
        outBytes -= bytes(n, doubles);
        if (pooledBytes + bytes(n, doubles) > MAX_BYTES) return;
        given++;
        pooledBytes += bytes(n, doubles);
        (doubles ? FREE_DOUBLES : FREE_FLOATS).computeIfAbsent(n, k -> new ArrayDeque<>()).addLast(new Entry(array, step));
    }

    /** Drops every free array (the garbage collector reclaims them): after training, or to start a test afresh. */
    public static synchronized void clear() {
        FREE_FLOATS.clear();
        FREE_DOUBLES.clear();
        pooledBytes = 0;
    }

    /** Ends a step: drops the arrays given back before the last {@link #RETAIN_STEPS} steps and not taken since. */
    public static synchronized void trim() {
        step++;
        trim(FREE_FLOATS, false);
        trim(FREE_DOUBLES, true);
    }

    private static void trim(TreeMap<Integer, ArrayDeque<Entry>> free, boolean doubles) {
        for (Iterator<Map.Entry<Integer, ArrayDeque<Entry>>> it = free.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Integer, ArrayDeque<Entry>> kv = it.next();
            ArrayDeque<Entry> arrays = kv.getValue();
            while (!arrays.isEmpty() && arrays.peekFirst().step < step - RETAIN_STEPS) {
                arrays.pollFirst();
                pooledBytes -= bytes(kv.getKey(), doubles);
            }
            if (arrays.isEmpty()) it.remove();
        }
    }

    private static long bytes(int n, boolean doubles) {
        return (long) n * (doubles ? 8 : 4);
    }
}

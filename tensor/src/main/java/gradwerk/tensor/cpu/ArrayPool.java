package gradwerk.tensor.cpu;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The arrays of released CPU storages (see {@link gradwerk.tensor.TensorScope} and
 * {@link gradwerk.tensor.Storage#release}), handed out again, zero-filled, to the next allocation of the same type
 * and length. A training step allocates the same shapes step after step, so after the first step its activations
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

    private static final long MAX_BYTES = Runtime.getRuntime().maxMemory() / 4;
    private static final Map<Long, ArrayDeque<Entry>> FREE = new HashMap<>(); // by key(), newest last
    private static long pooledBytes, fresh, reused, given;
    private static long outBytes, peakOutBytes; // handed out and not given back (persisted arrays never come back)
    private static int step; // counts trims

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

    /** A zero-filled float[] of length n. */
    static float[] floats(int n) {
        return floats(n, true);
    }

    /** A float[] of length n, zero-filled if {@code zeroed} (a new one always is). */
    static float[] floats(int n, boolean zeroed) {
        float[] a = (float[]) take(n, false);
        if (a == null) return new float[n];
        if (zeroed) java.util.Arrays.fill(a, 0f);
        return a;
    }

    /** A double[] of length n, zero-filled if {@code zeroed}. */
    static double[] doubles(int n, boolean zeroed) {
        double[] a = (double[]) take(n, true);
        if (a == null) return new double[n];
        if (zeroed) java.util.Arrays.fill(a, 0d);
        return a;
    }

    private static synchronized Object take(int n, boolean doubles) {
        if (n < MIN_LENGTH) return null;
        ArrayDeque<Entry> free = FREE.get(key(n, doubles));
        Entry e = free == null ? null : free.pollLast();
        outBytes += bytes(n, doubles);
        peakOutBytes = Math.max(peakOutBytes, outBytes);
        if (e == null) {
            fresh++;
            return null;
        }
        reused++;
        pooledBytes -= bytes(n, doubles);
        return e.array;
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
        FREE.computeIfAbsent(key(n, doubles), k -> new ArrayDeque<>()).addLast(new Entry(array, step));
    }

    /** Ends a step: drops the arrays given back before the last {@link #RETAIN_STEPS} steps and not taken since. */
    public static synchronized void trim() {
        step++;
        for (Iterator<Map.Entry<Long, ArrayDeque<Entry>>> it = FREE.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, ArrayDeque<Entry>> kv = it.next();
            ArrayDeque<Entry> free = kv.getValue();
            while (!free.isEmpty() && free.peekFirst().step < step - RETAIN_STEPS) {
                free.pollFirst();
                pooledBytes -= bytes((int) (kv.getKey() >> 1), (kv.getKey() & 1) != 0);
            }
            if (free.isEmpty()) it.remove();
        }
    }

    private static long key(int n, boolean doubles) {
        return (long) n << 1 | (doubles ? 1 : 0);
    }

    private static long bytes(int n, boolean doubles) {
        return (long) n * (doubles ? 8 : 4);
    }
}

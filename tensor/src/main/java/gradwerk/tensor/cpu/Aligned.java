package gradwerk.tensor.cpu;

import java.lang.management.ManagementFactory;

/**
 * Scratch arrays whose data can start on a cache-line boundary.
 *
 * <h2>Why</h2>
 * A 512-bit vector is exactly one 64-byte cache line. A vector load from an address that is not a multiple of 64
 * touches two lines (a "split load"), which costs the load ports about twice as much. The micro-kernels of
 * {@link GemmF32} load two vectors of packed B per step; with a misaligned buffer every one of them is split.
 * Measured on a 2-core AVX-512 Xeon (Intel model 167), GEMM micro-kernel over a packed B slab in L2, 9 interleaved
 * rounds: 177 GFLOPS with B on a 16-byte boundary, 182 on a 64-byte one.
 *
 * <h2>How, in Java</h2>
 * Java does not say where an array lives, and the garbage collector moves ordinary objects. The exception is
 * G1's "humongous" objects, at least half a heap region: G1 places each at the start of its own region(s) and does
 * not move it during ordinary collections. A region is a power of two of at least 1 MB, so such an array's
 * elements start at the array's header size past a 1 MB boundary: 16 bytes with the default object layout
 * (compressed class pointers, no compact object headers). {@link #floats} therefore hands out arrays of at least
 * half a region, and {@link #FLOAT_SKIP} is how many elements to skip so that the data used starts at a 64-byte
 * boundary: 12 floats (48 bytes).
 *
 * <p>Where that reasoning does not hold (another collector, another header layout, or the management API missing
 * from a trimmed runtime) the skip is 0 and the arrays are ordinary: everything still works, only the alignment is
 * not known. Alignment only changes speed, never results.
 */
final class Aligned {
    /** Bytes in a cache line, which is also one 512-bit vector. */
    static final int LINE = 64;
    /** Bytes of a G1 heap region when G1 runs with the default object layout, else 0 (alignment unknown). */
    private static final long REGION_BYTES = g1RegionBytes();
    /** The offset of element 0 from the start of an array object in the layout where {@link #REGION_BYTES} > 0. */
    private static final int ARRAY_BASE = 16;
    /** Floats to skip at the start of an array from {@link #floats} so that the next is 64-byte aligned (0: unknown). */
    static final int FLOAT_SKIP = REGION_BYTES > 0 ? (LINE - ARRAY_BASE) / Float.BYTES : 0;
    /** Doubles to skip at the start of an array from {@link #doubles} (0: unknown). */
    static final int DOUBLE_SKIP = REGION_BYTES > 0 ? (LINE - ARRAY_BASE) / Double.BYTES : 0;

    private Aligned() {}

    /**
     * A zeroed float array with at least {@code FLOAT_SKIP + length} elements, big enough to be humongous when the
     * alignment is known, so that element {@link #FLOAT_SKIP} is on a 64-byte boundary.
     */
    static float[] floats(int length) {
        return new float[(int) Math.max(FLOAT_SKIP + (long) length, humongousElements(Float.BYTES))];
    }

    /** Same as {@link #floats} for double. */
    static double[] doubles(int length) {
        return new double[(int) Math.max(DOUBLE_SKIP + (long) length, humongousElements(Double.BYTES))];
    }

    /** Whether an array holds {@code length} elements after the skip (a buffer that can be reused as it is). */
    static boolean fits(float[] a, int length) {
        return a.length >= FLOAT_SKIP + (long) length;
    }

    static boolean fits(double[] a, int length) {
        return a.length >= DOUBLE_SKIP + (long) length;
    }

    /** The fewest elements of the given size that make an array humongous (0 when alignment is unknown). */
    private static long humongousElements(int elementBytes) {
        return REGION_BYTES == 0 ? 0 : (REGION_BYTES / 2 + elementBytes - 1) / elementBytes;
    }

    /**
     * G1's region size, when G1 is the collector and arrays use the default header (16 bytes before element 0); 0
     * otherwise or when the JVM cannot say (system property gradwerk.align=false also gives 0, for A/B runs).
     */
    private static long g1RegionBytes() {
        if (!Boolean.parseBoolean(System.getProperty("gradwerk.align", "true"))) return 0;
        try {
            var vm = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            if (!Boolean.parseBoolean(vm.getVMOption("UseG1GC").getValue())) return 0;
            if (!Boolean.parseBoolean(vm.getVMOption("UseCompressedClassPointers").getValue())) return 0;
            try {
                if (Boolean.parseBoolean(vm.getVMOption("UseCompactObjectHeaders").getValue())) return 0;
            } catch (IllegalArgumentException noSuchOption) {
                // a JDK before compact object headers: the default layout
            }
            long region = Long.parseLong(vm.getVMOption("G1HeapRegionSize").getValue());
            return region >= (1 << 20) && Long.bitCount(region) == 1 ? region : 0;
        } catch (RuntimeException | LinkageError noManagement) {
            return 0;                                 // e.g. a jlink'd runtime without java.management
        }
    }
}

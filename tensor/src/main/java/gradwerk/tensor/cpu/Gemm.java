package gradwerk.tensor.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * General matrix multiply on the CPU: {@code C = (accumulate ? C : 0) + A·B}, for float ({@link #sgemm}) and
 * double ({@link #dgemm}), with arbitrary strides so that transposed and non-contiguous views cost nothing extra.
 *
 * <h2>How it is fast: the Goto / BLIS design</h2>
 * A GEMM does 2·m·n·k flops on only m·k + k·n + m·n numbers, so it can run at the FMA units' peak, but only if
 * each number fetched from memory is used many times while it is close to the core. The structure follows
 * K. Goto and R. van de Geijn, "Anatomy of High-Performance Matrix Multiplication" (ACM TOMS 34(3), 2008) and
 * F. Van Zee and R. van de Geijn, "BLIS: A Framework for Rapidly Instantiating BLAS Functionality" (ACM TOMS
 * 41(3), 2015): loops around a micro-kernel, each sized so that its working set fits one cache level.
 * <pre>
 *  loop 5  for jc in steps of NC:            a KC x NC block of B   -> packed once, shared, lives in L3
 *  loop 4    for pc in steps of KC:
 *              pack B[pc:pc+KC, jc:jc+NC] into NR-wide micro-panels
 *  loop 3      for ic in steps of MC:        an MC x KC block of A  -> packed per thread
 *                pack A[ic:ic+MC, pc:pc+KC] into MR-tall micro-panels
 *                for each slab of NB columns: a KC x NB slab of packed B -> L2
 *  loop 2          for ir in steps of MR:    a KC x MR micro-panel of A -> L1
 *  loop 1            for jr in steps of NR:
 *                      micro-kernel: C[MR x NR tile] (+)= A-micro-panel · B-micro-panel, in registers
 * </pre>
 * <b>Packing</b> copies a block of A or B, read through whatever strides the caller gave, into a contiguous
 * buffer in exactly the order the micro-kernel consumes it. That makes every layout (row-major, transposed,
 * strided) run the same inner loop at unit stride, and costs O(mk + kn) against the O(mnk) of the product.
 * Edge panels are padded with zeros, so the micro-kernel never needs a tail case; an edge tile of C is computed
 * into a small scratch tile and only its existing part is written back.
 *
 * <p><b>Loops 1 and 2 are swapped</b> compared with BLIS (which keeps a B micro-panel in L1 and walks down a
 * column of C tiles): here an A micro-panel stays in L1 while B micro-panels stream from an L2-resident slab, so
 * consecutive micro-kernel calls update neighbouring tiles of the same rows of C. Java has no prefetch
 * instruction, so C must come in through the hardware prefetcher, which follows sequential accesses within a
 * page but not a walk down the column of a large matrix (one 4 KB page per row at n=1024). Measured on the
 * 2-core Zen 3: 10-30% faster at n=1024-2048.
 *
 * <p><b>The micro-kernel</b> keeps an MR x NR tile of C in registers: MR = 4 rows times NR = 2 vectors (4 x 16
 * floats with AVX2). Each step p loads 2 vectors of B, broadcasts 4 values of A and issues 8 independent FMAs:
 * 8 chains are exactly what two FMA pipes with a 4-cycle latency need. The usual AVX2 choice, 6 x 2 vectors
 * (12 accumulators), does not work from Java: C2 hoists all of a step's A broadcasts above its FMAs, runs out of
 * the 16 vector registers and keeps an accumulator on the stack, halving the speed (see GemmF32.kernel4). It is
 * written out with named locals because the JIT keeps locals in registers, not arrays of vectors. Its index
 * arithmetic is linear in p, so C2 hoists all bounds checks out of the loop (checked in the generated code).
 * With 512-bit vectors (AVX-512 has 32 vector registers) MR = 12: 24 accumulators, and a third of the B traffic
 * per FMA. Measured on a 2-core Xeon (family 6, model 207): 142 GFLOPS per core at n=1024, against 86 with MR = 4.
 * Its loop does two steps per iteration, with the panels' indices carried along: C2 does not unroll a loop that
 * large, and the index arithmetic of one step per iteration took FMA issue slots (GemmF32.kernel12; a whole sgemm
 * on one core of an Intel model 167, n = 1024: 150-154 → 154-164 GFLOPS).
 *
 * <p><b>Blocking</b> (2-core Zen 3: 32 KB L1d, 512 KB L2 per core, shared L3): KC = 256, so a KC x MR
 * micro-panel of A (4 KB) and the B micro-panels streaming past it fit L1; NB = 256 columns, so a KC x NB slab
 * of packed B (256 KB) stays in L2 next to the A block; MC = 120 rows (cut evenly); NC = 4096, so a
 * packed KC x NC block of B (4 MB) stays in L3. Block sizes are cut evenly ({@link #evenStep}): k = 300 becomes
 * 2 x 150, not 256 + 44. System properties {@code gradwerk.gemm.kc/mc/nc/slab} override them for tuning.
 *
 * <p><b>Threads</b> ({@code parallel=true}, via {@link Parallel}; see {@link #split}): for big products the
 * threads share one packed B per (jc, pc) block — they pack it together, then take MC-row blocks of C (each packs
 * its A block into its own buffer). Smaller products are cut into independent row slices (or column slices when C
 * has few rows), each running the whole loop nest with its own packing, so that only one fork/join is paid.
 * Threads claim blocks and slices one at a time from a counter ({@link #forEachClaimed}), so a thread that the OS
 * preempts on a busy machine delays only its current block. {@code parallel=false} keeps everything on the
 * calling thread, for callers that already run many small GEMMs in parallel.
 *
 * <p><b>Small sizes</b> (up to {@value #SMALL_FLOPS} flops) skip packing: a direct vectorised loop is
 * faster than preparing panels. With {@code gradwerk.simd.bits=0} ({@link Simd#SCALAR}) a plain triple loop runs.
 *
 * <p>Packing buffers are per thread and reused across calls ({@link ThreadLocal}), so a GEMM allocates nothing
 * after the first call on a thread. Packed B starts on a 64-byte cache line where the JVM lets that be known
 * ({@link Aligned}: under G1), so that none of the micro-kernel's vector loads straddles two lines: one core of the
 * AVX-512 Xeon (model 167), n = 2048, three alternated runs: 170-175 against 157-171 GFLOPS. C must not overlap A
 * or B.
 */
public final class Gemm {
    /**
     * Rows of the register tile (see class comment): 12 where vectors are 512 bits (AVX-512, which has 32 vector
     * registers), else 4. System property gradwerk.gemm.mr (4 or 12) overrides it.
     */
    static final int MR = chooseMr();
    /**
     * Depth of a packed block: 256, and 512 with the 12-row tile (AVX-512), whose C tile is then loaded and stored
     * half as often. Measured on the 2-core AVX-512 Xeon, `GemmBench`, 4 alternating rounds, medians: 300 against
     * 291 GFLOPS at n = 4096 on 2 threads, the same at 256 and 1024 (242 / 284 GFLOPS, 148 on one thread). System
     * properties gradwerk.gemm.kc / .mc / .nc override the blocking (tuning).
     */
    static final int KC = Math.max(1, Integer.getInteger("gradwerk.gemm.kc", MR == 12 ? 512 : 256));
    /** Rows of A per packed block (a multiple of MR). */
    static final int MC = Math.max(1, Integer.getInteger("gradwerk.gemm.mc", 120) / MR) * MR;
    /** Columns of B per packed block (rounded down to a multiple of NR by each engine). */
    static final int NC = Math.max(64, Integer.getInteger("gradwerk.gemm.nc", 4096));
    /** Bytes of a slab of packed B that the macro-kernel keeps in L2 (half of Zen 3's 512 KB, next to A). */
    static final int L2_SLAB_BYTES = Math.max(1024, Integer.getInteger("gradwerk.gemm.slab", 256 << 10));
    /**
     * Up to this many flops (2mnk), the unpacked loop of the small path is used. Measured on one core of the AVX-512
     * Xeon (model 167), small path against packed: 32³ 116 vs 48 GFLOPS, 48³ 110 vs 54, 64³ 130 vs 82, 96³ 134 vs
     * 117, 128³ 107 vs 127; the criss-cross attention's batched 16 × 256 × 16 and 16 × 16 × 256 products 119 vs 65
     * and 98 vs 14 (a 16-column C fills half of the packed path's 32-lane tile). Above 2·64³ the better path
     * depends on the shape (64 × 256 × 64: packed 124 vs 94; 256 × 64 × 64: small 123 vs 96).
     */
    static final long SMALL_FLOPS = 2L * 64 * 64 * 64;
    /**
     * Threads share a packed B (two fork/joins per KC block) only when one KC block of the product has at least
     * this many flops; smaller products are cut into independent slices with a single fork/join, because waking
     * the pool's threads costs ~10-50 µs on an idle machine and up to milliseconds on a busy one. Sharing B also
     * costs: one thread packs what the other reads, so panels cross between cores' caches. Measured on a 2-core
     * AVX-512 Xeon, 2 threads, square sizes: independent slices 1.05-1.07× at n = 1024, 1.04-1.08× at 2048 and
     * 1.00× at 4096 against shared B (KC = 256 then); hence 8 GFLOP, which n = 4096 passes with either KC.
     * System property gradwerk.gemm.sharedBFlops overrides it (not final: tests take the shared path at small sizes).
     */
    static long sharedBFlops = Long.getLong("gradwerk.gemm.sharedBFlops", 8L << 30);
    /** Below this many flops, {@code parallel=true} still runs on one thread: a fork/join costs ~10-50 µs. */
    static final long PARALLEL_FLOPS = 2L * 96 * 96 * 96;

    private Gemm() {}

    private static int chooseMr() {
        int mr = Integer.getInteger("gradwerk.gemm.mr", !Simd.SCALAR && Simd.BITS >= 512 ? 12 : 4);
        if (mr != 4 && mr != 12) throw new IllegalArgumentException("gradwerk.gemm.mr: " + mr + " is not 4 or 12");
        return mr;
    }

    /**
     * C[m×n] = (accumulate ? C : 0) + A[m×k]·B[k×n]. Element A(i,p) is a[aOff + i*aRs + p*aCs]; B(p,j) is
     * b[bOff + p*bRs + j*bCs]; C(i,j) is c[cOff + i*ldc + j]. Any strides (so transposes and non-contiguous views
     * are free: packing reads them).
     *
     * @param parallel false: run entirely on the calling thread; true: may use {@link Parallel#threads()} threads
     * @throws IllegalArgumentException if a size is negative or an element of A, B or C lies outside its array
     */
    public static void sgemm(int m, int n, int k, float[] a, int aOff, int aRs, int aCs, float[] b, int bOff,
                             int bRs, int bCs, float[] c, int cOff, int ldc, boolean accumulate, boolean parallel) {
        if (!check(m, n, k, a.length, aOff, aRs, aCs, b.length, bOff, bRs, bCs, c.length, cOff, ldc)) return;
        if (k == 0) {
            if (!accumulate) for (int i = 0; i < m; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            return;
        }
        GemmF32.gemm(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, accumulate, parallel);
    }

    /** Same as {@link #sgemm} for double (used for float64 gradient checks). */
    public static void dgemm(int m, int n, int k, double[] a, int aOff, int aRs, int aCs, double[] b, int bOff,
                             int bRs, int bCs, double[] c, int cOff, int ldc, boolean accumulate, boolean parallel) {
        if (!check(m, n, k, a.length, aOff, aRs, aCs, b.length, bOff, bRs, bCs, c.length, cOff, ldc)) return;
        if (k == 0) {
            if (!accumulate) for (int i = 0; i < m; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0d);
            return;
        }
        GemmF64.gemm(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, accumulate, parallel);
    }

    /**
     * Validates sizes and that every addressed element is inside its array (checking the four corners is enough
     * because an index is linear in i and p). Returns false when C is empty and there is nothing to do.
     */
    private static boolean check(int m, int n, int k, int aLen, int aOff, int aRs, int aCs, int bLen, int bOff,
                                 int bRs, int bCs, int cLen, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0)
            throw new IllegalArgumentException("gemm: negative size m=" + m + " n=" + n + " k=" + k);
        if (m == 0 || n == 0) return false;
        if (m > 1 && ldc < n)
            throw new IllegalArgumentException("gemm: ldc=" + ldc + " < n=" + n + " would make rows of C overlap");
        checkRange("C", cLen, cOff, m, ldc, n, 1);
        if (k > 0) {
            checkRange("A", aLen, aOff, m, aRs, k, aCs);
            checkRange("B", bLen, bOff, k, bRs, n, bCs);
        }
        return true;
    }

    private static void checkRange(String name, int len, int off, int rows, int rs, int cols, int cs) {
        long last = (long) off + (long) (rows - 1) * rs + (long) (cols - 1) * cs;
        long lo = Math.min(Math.min(off, (long) off + (long) (rows - 1) * rs), Math.min((long) off + (long) (cols - 1) * cs, last));
        long hi = Math.max(Math.max(off, (long) off + (long) (rows - 1) * rs), Math.max((long) off + (long) (cols - 1) * cs, last));
        if (lo < 0 || hi >= len)
            throw new IllegalArgumentException("gemm: " + name + " indices [" + lo + ", " + hi + "] outside array of "
                    + len + " (" + rows + "x" + cols + ", offset " + off + ", strides " + rs + ", " + cs + ")");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Splitting one GEMM across threads (shared by the float and double engines)
    // ---------------------------------------------------------------------------------------------------------

    /** The ways an engine can run a GEMM in parallel. */
    interface Job {
        /** Computes the block [i0, i1) x [j0, j1) of C on the calling thread, with its own packed A and B. */
        void block(int i0, int i1, int j0, int j1);

        /** Computes all of C, the threads sharing each packed block of B and splitting C's rows. */
        void rows(int threads);
    }

    /**
     * Picks how to cut a GEMM across {@code threads}.
     * <ul>
     * <li>Big products with enough rows: the threads share each packed KC x NC block of B (packed once, together)
     *     and split the rows. That costs two fork/joins per KC block, negligible when a block is many MFLOPs.
     * <li>Smaller products with enough rows: each thread takes a slice of rows and runs the whole loop nest alone,
     *     packing its own copy of B (one fork/join in all; copying B is a fast vector copy for row-major B).
     * <li>Few rows, many columns (common for convolutions written as GEMMs): slices of columns instead, each
     *     packing its own copy of the small A.
     * </ul>
     */
    static void split(Job job, int m, int n, int k, int mr, int nr, int threads) {
        int rowPanels = (m + mr - 1) / mr, colPanels = (n + nr - 1) / nr;
        boolean bigBlocks = 2L * m * n * Math.min(k, KC) >= sharedBFlops;
        if (rowPanels >= 4 * threads && bigBlocks || colPanels < 2 * threads) {
            job.rows(threads);
        } else if (rowPanels >= 2 * threads) {
            int height = (rowPanels + threads - 1) / threads * mr;
            forEachClaimed((m + height - 1) / height, threads,
                    s -> job.block(s * height, Math.min(m, (s + 1) * height), 0, n));
        } else {
            int width = (colPanels + threads - 1) / threads * nr;
            forEachClaimed((n + width - 1) / width, threads,
                    s -> job.block(0, m, s * width, Math.min(n, (s + 1) * width)));
        }
    }

    /**
     * Runs {@code body.accept(item)} for every item in [0, items) on up to {@code threads} threads, which claim
     * items one at a time from a shared counter instead of each taking a fixed share. On a dedicated machine the
     * result is the same; on a busy one a thread the OS preempts holds up only the item it is on, while the other
     * threads take the rest, instead of everyone waiting for its whole share at the join.
     */
    static void forEachClaimed(int items, int threads, IntConsumer body) {
        if (items <= 1 || threads <= 1) {
            for (int i = 0; i < items; i++) body.accept(i);
            return;
        }
        var next = new AtomicInteger();
        Parallel.forRange(Math.min(items, threads), 1, (t0, t1) -> {
            for (int item; (item = next.getAndIncrement()) < items; ) body.accept(item);
        });
    }

    /**
     * The block size for cutting {@code total} into {@code pieces(total, max, parts)} blocks of at most {@code max},
     * as even as possible and a multiple of {@code unit}. 300 with max 256 gives 2 blocks of 150 rather than
     * 256 + 44, so no block is so thin that the work around the micro-kernel (C updates, packing) shows. With
     * {@code parts > 1} the number of blocks is a multiple of parts, so threads get equal numbers of them.
     */
    static int evenStep(int total, int max, int unit, int parts) {
        int blocks = roundUp((total + max - 1) / max, parts);
        return Math.min(max, roundUp((total + blocks - 1) / blocks, unit));
    }

    static int roundUp(int x, int y) {
        return (x + y - 1) / y * y;
    }
}

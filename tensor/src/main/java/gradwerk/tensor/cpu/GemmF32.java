package gradwerk.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float32 engine behind {@link Gemm#sgemm}: cache-blocked, packed, register-blocked path described in {@link Gemm}'s class comment. {@link GemmF64} is the same code for double.
 *
 * <p>Arguments arrive already checked by {@link Gemm}; here m, n, k &gt; 0.
 */
final class GemmF32 {
    private static final VectorSpecies<Float> F = Simd.F;
    /** Float lanes per vector (1 when scalar: the blocked path is not used then). */
    private static final int L = Simd.SCALAR ? 1 : F.length();

    /** Micro-tile: MR rows of C times NR = 2 vectors of columns, held in 2*MR accumulator registers. */
    static final int MR = Gemm.MR;
    static final int NR = 2 * L;
    /** Depth of one packed block: a KC x MR micro-panel of A (KC*MR*4 bytes) stays in L1 while B streams past. */
    static final int KC = Gemm.KC;
    /** Rows of A packed at once (cut evenly): an MC x KC block of A (MC*KC*4 bytes), reread from L2 per slab. */
    static final int MC = Gemm.MC;
    /** Columns of B packed at once: a KC x NC block of B is shared by all threads from L3. */
    static final int NC = Gemm.NC / NR * NR;
    /** Columns of packed B multiplied at a time by {@code macroKernel}: a KC x NB slab of B stays in L2. */
    static final int NB = Math.max(NR, Gemm.L2_SLAB_BYTES / (KC * Float.BYTES) / NR * NR);

    /**
     * Where packed B starts in its buffer: {@link Aligned}'s skip, so that every B micro-panel, and so every vector
     * the micro-kernel loads from it, begins on a 64-byte cache line instead of straddling two.
     */
    static final int B0 = Aligned.FLOAT_SKIP;

    /**
     * Whether {@code packA} transposes row-major A 16 steps at a time in registers ({@link Transpose16}): with
     * 16-lane vectors and the 12-row tile. Measured in the criss-cross block, whose 1×1 convolutions are GEMMs of
     * 256 × 256 × 256 per image: see BENCHMARKS.md, 2026-11-29 09:05.
     */
    static final boolean TRANSPOSE_A = L == 16 && MR == 12 && !"false".equals(System.getProperty("gradwerk.gemm.transposeA"));

    private GemmF32() {}

    // ---------------------------------------------------------------------------------------------------------
    // Entry point
    // ---------------------------------------------------------------------------------------------------------

    static void gemm(int m, int n, int k, float[] a, int aOff, int aRs, int aCs, float[] b, int bOff, int bRs,
                     int bCs, float[] c, int cOff, int ldc, boolean accumulate, boolean parallel) {
        if (Simd.SCALAR) {
            GemmSmall.naive(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, accumulate);
            return;
        }
        long flops = 2L * m * n * k;
        if (flops <= Gemm.SMALL_FLOPS || m < MR && n < NR) {
            GemmSmall.small(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, accumulate);
            return;
        }
        var job = new Job(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, accumulate);
        int threads = parallel && flops >= Gemm.PARALLEL_FLOPS ? Parallel.threads() : 1;
        if (threads <= 1) job.block(0, m, 0, n);
        else Gemm.split(job, m, n, k, MR, NR, threads);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Blocked path (Goto / BLIS loop nest)
    // ---------------------------------------------------------------------------------------------------------

    /** One sgemm call: its arguments, and the two ways {@link Gemm#split} can cut it across threads. */
    private static final class Job implements Gemm.Job {
        final int m, n, k, aOff, aRs, aCs, bOff, bRs, bCs, cOff, ldc;
        final float[] a, b, c;
        final boolean accumulate;

        Job(int m, int n, int k, float[] a, int aOff, int aRs, int aCs, float[] b, int bOff, int bRs, int bCs,
            float[] c, int cOff, int ldc, boolean accumulate) {
            this.m = m; this.n = n; this.k = k;
            this.a = a; this.aOff = aOff; this.aRs = aRs; this.aCs = aCs;
            this.b = b; this.bOff = bOff; this.bRs = bRs; this.bCs = bCs;
            this.c = c; this.cOff = cOff; this.ldc = ldc; this.accumulate = accumulate;
        }

        /**
         * Computes the block [i0, i1) x [j0, j1) of C on the calling thread: the whole loop nest, with this thread's
         * own packed copies of A and B. Used serially (all of C) and for the independent slices of {@link Gemm#split}.
         */
        @Override
        public void block(int i0, int i1, int j0, int j1) {
            Workspace ws = Workspace.get();
            int kcStep = evenStep(k, KC, 1, 1), mcStep = evenStep(i1 - i0, MC, MR, 1);
            for (int jc = j0; jc < j1; jc += NC) {                         // loop 5: NC columns of B and C
                int nc = Math.min(NC, j1 - jc);
                float[] bPack = ws.bPack(kcStep * roundUp(nc, NR));
                float[] aPack = ws.aPack(mcStep * kcStep);
                for (int pc = 0; pc < k; pc += kcStep) {                     // loop 4: KC deep slice of A and B
                    int kc = Math.min(kcStep, k - pc);
                    packB(kc, nc, pc, jc, 0, nc, bPack);
                    boolean add = accumulate || pc > 0;
                    for (int ic = i0; ic < i1; ic += mcStep) {               // loop 3: MC rows of A and C
                        int mc = Math.min(mcStep, i1 - ic);
                        packA(mc, kc, ic, pc, aPack);
                        macroKernel(mc, nc, kc, ic, jc, 0, nc, aPack, bPack, add, ws.tile);
                    }
                }
            }
        }

        /**
         * Computes all of C with the threads splitting its rows and sharing one packed B: for each (jc, pc) block they
         * first pack B together, then multiply MC-row blocks of C. Two fork/joins per block.
         */
        @Override
        public void rows(int threads) {
            int kcStep = evenStep(k, KC, 1, 1), mcStep = evenStep(m, MC, MR, threads);
            int rowBlocks = ceilDiv(m, mcStep);
            float[] bPack = Workspace.get().bPack(kcStep * roundUp(Math.min(NC, n), NR));
            for (int jc = 0; jc < n; jc += NC) {
                int nc = Math.min(NC, n - jc);
                for (int pc = 0; pc < k; pc += kcStep) {
                    int kc = Math.min(kcStep, k - pc), jcF = jc, pcF = pc;
                    boolean add = accumulate || pc > 0;
                    // Pack B, one NR-wide micro-panel per item; then multiply, one MC-row block of C per item.
                    Gemm.forEachClaimed(ceilDiv(nc, NR), threads, q ->
                            packB(kc, nc, pcF, jcF, q * NR, Math.min((q + 1) * NR, nc), bPack));
                    Gemm.forEachClaimed(rowBlocks, threads, block -> {
                        Workspace ws = Workspace.get();
                        int ic = block * mcStep, mc = Math.min(mcStep, m - ic);
                        float[] aPack = ws.aPack(mcStep * kc);
                        packA(mc, kc, ic, pcF, aPack);
                        macroKernel(mc, nc, kc, ic, jcF, 0, nc, aPack, bPack, add, ws.tile);
                    });
                }
            }
        }

        /**
         * Loops 2 and 1 around the micro-kernel: C[ic:ic+mc, jc+j0 : jc+j1] (+)= packedA · packedB, in slabs of NB
         * columns. Within a slab, each MR-row A micro-panel stays in L1 while it is multiplied with the slab's
         * NR-wide B micro-panels, which stream from L2 (a KC x NB slab of packed B is ~256 KB). Walking C along its
         * rows, tile after tile, keeps C's accesses sequential, so the hardware prefetcher fetches them; the
         * classic BLIS order (B micro-panel outer) walks down C's columns, one 4 KB page per row for large n,
         * which no prefetcher follows (measured: 10-25% slower at n=1000-2048).
         */
        private void macroKernel(int mc, int nc, int kc, int ic, int jc, int j0, int j1, float[] aPack,
                                 float[] bPack, boolean add, float[] tile) {
            for (int slab = j0; slab < j1; slab += NB) {                            // slab of B kept in L2
                int slabEnd = Math.min(slab + NB, j1);
                for (int ir = 0; ir < mc; ir += MR) {                              // loop 2: MR rows
                    int mr = Math.min(MR, mc - ir);
                    int aAt = ir / MR * (kc * MR);
                    for (int jr = slab; jr < slabEnd; jr += NR) {                  // loop 1: NR columns
                        int nr = Math.min(NR, slabEnd - jr);
                        int bAt = B0 + jr / NR * (kc * NR);
                        int cAt = cOff + (ic + ir) * ldc + jc + jr;
                        if (mr == MR && nr == NR) {
                            kernel(kc, aPack, aAt, bPack, bAt, c, cAt, ldc, add);
                        } else {                               // edge tile: compute all of it, keep what exists
                            kernel(kc, aPack, aAt, bPack, bAt, tile, 0, NR, false);
                            for (int i = 0; i < mr; i++)
                                for (int j = 0; j < nr; j++)
                                    c[cAt + i * ldc + j] = (add ? c[cAt + i * ldc + j] : 0f) + tile[i * NR + j];
                        }
                    }
                }
            }
        }

        /**
         * Packs A[ic:ic+mc, pc:pc+kc] into MR-row micro-panels: panel r holds, for p = 0..kc-1, the MR values
         * A(ic+r*MR+0..MR-1, pc+p) next to each other, which is the order the micro-kernel reads them. Rows past m
         * are zero so edge tiles need no special kernel.
         */
        private void packA(int mc, int kc, int ic, int pc, float[] aPack) {
            assert aPack.length >= roundUp(mc, MR) * kc + 16 - MR : "packA needs 16 - MR floats of slack";
            int at = 0;
            for (int ir = 0; ir < mc; ir += MR) {
                int mr = Math.min(MR, mc - ir);
                int rowAt = aOff + (ic + ir) * aRs + pc * aCs;
                if (mr == MR && aCs == 1) {                    // row-major A: MR sequential streams
                    int p = 0;
                    // 16 steps at a time, transposed in registers, where the 16 rows read (this panel's 12 and 4
                    // beyond, whose lanes the next rows' stores overwrite) lie inside the array
                    if (TRANSPOSE_A && rowAt + 15L * aRs + kc <= a.length)
                        for (; p + 16 <= kc; p += 16, at += 16 * MR) Transpose16.transpose(a, rowAt + p, aRs, aPack, at, MR);
                    for (; p < kc; p++, at += MR)
                        for (int r = 0; r < MR; r++) aPack[at + r] = a[rowAt + r * aRs + p];
                } else {
                    for (int p = 0; p < kc; p++, at += MR) {
                        int src = rowAt + p * aCs;
                        for (int r = 0; r < mr; r++) aPack[at + r] = a[src + r * aRs];
                        for (int r = mr; r < MR; r++) aPack[at + r] = 0f;
                    }
                }
            }
        }

        /**
         * Packs the columns [j0, j1) (multiples of NR apart from the end) of B[pc:pc+kc, jc:jc+nc] into NR-column
         * micro-panels: panel q holds, for p = 0..kc-1, the NR values B(pc+p, jc+q*NR+0..NR-1). Columns past nc
         * are zero.
         */
        private void packB(int kc, int nc, int pc, int jc, int j0, int j1, float[] bPack) {
            for (int jr = j0; jr < j1; jr += NR) {
                int nr = Math.min(NR, nc - jr);
                int at = B0 + jr / NR * (kc * NR);
                int colAt = bOff + pc * bRs + (jc + jr) * bCs;
                if (nr == NR && bCs == 1) {                    // row-major B: copy two vectors per row
                    for (int p = 0; p < kc; p++, at += NR) {
                        int src = colAt + p * bRs;
                        FloatVector.fromArray(F, b, src).intoArray(bPack, at);
                        FloatVector.fromArray(F, b, src + L).intoArray(bPack, at + L);
                    }
                } else {
                    for (int p = 0; p < kc; p++, at += NR) {
                        int src = colAt + p * bRs;
                        for (int j = 0; j < nr; j++) bPack[at + j] = b[src + j * bCs];
                        for (int j = nr; j < NR; j++) bPack[at + j] = 0f;
                    }
                }
            }
        }
    }

    /**
     * The micro-kernel: C(tile) = (add ? C(tile) : 0) + A-micro-panel · B-micro-panel, for an MR x NR tile. MR is a
     * constant, so the JIT keeps only one of the two branches.
     */
    static void kernel(int kc, float[] aPack, int aAt, float[] bPack, int bAt, float[] c, int cAt, int ldc,
                       boolean add) {
        if (MR == 12) kernel12(kc, aPack, aAt, bPack, bAt, c, cAt, ldc, add);
        else kernel4(kc, aPack, aAt, bPack, bAt, c, cAt, ldc, add);
    }

    /**
     * The 4 x 2-vector micro-kernel, for 16 vector registers (AVX2): the tile (4 rows x 2 vectors) lives in 8
     * accumulator registers while p runs over the kc-deep packed panels; each step loads 2 vectors of B,
     * broadcasts 4 values of A and does 8 independent FMAs (8 chains = 2 FMA pipes x 4 cycles latency, enough to
     * keep both pipes busy). Written out by hand because the JIT keeps named locals in registers but not the
     * elements of an array of vectors. The index arithmetic is linear in p, so C2 moves all bounds checks out of
     * the loop (loop predication).
     *
     * <p>Why not a bigger 6 x 2 tile (12 accumulators, the usual AVX2 choice)? C2 schedules all of a step's A
     * broadcasts before its FMAs; with 12 accumulators + 2 B vectors + several broadcasts live at once the 16 AVX2
     * registers overflow and one accumulator is kept on the stack, and its store/reload chain halves the speed
     * (measured for float: ~40 vs ~90 GFLOPS per core on Zen 3, peak ~94).
     */
    static void kernel4(int kc, float[] aPack, int aAt, float[] bPack, int bAt, float[] c, int cAt, int ldc,
                        boolean add) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00,
                c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int p = 0; p < kc; p++) {
            int ap = aAt + p * 4, bp = bAt + p * NR;
            FloatVector b0 = FloatVector.fromArray(F, bPack, bp);
            FloatVector b1 = FloatVector.fromArray(F, bPack, bp + L);
            FloatVector ai = FloatVector.broadcast(F, aPack[ap]);
            c00 = ai.fma(b0, c00); c01 = ai.fma(b1, c01);
            ai = FloatVector.broadcast(F, aPack[ap + 1]);
            c10 = ai.fma(b0, c10); c11 = ai.fma(b1, c11);
            ai = FloatVector.broadcast(F, aPack[ap + 2]);
            c20 = ai.fma(b0, c20); c21 = ai.fma(b1, c21);
            ai = FloatVector.broadcast(F, aPack[ap + 3]);
            c30 = ai.fma(b0, c30); c31 = ai.fma(b1, c31);
        }
        if (add) {
            c00 = c00.add(FloatVector.fromArray(F, c, cAt)); c01 = c01.add(FloatVector.fromArray(F, c, cAt + L));
            c10 = c10.add(FloatVector.fromArray(F, c, cAt + ldc));
            c11 = c11.add(FloatVector.fromArray(F, c, cAt + ldc + L));
            c20 = c20.add(FloatVector.fromArray(F, c, cAt + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(F, c, cAt + 2 * ldc + L));
            c30 = c30.add(FloatVector.fromArray(F, c, cAt + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(F, c, cAt + 3 * ldc + L));
        }
        c00.intoArray(c, cAt); c01.intoArray(c, cAt + L);
        c10.intoArray(c, cAt + ldc); c11.intoArray(c, cAt + ldc + L);
        c20.intoArray(c, cAt + 2 * ldc); c21.intoArray(c, cAt + 2 * ldc + L);
        c30.intoArray(c, cAt + 3 * ldc); c31.intoArray(c, cAt + 3 * ldc + L);
    }

    /**
     * The 12 x 2-vector micro-kernel, for 32 vector registers (AVX-512): 24 accumulators, 2 B vectors and a
     * broadcast, 27 of the 32 registers. Each step reads 2 vectors of B for 24 FMAs, a third of the B traffic per
     * FMA of {@link #kernel4}, so B streams from L2 without holding the FMAs back. Measured for float on a 2-core
     * Xeon with AVX-512, panels in L2, in one JVM: 165 GFLOPS per core, against 152 for an 8 x 2 tile and 95 for
     * {@link #kernel4}; a whole 1024³ sgemm on one core went from 86 GFLOPS (4 x 2) to 142.
     *
     * <p>The loads and stores of C are written inline, not through a helper method: a kernel this size passes
     * C2's inlining node budget (NodeCountInliningCutoff) before the last helper calls, and a vector handed to a
     * method that is not inlined must be boxed on the heap, which C2 then does inside the loop (measured with an
     * 8-row kernel: 18 instead of 167 GFLOPS). The Vector API's own methods are always inlined.
     *
     * <p>The loop does two steps per iteration. C2 does not unroll a loop this large, and each iteration recomputes
     * the panels' addresses from p (about 9 scalar instructions, checked in the generated code). Those share the
     * ports that run the 512-bit FMAs, so at one step per iteration they cost about a sixth of the FMA
     * throughput. With two steps per iteration and the indices carried as induction variables, the micro-kernel alone
     * ran at 186-193 instead of 171-176 GFLOPS on one core (Intel model 167, AVX-512, one JVM, alternated). Four steps
     * run out of registers: 60 GFLOPS.
     */
    static void kernel12(int kc, float[] aPack, int aAt, float[] bPack, int bAt, float[] c, int cAt, int ldc,
                         boolean add) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00,
                c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00,
                c80 = c00, c81 = c00, c90 = c00, c91 = c00, ca0 = c00, ca1 = c00, cb0 = c00, cb1 = c00;
        // Two steps per iteration, with the panels' indices carried along instead of recomputed from p: half the
        // loop's scalar instructions per FMA (see the comment above).
        FloatVector b0, b1, ai;
        int p = 0, ap = aAt, bp = bAt;
        for (int kEven = kc & ~1; p < kEven; p += 2, ap += 24, bp += 2 * NR) {   // not "p + 1 < kc": C2 then
            // no longer sees a counted loop, keeps the bounds checks in it and ran at 70-140 GFLOPS
            b0 = FloatVector.fromArray(F, bPack, bp);
            b1 = FloatVector.fromArray(F, bPack, bp + L);
            ai = FloatVector.broadcast(F, aPack[ap]);
            c00 = ai.fma(b0, c00); c01 = ai.fma(b1, c01);
            ai = FloatVector.broadcast(F, aPack[ap + 1]);
            c10 = ai.fma(b0, c10); c11 = ai.fma(b1, c11);
            ai = FloatVector.broadcast(F, aPack[ap + 2]);
            c20 = ai.fma(b0, c20); c21 = ai.fma(b1, c21);
            ai = FloatVector.broadcast(F, aPack[ap + 3]);
            c30 = ai.fma(b0, c30); c31 = ai.fma(b1, c31);
            ai = FloatVector.broadcast(F, aPack[ap + 4]);
            c40 = ai.fma(b0, c40); c41 = ai.fma(b1, c41);
            ai = FloatVector.broadcast(F, aPack[ap + 5]);
            c50 = ai.fma(b0, c50); c51 = ai.fma(b1, c51);
            ai = FloatVector.broadcast(F, aPack[ap + 6]);
            c60 = ai.fma(b0, c60); c61 = ai.fma(b1, c61);
            ai = FloatVector.broadcast(F, aPack[ap + 7]);
            c70 = ai.fma(b0, c70); c71 = ai.fma(b1, c71);
            ai = FloatVector.broadcast(F, aPack[ap + 8]);
            c80 = ai.fma(b0, c80); c81 = ai.fma(b1, c81);
            ai = FloatVector.broadcast(F, aPack[ap + 9]);
            c90 = ai.fma(b0, c90); c91 = ai.fma(b1, c91);
            ai = FloatVector.broadcast(F, aPack[ap + 10]);
            ca0 = ai.fma(b0, ca0); ca1 = ai.fma(b1, ca1);
            ai = FloatVector.broadcast(F, aPack[ap + 11]);
            cb0 = ai.fma(b0, cb0); cb1 = ai.fma(b1, cb1);
            b0 = FloatVector.fromArray(F, bPack, bp + NR);
            b1 = FloatVector.fromArray(F, bPack, bp + NR + L);
            ai = FloatVector.broadcast(F, aPack[ap + 12]);
            c00 = ai.fma(b0, c00); c01 = ai.fma(b1, c01);
            ai = FloatVector.broadcast(F, aPack[ap + 12 + 1]);
            c10 = ai.fma(b0, c10); c11 = ai.fma(b1, c11);
            ai = FloatVector.broadcast(F, aPack[ap + 12 + 2]);
            c20 = ai.fma(b0, c20); c21 = ai.fma(b1, c21);
            ai = FloatVector.broadcast(F, aPack[ap + 12 + 3]);
            c30 = ai.fma(b0, c30); c31 = ai.fma(b1, c31);
            ai = FloatVector.broadcast(F, aPack[ap + 12 + 4]);
            c40 = ai.fma(b0, c40); c41 = ai.fma(b1, c41);
            ai = FloatVector.broadcast(F, aPack[ap + 12 + 5]);
            c50 = ai.fma(b0, c50); c51 = ai.fma(b1, c51);
            ai = FloatVector.broadcast(F, aPack[ap + 12 + 6]);
            c60 = ai.fma(b0, c60); c61 = ai.fma(b1, c61);
            ai = FloatVector.broadcast(F, aPack[ap + 12 + 7]);
            c70 = ai.fma(b0, c70); c71 = ai.fma(b1, c71);
            ai = FloatVector.broadcast(F, aPack[ap + 12 + 8]);
            c80 = ai.fma(b0, c80); c81 = ai.fma(b1, c81);
            ai = FloatVector.broadcast(F, aPack[ap + 12 + 9]);
            c90 = ai.fma(b0, c90); c91 = ai.fma(b1, c91);
            ai = FloatVector.broadcast(F, aPack[ap + 12 + 10]);
            ca0 = ai.fma(b0, ca0); ca1 = ai.fma(b1, ca1);
            ai = FloatVector.broadcast(F, aPack[ap + 12 + 11]);
            cb0 = ai.fma(b0, cb0); cb1 = ai.fma(b1, cb1);
        }
        if (p < kc) {                                   // odd kc: the last step
            b0 = FloatVector.fromArray(F, bPack, bp);
            b1 = FloatVector.fromArray(F, bPack, bp + L);
            ai = FloatVector.broadcast(F, aPack[ap]);
            c00 = ai.fma(b0, c00); c01 = ai.fma(b1, c01);
            ai = FloatVector.broadcast(F, aPack[ap + 1]);
            c10 = ai.fma(b0, c10); c11 = ai.fma(b1, c11);
            ai = FloatVector.broadcast(F, aPack[ap + 2]);
            c20 = ai.fma(b0, c20); c21 = ai.fma(b1, c21);
            ai = FloatVector.broadcast(F, aPack[ap + 3]);
            c30 = ai.fma(b0, c30); c31 = ai.fma(b1, c31);
            ai = FloatVector.broadcast(F, aPack[ap + 4]);
            c40 = ai.fma(b0, c40); c41 = ai.fma(b1, c41);
            ai = FloatVector.broadcast(F, aPack[ap + 5]);
            c50 = ai.fma(b0, c50); c51 = ai.fma(b1, c51);
            ai = FloatVector.broadcast(F, aPack[ap + 6]);
            c60 = ai.fma(b0, c60); c61 = ai.fma(b1, c61);
            ai = FloatVector.broadcast(F, aPack[ap + 7]);
            c70 = ai.fma(b0, c70); c71 = ai.fma(b1, c71);
            ai = FloatVector.broadcast(F, aPack[ap + 8]);
            c80 = ai.fma(b0, c80); c81 = ai.fma(b1, c81);
            ai = FloatVector.broadcast(F, aPack[ap + 9]);
            c90 = ai.fma(b0, c90); c91 = ai.fma(b1, c91);
            ai = FloatVector.broadcast(F, aPack[ap + 10]);
            ca0 = ai.fma(b0, ca0); ca1 = ai.fma(b1, ca1);
            ai = FloatVector.broadcast(F, aPack[ap + 11]);
            cb0 = ai.fma(b0, cb0); cb1 = ai.fma(b1, cb1);
        }
        int r1 = cAt + ldc, r2 = r1 + ldc, r3 = r2 + ldc, r4 = r3 + ldc, r5 = r4 + ldc, r6 = r5 + ldc, r7 = r6 + ldc,
                r8 = r7 + ldc, r9 = r8 + ldc, r10 = r9 + ldc, r11 = r10 + ldc;
        if (add) {
            c00 = c00.add(FloatVector.fromArray(F, c, cAt)); c01 = c01.add(FloatVector.fromArray(F, c, cAt + L));
            c10 = c10.add(FloatVector.fromArray(F, c, r1)); c11 = c11.add(FloatVector.fromArray(F, c, r1 + L));
            c20 = c20.add(FloatVector.fromArray(F, c, r2)); c21 = c21.add(FloatVector.fromArray(F, c, r2 + L));
            c30 = c30.add(FloatVector.fromArray(F, c, r3)); c31 = c31.add(FloatVector.fromArray(F, c, r3 + L));
            c40 = c40.add(FloatVector.fromArray(F, c, r4)); c41 = c41.add(FloatVector.fromArray(F, c, r4 + L));
            c50 = c50.add(FloatVector.fromArray(F, c, r5)); c51 = c51.add(FloatVector.fromArray(F, c, r5 + L));
            c60 = c60.add(FloatVector.fromArray(F, c, r6)); c61 = c61.add(FloatVector.fromArray(F, c, r6 + L));
            c70 = c70.add(FloatVector.fromArray(F, c, r7)); c71 = c71.add(FloatVector.fromArray(F, c, r7 + L));
            c80 = c80.add(FloatVector.fromArray(F, c, r8)); c81 = c81.add(FloatVector.fromArray(F, c, r8 + L));
            c90 = c90.add(FloatVector.fromArray(F, c, r9)); c91 = c91.add(FloatVector.fromArray(F, c, r9 + L));
            ca0 = ca0.add(FloatVector.fromArray(F, c, r10)); ca1 = ca1.add(FloatVector.fromArray(F, c, r10 + L));
            cb0 = cb0.add(FloatVector.fromArray(F, c, r11)); cb1 = cb1.add(FloatVector.fromArray(F, c, r11 + L));
        }
        c00.intoArray(c, cAt); c01.intoArray(c, cAt + L);
        c10.intoArray(c, r1); c11.intoArray(c, r1 + L);
        c20.intoArray(c, r2); c21.intoArray(c, r2 + L);
        c30.intoArray(c, r3); c31.intoArray(c, r3 + L);
        c40.intoArray(c, r4); c41.intoArray(c, r4 + L);
        c50.intoArray(c, r5); c51.intoArray(c, r5 + L);
        c60.intoArray(c, r6); c61.intoArray(c, r6 + L);
        c70.intoArray(c, r7); c71.intoArray(c, r7 + L);
        c80.intoArray(c, r8); c81.intoArray(c, r8 + L);
        c90.intoArray(c, r9); c91.intoArray(c, r9 + L);
        ca0.intoArray(c, r10); ca1.intoArray(c, r10 + L);
        cb0.intoArray(c, r11); cb1.intoArray(c, r11 + L);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Per-thread packing buffers
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Packing buffers, one set per thread and kept between calls: allocating ~4 MB per call would cost page
     * faults and GC work on every GEMM. Callers that run many small GEMMs in parallel each use their own thread's
     * set, so no locking is needed.
     */
    private static final class Workspace {
        private static final ThreadLocal<Workspace> OF_THREAD = ThreadLocal.withInitial(Workspace::new);
        private float[] aPack = new float[0], bPack = new float[0];
        final float[] tile = new float[MR * NR];

        static Workspace get() {
            return OF_THREAD.get();
        }

        /** At least {@code size} floats, and 16 more: {@link Transpose16} stores whole 16-float rows. */
        float[] aPack(int size) {
            if (aPack.length < size + 16) aPack = new float[size + 16];
            return aPack;
        }

        /** At least {@code B0 + size} elements; element B0 is on a cache line when that can be known. */
        float[] bPack(int size) {
            if (!Aligned.fits(bPack, size)) bPack = Aligned.floats(size);
            return bPack;
        }
    }

    private static int evenStep(int total, int max, int unit, int parts) {
        return Gemm.evenStep(total, max, unit, parts);
    }

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    private static int roundUp(int x, int y) {
        return ceilDiv(x, y) * y;
    }
}

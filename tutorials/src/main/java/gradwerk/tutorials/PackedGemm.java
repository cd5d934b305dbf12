package gradwerk.tutorials;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Chapter 3's fourth matrix product, C = A·B for row-major n x n floats, the Goto / van de Geijn way in about
 * 80 lines: blocks of A and B are copied ("packed") into the order a register-blocked micro-kernel reads them, and
 * the micro-kernel keeps a 4 x 2-vector tile of C in registers for a whole KC-deep slab. One thread, no tuning;
 * the library's {@code gradwerk.tensor.cpu.Gemm} is the same design, grown up (any strides, threads, edge cases).
 */
public final class PackedGemm {
    static final VectorSpecies<Float> S = SimdDot.S;
    static final int L = S.length();
    /** The register tile: MR rows of C times NR = 2 vectors of columns. */
    static final int MR = 4, NR = 2 * L;
    /** Cache blocks: a KC x NR panel of packed B stays in L1, an MC x KC block of packed A in L2. */
    static final int KC = 256, MC = 128;

    private PackedGemm() {}

    public static void multiply(int n, float[] a, float[] b, float[] c) {
        java.util.Arrays.fill(c, 0, n * n, 0f);
        int nPadded = (n + NR - 1) / NR * NR;
        int kcMax = Math.min(KC, n), mcMax = (Math.min(MC, n) + MR - 1) / MR * MR;
        float[] bPack = new float[kcMax * nPadded], aPack = new float[mcMax * kcMax], tile = new float[MR * NR];
        for (int pc = 0; pc < n; pc += KC) {                 // a KC-deep slab of A's columns and B's rows
            int kc = Math.min(KC, n - pc);
            packB(n, b, pc, kc, bPack);
            for (int ic = 0; ic < n; ic += MC) {             // MC rows of A and C
                int mc = Math.min(MC, n - ic);
                packA(n, a, ic, mc, pc, kc, aPack);
                for (int jr = 0; jr < n; jr += NR)           // an NR-wide panel of B, reused by every row panel
                    for (int ir = 0; ir < mc; ir += MR) {    // an MR-tall panel of A
                        int cAt = (ic + ir) * n + jr;
                        if (ir + MR <= mc && jr + NR <= n) {
                            kernel(kc, aPack, ir * kc, bPack, jr * kc, c, cAt, n);
                        } else {                             // edge: compute the padded tile, keep what exists
                            java.util.Arrays.fill(tile, 0f);
                            kernel(kc, aPack, ir * kc, bPack, jr * kc, tile, 0, NR);
                            for (int i = 0; i < Math.min(MR, mc - ir); i++)
                                for (int j = 0; j < Math.min(NR, n - jr); j++) c[cAt + i * n + j] += tile[i * NR + j];
                        }
                    }
            }
        }
    }

    /** B[pc:pc+kc, :] as NR-wide panels; panel q holds, row after row, B(p, q·NR .. q·NR+NR-1), zero past n. */
    static void packB(int n, float[] b, int pc, int kc, float[] bPack) {
        for (int jr = 0; jr < n; jr += NR)
            for (int p = 0; p < kc; p++)
                for (int j = 0; j < NR; j++)
                    bPack[jr * kc + p * NR + j] = jr + j < n ? b[(pc + p) * n + jr + j] : 0f;
    }

    /** A[ic:ic+mc, pc:pc+kc] as MR-tall panels; panel r holds, column after column, A(r·MR .. r·MR+MR-1, p). */
    static void packA(int n, float[] a, int ic, int mc, int pc, int kc, float[] aPack) {
        for (int ir = 0; ir < mc; ir += MR)
            for (int p = 0; p < kc; p++)
                for (int i = 0; i < MR; i++)
                    aPack[ir * kc + p * MR + i] = ir + i < mc ? a[(ic + ir + i) * n + pc + p] : 0f;
    }

    /**
     * C[4 x 2 vectors] += packed A panel · packed B panel. Eight accumulators stay in registers for all kc steps;
     * each step loads 2 vectors of B, broadcasts 4 numbers of A, and issues 8 independent FMAs.
     */
    static void kernel(int kc, float[] aPack, int aAt, float[] bPack, int bAt, float[] c, int cAt, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00,
                c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, bPack, bAt + p * NR);
            FloatVector b1 = FloatVector.fromArray(S, bPack, bAt + p * NR + L);
            int ap = aAt + p * MR;
            FloatVector ai = FloatVector.broadcast(S, aPack[ap]);
            c00 = ai.fma(b0, c00); c01 = ai.fma(b1, c01);
            ai = FloatVector.broadcast(S, aPack[ap + 1]);
            c10 = ai.fma(b0, c10); c11 = ai.fma(b1, c11);
            ai = FloatVector.broadcast(S, aPack[ap + 2]);
            c20 = ai.fma(b0, c20); c21 = ai.fma(b1, c21);
            ai = FloatVector.broadcast(S, aPack[ap + 3]);
            c30 = ai.fma(b0, c30); c31 = ai.fma(b1, c31);
        }
        addTo(c, cAt, c00, c01);
        addTo(c, cAt + ldc, c10, c11);
        addTo(c, cAt + 2 * ldc, c20, c21);
        addTo(c, cAt + 3 * ldc, c30, c31);
    }

    private static void addTo(float[] c, int at, FloatVector v0, FloatVector v1) {
        v0.add(FloatVector.fromArray(S, c, at)).intoArray(c, at);
        v1.add(FloatVector.fromArray(S, c, at + L)).intoArray(c, at + L);
    }
}

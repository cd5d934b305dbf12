package gradwerk.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The products of the Winograd convolutions, shared by F(4×4, 3×3) ({@link Winograd}, {@link WinogradWeight}) and
 * F(2×2, 3×3) ({@link Winograd2x2}), which differ only in the number of positions ξ (36 or 16): for every ξ a
 * matrix product between transformed operands, run on the direct convolution's micro-kernel
 * {@link DirectConv#tileP} (4 output channels × 2L columns per register tile). Also the reshuffles that put the
 * weight gradient's operands into tileP's layouts, and the in-order sum of per-thread partial results.
 */
final class WinogradProducts {
    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.SCALAR ? 1 : F.length();

    private WinogradProducts() {}

    /**
     * The forward's products for one K block: M (= for the first block c0 = 0, else +=) Σ_ch U[ξ][o][c0 + ch] ·
     * V[ξ][ch][tile] for every position ξ &lt; positions, on {@link DirectConv#tileP}. V holds cn channels × ntp
     * tiles per position (vXi apart) in tileP's packed-panel layout, U is {@link WinogradTransforms#transformWeights}'
     * (mb blocks of 4 output channels × c channels per position).
     *
     * <p>M is laid out by output channel, then by panel of 2L tiles (the micro-kernel's width), then by position:
     * M(ξ, o, tile) is {@code prod[(o·ntp + tile − tile % 2L)·positions + ξ·2L + tile % 2L]} ({@link #productAt}).
     * So a register tile's row is written as one whole run of 2L floats (a cache line with AVX2), and the
     * positions of one tile lie at constant distances (2L) from each other, which lets C2 merge the output
     * transform's bounds checks (why that matters: {@link Winograd}, "Bounds checks").
     */
    static void products(int positions, float[] u, int mb, int c, int c0, float[] v, int cn, int vXi, int ntp,
                         float[] prod) {
        int oStride = ntp * positions;
        for (int xi = 0; xi < positions; xi++)
            for (int ob = 0; ob < mb; ob += PAIRS ? 2 : 1) {
                int wAt = ((xi * mb + ob) * c + c0) * 4;
                boolean pair = PAIRS && ob + 1 < mb;
                for (int p = 0; p < ntp; p += 2 * L) {
                    int at = productAt(positions, ntp, xi, 4 * ob, p);
                    if (pair) tile8(cn, v, xi * vXi + p * cn, u, wAt, wAt + 4 * c, prod, at, oStride, c0 > 0);
                    else DirectConv.tileP(cn, v, xi * vXi + p * cn, u, wAt, prod, at, at + L, oStride, c0 > 0,
                            0f, 0f, 0f, 0f);
                }
            }
    }

    /** Where M(ξ, o, tile) lies in the products of {@link #products}; ntp is a multiple of 2L. */
    static int productAt(int positions, int ntp, int xi, int o, int tile) {
        int lane = tile % (2 * L);
        return (o * ntp + tile - lane) * positions + xi * 2 * L + lane;
    }

    /**
     * The weight gradient's W for output-channel block b: the transformed dy of its 4 channels (rows of bt tiles at
     * tw4[ξ·wXs + j·bt], kn of them used) interleaved by channel into wp[((ξ·mb + b)·bt + tile)·4 + j], the weight
     * layout of {@link DirectConv#tileP}.
     */
    static void interleaveGradient(int positions, float[] tw4, int wXs, int bt, int kn, float[] wp, int mb, int b) {
        for (int xi = 0; xi < positions; xi++)
            for (int k = 0; k < kn; k += L)
                WinogradTransforms.zip4(tw4, xi * wXs + k, bt, wp, ((xi * mb + b) * bt + k) * 4, 0f, false);
    }

    /**
     * The weight gradient's V for the input channels [c0, c0 + nb): rows of bt tiles at tv[ξ·vXs + j·bt] transposed
     * to vp[(ξ·cq + c0)·bt + tile·nb + j] (per position, per block of nb = 2L channels, tileP's panel layout).
     */
    static void transposeInput(int positions, float[] tv, int vXs, int bt, int kn, int nb, float[] vp, int cq,
                               int c0) {
        // L channels at a time: one gather reads a tile of L channel rows (bt apart), one store writes it in order.
        // (Scalar stores nb floats apart took 6 % of a U-Net training step on a 2-core AVX-512 Xeon.)
        int[] rows = new int[L];
        for (int j = 0; j < L; j++) rows[j] = j * bt;
        for (int xi = 0; xi < positions; xi++)
            for (int j0 = 0; j0 < nb; j0 += L)
                for (int k = 0, from = xi * vXs + j0 * bt, to = (xi * cq + c0) * bt + j0; k < kn; k++)
                    FloatVector.fromArray(F, tv, from + k, rows, 0).intoArray(vp, to + k * nb);
    }

    /**
     * dU[ξ][4 m][cq] += Σ_tiles W · V for every position, the tiles (kn of them) as tileP's K loop. Per (ξ, block of
     * 4 output channels) W's panel stays in L1 while the input channels pass, and dU's rows are written in order.
     * (With the input channels as the outer loop, every 2L channels re-read all of the block's W from L3: measured
     * 1.2-1.5× slower at the U-Net's deep layers.)
     */
    static void weightProducts(int positions, float[] vp, float[] wp, int bt, int kn, int mb, int cq, float[] du,
                               int duXi) {
        for (int xi = 0; xi < positions; xi++)
            for (int b = 0; b < mb; b += PAIRS ? 2 : 1) {
                boolean pair = PAIRS && b + 1 < mb;
                int wAt = (xi * mb + b) * bt * 4;
                for (int c0 = 0; c0 < cq; c0 += 2 * L) {
                    int da = xi * duXi + b * 4 * cq + c0;
                    if (pair) tile8(kn, vp, (xi * cq + c0) * bt, wp, wAt, wAt + bt * 4, du, da, cq, true);
                    else DirectConv.tileP(kn, vp, (xi * cq + c0) * bt, wp, wAt, du, da, da + L, cq, true,
                            0f, 0f, 0f, 0f);
                }
            }
    }

    /**
     * Two blocks of 4 output channels at once where there are 32 vector registers (AVX-512; the choice of
     * {@link Gemm#MR}): {@link #tile8} reads each input vector once for 8 channels instead of 4, which halves the
     * panel traffic per FMA, as in the GEMM.
     */
    static final boolean PAIRS = !Simd.SCALAR && Gemm.MR == 8;

    /**
     * {@link DirectConv#tileP} for 8 output channels, two 4-channel blocks of packed weights (at wAt and wAt2, each
     * wp[at + k·4 + j]): dst[da + r·ldd + (0..2L)] (= or, with add, +=) Σ_k w_r(k) · panel[pAt + k·2L + (0..2L)] for
     * r = 0..7. 16 accumulators; the stores are inline for the reason given at {@link GemmF32#kernel8}.
     */
    static void tile8(int kn, float[] panel, int pAt, float[] wp, int wAt, int wAt2, float[] dst, int da, int ldd,
                      boolean add) {
        FloatVector a0 = FloatVector.zero(F), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0,
                a4 = a0, b4 = a0, a5 = a0, b5 = a0, a6 = a0, b6 = a0, a7 = a0, b7 = a0;
        for (int k = 0; k < kn; k++) {
            int wq = wAt + k * 4, wr = wAt2 + k * 4, at = pAt + k * 2 * L;
            FloatVector va = FloatVector.fromArray(F, panel, at);
            FloatVector vb = FloatVector.fromArray(F, panel, at + L);
            FloatVector wv = FloatVector.broadcast(F, wp[wq]);
            a0 = wv.fma(va, a0); b0 = wv.fma(vb, b0);
            wv = FloatVector.broadcast(F, wp[wq + 1]);
            a1 = wv.fma(va, a1); b1 = wv.fma(vb, b1);
            wv = FloatVector.broadcast(F, wp[wq + 2]);
            a2 = wv.fma(va, a2); b2 = wv.fma(vb, b2);
            wv = FloatVector.broadcast(F, wp[wq + 3]);
            a3 = wv.fma(va, a3); b3 = wv.fma(vb, b3);
            wv = FloatVector.broadcast(F, wp[wr]);
            a4 = wv.fma(va, a4); b4 = wv.fma(vb, b4);
            wv = FloatVector.broadcast(F, wp[wr + 1]);
            a5 = wv.fma(va, a5); b5 = wv.fma(vb, b5);
            wv = FloatVector.broadcast(F, wp[wr + 2]);
            a6 = wv.fma(va, a6); b6 = wv.fma(vb, b6);
            wv = FloatVector.broadcast(F, wp[wr + 3]);
            a7 = wv.fma(va, a7); b7 = wv.fma(vb, b7);
        }
        int r1 = da + ldd, r2 = r1 + ldd, r3 = r2 + ldd, r4 = r3 + ldd, r5 = r4 + ldd, r6 = r5 + ldd, r7 = r6 + ldd;
        if (add) {
            a0 = a0.add(FloatVector.fromArray(F, dst, da)); b0 = b0.add(FloatVector.fromArray(F, dst, da + L));
            a1 = a1.add(FloatVector.fromArray(F, dst, r1)); b1 = b1.add(FloatVector.fromArray(F, dst, r1 + L));
            a2 = a2.add(FloatVector.fromArray(F, dst, r2)); b2 = b2.add(FloatVector.fromArray(F, dst, r2 + L));
            a3 = a3.add(FloatVector.fromArray(F, dst, r3)); b3 = b3.add(FloatVector.fromArray(F, dst, r3 + L));
            a4 = a4.add(FloatVector.fromArray(F, dst, r4)); b4 = b4.add(FloatVector.fromArray(F, dst, r4 + L));
            a5 = a5.add(FloatVector.fromArray(F, dst, r5)); b5 = b5.add(FloatVector.fromArray(F, dst, r5 + L));
            a6 = a6.add(FloatVector.fromArray(F, dst, r6)); b6 = b6.add(FloatVector.fromArray(F, dst, r6 + L));
            a7 = a7.add(FloatVector.fromArray(F, dst, r7)); b7 = b7.add(FloatVector.fromArray(F, dst, r7 + L));
        }
        a0.intoArray(dst, da); b0.intoArray(dst, da + L);
        a1.intoArray(dst, r1); b1.intoArray(dst, r1 + L);
        a2.intoArray(dst, r2); b2.intoArray(dst, r2 + L);
        a3.intoArray(dst, r3); b3.intoArray(dst, r3 + L);
        a4.intoArray(dst, r4); b4.intoArray(dst, r4 + L);
        a5.intoArray(dst, r5); b5.intoArray(dst, r5 + L);
        a6.intoArray(dst, r6); b6.intoArray(dst, r6 + L);
        a7.intoArray(dst, r7); b7.intoArray(dst, r7 + L);
    }

    /** The per-thread partial sums (null where a thread had none) added in index order, so the result does not
     *  depend on timing; null if there are none. The first array is reused. */
    static float[] sumInOrder(float[][] parts) {
        float[] sum = null;
        for (float[] part : parts) {
            if (part == null) continue;
            if (sum == null) sum = part;
            else for (int i = 0; i < sum.length; i++) sum[i] += part[i];
        }
        return sum;
    }
}

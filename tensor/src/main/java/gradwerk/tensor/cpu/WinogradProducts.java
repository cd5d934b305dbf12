package gradwerk.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;
import java.util.Objects;

/**
 * The products of the Winograd convolutions, shared by F(4×4, 3×3) ({@link Winograd}, {@link WinogradWeight}) and
 * F(2×2, 3×3) ({@link Winograd2x2}), which differ only in the number of positions ξ (36 or 16): for every ξ a
 * matrix product between transformed operands, run on the direct convolution's micro-kernel
 * {@link ConvTiles#tileP} (4 output channels × 2L columns per register tile; with AVX-512,
 * {@link ConvTiles#tileP8}: two blocks of 4 channels, see {@link ConvTiles#pairs}). Also the reshuffles that put the
 * weight gradient's operands into tileP's layouts, and the in-order sum of per-thread partial results.
 */
final class WinogradProducts {
    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.SCALAR ? 1 : F.length();

    /** Initial values of {@link ConvTiles#tileP8}'s accumulators: the products start from zero. */
    private static final float[] ZEROS = new float[8];

    private WinogradProducts() {}

    /**
     * The forward's products for one K block: M (= for the first block c0 = 0, else +=) Σ_ch U[ξ][o][c0 + ch] ·
     * V[ξ][ch][tile] for every position ξ &lt; positions, on {@link ConvTiles#tileP}. V holds cn channels × ntp
     * tiles per position (vXi apart) in tileP's packed-panel layout, U is {@link WinogradKernels#transformWeights}'
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
            for (int ob = 0; ob < mb; ob += ConvTiles.pairs ? 2 : 1) {
                int wAt = ((xi * mb + ob) * c + c0) * 4;
                boolean pair = ConvTiles.pairs && ob + 1 < mb;
                for (int p = 0; p < ntp; p += 2 * L) {
                    int at = productAt(positions, ntp, xi, 4 * ob, p);
                    if (pair) ConvTiles.tileP8(cn, v, xi * vXi + p * cn, u, wAt, wAt + 4 * c, prod, at, at + L, oStride,
                            c0 > 0, ZEROS, 0);
                    else ConvTiles.tileP(cn, v, xi * vXi + p * cn, u, wAt, prod, at, at + L, oStride, c0 > 0,
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
     * layout of {@link ConvTiles#tileP}.
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
        // (Scalar stores nb floats apart took 6 % of a U-Net training step on a 2-core AVX-512 Xeon.) With 16 lanes,
        // whole 16 × 16 blocks by lane selections instead (transpose16), the gathers only for the last tiles.
        int[] rows = new int[L];
        for (int j = 0; j < L; j++) rows[j] = j * bt;
        boolean blocks = L == 16 && blockTranspose;
        for (int xi = 0; xi < positions; xi++)
            for (int j0 = 0; j0 < nb; j0 += L) {
                int from = xi * vXs + j0 * bt, to = (xi * cq + c0) * bt + j0, k = 0;
                if (blocks) for (; k + 16 <= kn; k += 16) transpose16(tv, from + k, bt, vp, to + k * nb, nb);
                for (; k < kn; k++) FloatVector.fromArray(F, tv, from + k, rows, 0).intoArray(vp, to + k * nb);
            }
    }

    /** Off with {@code -Dgradwerk.conv.transpose16=false} (A/B runs; not final: tests compare both). */
    static boolean blockTranspose = !"false".equals(System.getProperty("gradwerk.conv.transpose16"));

    /**
     * Lane indices of {@link #transpose16}'s selections for blocks of d lanes (d = 8, 4, 2, 1), from two vectors a
     * and b (an index of V or more picks b's lane index − V): LO keeps a's lanes outside the block and takes b's in
     * it, HI the other way round.
     */
    private static final int V = F.length();
    private static final FloatVector LO8 = swap(8, false), HI8 = swap(8, true), LO4 = swap(4, false), HI4 = swap(4, true),
            LO2 = swap(2, false), HI2 = swap(2, true), LO1 = swap(1, false), HI1 = swap(1, true);

    private static FloatVector swap(int d, boolean high) {
        float[] idx = new float[V];
        for (int l = 0; l < V; l++)
            idx[l] = (l & d) == 0 ? (high ? (l + d) % V : l) : (high ? V + l : V + l - d);
        return FloatVector.fromArray(F, idx, 0);
    }

    /**
     * One 16 × 16 block of {@link #transposeInput} (16-lane vectors): channel rows j (16 tiles from tv[from + j·bt])
     * → tile rows t (16 channels to vp[to + t·nb]), in four rounds of two-vector lane selections that swap the
     * off-diagonal 8 × 8, 4 × 4, 2 × 2 and 1 × 1 blocks of each pair of rows (vpermt2ps with AVX-512): 64
     * selections for 256 values, where the gathers took 16 gathers of 16 scattered values. Named locals, not an
     * array of vectors, so that C2 keeps them in registers (see {@link Winograd}).
     */
    private static void transpose16(float[] tv, int from, int bt, float[] vp, int to, int nb) {
        FloatVector v0 = FloatVector.fromArray(F, tv, from), v1 = FloatVector.fromArray(F, tv, from + 1 * bt);
        FloatVector v2 = FloatVector.fromArray(F, tv, from + 2 * bt), v3 = FloatVector.fromArray(F, tv, from + 3 * bt);
        FloatVector v4 = FloatVector.fromArray(F, tv, from + 4 * bt), v5 = FloatVector.fromArray(F, tv, from + 5 * bt);
        FloatVector v6 = FloatVector.fromArray(F, tv, from + 6 * bt), v7 = FloatVector.fromArray(F, tv, from + 7 * bt);
        FloatVector v8 = FloatVector.fromArray(F, tv, from + 8 * bt), v9 = FloatVector.fromArray(F, tv, from + 9 * bt);
        FloatVector va = FloatVector.fromArray(F, tv, from + 10 * bt), vb = FloatVector.fromArray(F, tv, from + 11 * bt);
        FloatVector vc = FloatVector.fromArray(F, tv, from + 12 * bt), vd = FloatVector.fromArray(F, tv, from + 13 * bt);
        FloatVector ve = FloatVector.fromArray(F, tv, from + 14 * bt), vf = FloatVector.fromArray(F, tv, from + 15 * bt);
        FloatVector lo, hi;
        // swap the off-diagonal 8 × 8 blocks of rows i and i + 8
        lo = LO8.selectFrom(v0, v8); hi = HI8.selectFrom(v0, v8); v0 = lo; v8 = hi;
        lo = LO8.selectFrom(v1, v9); hi = HI8.selectFrom(v1, v9); v1 = lo; v9 = hi;
        lo = LO8.selectFrom(v2, va); hi = HI8.selectFrom(v2, va); v2 = lo; va = hi;
        lo = LO8.selectFrom(v3, vb); hi = HI8.selectFrom(v3, vb); v3 = lo; vb = hi;
        lo = LO8.selectFrom(v4, vc); hi = HI8.selectFrom(v4, vc); v4 = lo; vc = hi;
        lo = LO8.selectFrom(v5, vd); hi = HI8.selectFrom(v5, vd); v5 = lo; vd = hi;
        lo = LO8.selectFrom(v6, ve); hi = HI8.selectFrom(v6, ve); v6 = lo; ve = hi;
        lo = LO8.selectFrom(v7, vf); hi = HI8.selectFrom(v7, vf); v7 = lo; vf = hi;
        // swap the off-diagonal 4 × 4 blocks of rows i and i + 4
        lo = LO4.selectFrom(v0, v4); hi = HI4.selectFrom(v0, v4); v0 = lo; v4 = hi;
        lo = LO4.selectFrom(v1, v5); hi = HI4.selectFrom(v1, v5); v1 = lo; v5 = hi;
        lo = LO4.selectFrom(v2, v6); hi = HI4.selectFrom(v2, v6); v2 = lo; v6 = hi;
        lo = LO4.selectFrom(v3, v7); hi = HI4.selectFrom(v3, v7); v3 = lo; v7 = hi;
        lo = LO4.selectFrom(v8, vc); hi = HI4.selectFrom(v8, vc); v8 = lo; vc = hi;
        lo = LO4.selectFrom(v9, vd); hi = HI4.selectFrom(v9, vd); v9 = lo; vd = hi;
        lo = LO4.selectFrom(va, ve); hi = HI4.selectFrom(va, ve); va = lo; ve = hi;
        lo = LO4.selectFrom(vb, vf); hi = HI4.selectFrom(vb, vf); vb = lo; vf = hi;
        // swap the off-diagonal 2 × 2 blocks of rows i and i + 2
        lo = LO2.selectFrom(v0, v2); hi = HI2.selectFrom(v0, v2); v0 = lo; v2 = hi;
        lo = LO2.selectFrom(v1, v3); hi = HI2.selectFrom(v1, v3); v1 = lo; v3 = hi;
        lo = LO2.selectFrom(v4, v6); hi = HI2.selectFrom(v4, v6); v4 = lo; v6 = hi;
        lo = LO2.selectFrom(v5, v7); hi = HI2.selectFrom(v5, v7); v5 = lo; v7 = hi;
        lo = LO2.selectFrom(v8, va); hi = HI2.selectFrom(v8, va); v8 = lo; va = hi;
        lo = LO2.selectFrom(v9, vb); hi = HI2.selectFrom(v9, vb); v9 = lo; vb = hi;
        lo = LO2.selectFrom(vc, ve); hi = HI2.selectFrom(vc, ve); vc = lo; ve = hi;
        lo = LO2.selectFrom(vd, vf); hi = HI2.selectFrom(vd, vf); vd = lo; vf = hi;
        // swap the off-diagonal 1 × 1 blocks of rows i and i + 1
        lo = LO1.selectFrom(v0, v1); hi = HI1.selectFrom(v0, v1); v0 = lo; v1 = hi;
        lo = LO1.selectFrom(v2, v3); hi = HI1.selectFrom(v2, v3); v2 = lo; v3 = hi;
        lo = LO1.selectFrom(v4, v5); hi = HI1.selectFrom(v4, v5); v4 = lo; v5 = hi;
        lo = LO1.selectFrom(v6, v7); hi = HI1.selectFrom(v6, v7); v6 = lo; v7 = hi;
        lo = LO1.selectFrom(v8, v9); hi = HI1.selectFrom(v8, v9); v8 = lo; v9 = hi;
        lo = LO1.selectFrom(va, vb); hi = HI1.selectFrom(va, vb); va = lo; vb = hi;
        lo = LO1.selectFrom(vc, vd); hi = HI1.selectFrom(vc, vd); vc = lo; vd = hi;
        lo = LO1.selectFrom(ve, vf); hi = HI1.selectFrom(ve, vf); ve = lo; vf = hi;
        v0.intoArray(vp, to);
        v1.intoArray(vp, to + 1 * nb);
        v2.intoArray(vp, to + 2 * nb);
        v3.intoArray(vp, to + 3 * nb);
        v4.intoArray(vp, to + 4 * nb);
        v5.intoArray(vp, to + 5 * nb);
        v6.intoArray(vp, to + 6 * nb);
        v7.intoArray(vp, to + 7 * nb);
        v8.intoArray(vp, to + 8 * nb);
        v9.intoArray(vp, to + 9 * nb);
        va.intoArray(vp, to + 10 * nb);
        vb.intoArray(vp, to + 11 * nb);
        vc.intoArray(vp, to + 12 * nb);
        vd.intoArray(vp, to + 13 * nb);
        ve.intoArray(vp, to + 14 * nb);
        vf.intoArray(vp, to + 15 * nb);
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
            for (int b = 0; b < mb; b += ConvTiles.pairs ? 2 : 1) {
                boolean pair = ConvTiles.pairs && b + 1 < mb;
                int wAt = (xi * mb + b) * bt * 4;
                for (int c0 = 0; c0 < cq; c0 += 2 * L) {
                    int da = xi * duXi + b * 4 * cq + c0;
                    if (pair) ConvTiles.tileP8(kn, vp, (xi * cq + c0) * bt, wp, wAt, wAt + bt * 4, du, da, da + L, cq,
                            true, ZEROS, 0);
                    else ConvTiles.tileP(kn, vp, (xi * cq + c0) * bt, wp, wAt, du, da, da + L, cq, true,
                            0f, 0f, 0f, 0f);
                }
            }
    }

    /**
     * The per-thread partial sums that exist (null where a thread had none), in index order: {@link
     * WinogradKernels#kernelGradient} adds them in this order as it reads them, so the result does not depend on
     * timing. (Adding them up first took a single-threaded pass over 2 MB per part: 4 % of a 16² weight gradient.)
     */
    static float[][] partsInOrder(float[][] parts) {
        return Arrays.stream(parts).filter(Objects::nonNull).toArray(float[][]::new);
    }
}

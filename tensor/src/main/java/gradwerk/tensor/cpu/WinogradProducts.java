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
        // whole 16 × 16 blocks by lane selections instead (Transpose16), the gathers only for the last tiles.
        int[] rows = new int[L];
        for (int j = 0; j < L; j++) rows[j] = j * bt;
        boolean blocks = L == 16 && blockTranspose;
        for (int xi = 0; xi < positions; xi++)
            for (int j0 = 0; j0 < nb; j0 += L) {
                int from = xi * vXs + j0 * bt, to = (xi * cq + c0) * bt + j0, k = 0;
                if (blocks) for (; k + 16 <= kn; k += 16) Transpose16.transpose(tv, from + k, bt, vp, to + k * nb, nb);
                for (; k < kn; k++) FloatVector.fromArray(F, tv, from + k, rows, 0).intoArray(vp, to + k * nb);
            }
    }

    /** Off with {@code -Dgradwerk.conv.transpose16=false} (A/B runs; not final: tests compare both). */
    static boolean blockTranspose = !"false".equals(System.getProperty("gradwerk.conv.transpose16"));

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

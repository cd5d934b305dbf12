package gradwerk.tensor.cpu;

import gradwerk.tensor.Tensor;
import gradwerk.tensor.cpu.DirectConv.Images;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

import static gradwerk.tensor.cpu.Winograd.SKEW;
import static gradwerk.tensor.cpu.Winograd.atLeast;
import static gradwerk.tensor.cpu.WinogradTransforms.roundUp;

/**
 * The weight gradient of a 3×3, stride-1 float32 convolution by Winograd F(4×4, 3×3): the derivative of
 * {@link Winograd}'s forward formula with respect to the weights. The forward computes each 4×4 output tile as
 * {@code Aᵀ [ Σ_c U[m,c] ⊙ V[c,t] ] A} with {@code U = G g Gᵀ}, {@code V = Bᵀ d B}, exactly, so its derivative is the
 * convolution's weight gradient:
 * <pre>
 *   gw[m, c] = Gᵀ ( Σ_t  W[m,t] ⊙ V[c,t] ) G,   W[m,t] = A dY[m,t] Aᵀ  (6×6 from the 4×4 tile of dy)
 * </pre>
 * summed over every tile t of every image. For each of the 36 positions ξ the sum over tiles is a matrix product
 * {@code dU[ξ] (m × c) = W[ξ] (m × tiles) · V[ξ]ᵀ (tiles × c)}, 36 multiplications per tile and channel pair
 * instead of the direct method's 144.
 *
 * <p>The work is split like the forward's: blocks of whole tile rows of one image (about {@link #maxBlockTiles}
 * tiles). Per block, W of all output channels is transformed and interleaved by 4 channels ({@code [ξ][m/4][t][4]},
 * the weight layout of {@link ConvTiles#tileP}); then per block of 2L input channels V is transformed and transposed
 * to {@code [ξ][t][2L]} (tileP's panel layout), and tileP accumulates {@code dU[ξ][4 m][2L c]} with the tiles as its
 * K loop. Where that pads fewer vector lanes ({@link #swapped}: 16 input channels against 2L = 32 lanes), the two
 * roles are exchanged: V interleaved by 4 input channels, W transposed into panels of 2L output channels, and the
 * sums, dUᵀ, transposed back before the last step. Each thread sums its blocks into its own dU; the threads' sums are
 * added in a fixed order (static chunks), so the result does not depend on timing. Last, gw += Gᵀ dU G.
 */
final class WinogradWeight {
    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.SCALAR ? 1 : F.length();
    private static final int MR = DirectConv.MR, NB = 2 * L;
    /** Tiles per block (whole tile rows; not final: tests force one tile row). */
    static int maxBlockTiles = 64;
    /**
     * Where this path is taken (properties {@code gradwerk.conv.winogradWeight}, {@code ...WeightMinChannels},
     * {@code ...WeightMaxArea}; not final: tests): at least minChannels input and output channels and 512 pairs of
     * them, maps of {@link Winograd#minArea} pixels or more. Measured on the 2-core Zen 3 against
     * {@link DirectConvWeight} (alternated 9 times in one JVM, 2 threads, batch 4, U-Net shapes): 1.1-2.0× from 16 → 32
     * channels at 128² to 384 → 128 at 32²; 0.6× for 16 → 16 at 256² (the transforms of x and dy cost more than
     * the multiplications save) and 0.3-0.7× at 16² (too few tiles, half the vector lanes empty).
     */
    static boolean enabled = !"false".equals(System.getProperty("gradwerk.conv.winogradWeight"));
    static int minChannels = Integer.getInteger("gradwerk.conv.winogradWeightMinChannels", 16);
    static int maxArea = Integer.getInteger("gradwerk.conv.winogradWeightMaxArea", Integer.MAX_VALUE);

    private WinogradWeight() {}

    /**
     * 3×3, enough input and output channels, a map that {@link #takesMap} takes.
     */
    static boolean applies(int c, int m, int kh, int kw, int oh, int ow) {
        return enabled && Winograd.enabled && kh == 3 && kw == 3 && c >= minChannels && m >= minChannels
                && (long) c * m >= 32L * minChannels && takesMap(oh, ow);
    }

    /**
     * A map of at least 4 × 4 and between {@link Winograd#minArea} and {@link #maxArea} pixels whose rows fill the
     * vectors ({@link Winograd#rowsFillVectors}) or can be packed densely ({@link Winograd#denseRows}: 32² with
     * AVX-512, where F(2×2) took the weight gradient before. Measured on the 2-core model-167 Xeon, batch 4, two
     * runs of three rounds each way: 128 → 128 channels 395-445 against 351-381 GFLOPS, 384 → 128 461-490 against
     * 367-389, 64 → 128 about the same, 321-362 against 329-353).
     */
    static boolean takesMap(int oh, int ow) {
        long area = (long) oh * ow;
        return oh >= 4 && ow >= 4 && area >= Winograd.minArea && area <= maxArea
                && (Winograd.rowsFillVectors(ow) || Winograd.denseRows(oh, ow));
    }

    /**
     * Whether the products run with the roles of the channels swapped: the input channels on the broadcast side
     * (blocks of 4) and the output channels across the vector lanes (blocks of 2L), when that wastes fewer padded
     * lanes. With 16 input channels and AVX-512's 2L = 32 lanes, the usual orientation pads every product row to
     * 32 input channels, half of them zeros; swapped, 32 output channels fill the lanes exactly (U-Net 16 → 32 at
     * 128²).
     */
    static boolean swapped(int c, int m) {
        return (long) roundUp(c, MR) * roundUp(m, NB) < (long) roundUp(m, MR) * roundUp(c, NB);
    }

    /** gw[0, o, (ch·3 + i)·3 + j] += Σ_{n,y,x} dy[n, o, y, x] · P[n, ch, y + i, x + j] (x padded by ph, pw). */
    static void weight(Images dy, Images x, int ph, int pw, Tensor gw) {
        int m = dy.c(), c = x.c(), oh = dy.h(), ow = dy.w();
        // wide: a tile row in whole vectors (the transforms' scratch rows); twp: the tile rows' stride in the blocks,
        // tw itself where rows are packed densely (Winograd.denseRows), so that no product runs over padding tiles
        int th = Math.ceilDiv(oh, 4), tw = Math.ceilDiv(ow, 4), wide = roundUp(tw, L);
        int twp = Winograd.denseRows(oh, ow) ? tw : wide;
        // g tile rows per block; bt, a block's tile capacity, in whole vectors (interleaveGradient moves L at a time)
        int g = Math.max(1, Math.min(th, maxBlockTiles / twp)), bt = roundUp(g * twp, L);
        int groups = Math.ceilDiv(th, g), tasks = dy.n() * groups;
        // The product's rows (broadcast, blocks of 4) and columns (vector lanes, blocks of 2L): output channels and
        // input channels, or the other way round (swapped).
        boolean swap = swapped(c, m);
        int rows = swap ? c : m, cols = swap ? m : c;
        int r4 = roundUp(rows, MR), rb = r4 / MR, cq = roundUp(cols, NB), duXi = r4 * cq;
        int wXs = MR * bt + SKEW, vXs = NB * bt + SKEW;   // ξ strides of the transformed (not yet interleaved) blocks
        float[][] sums = new float[tasks][];
        Parallel.forRange(tasks, 1, (t0, t1) -> {
            int ps = tw + 2 + L, bandRows = 4 * g + 2;
            Winograd.Workspace own = Winograd.Workspace.get();    // scratch; du outlives the task, so it is new
            float[] planes = own.planes = atLeast(own.planes, Math.max(4 * bandRows * ps, 16 * wide));
            float[] line = own.line = atLeast(own.line, 4 * roundUp(tw + 2, L));
            float[] rt = own.rows = atLeast(own.rows, Math.max(24 * ps + L, 24 * wide));
            float[] tw4 = own.w = atLeast(own.w, 36 * wXs), tv = own.v = atLeast(own.v, 36 * vXs);
            float[] wp = own.m = atLeast(own.m, 36 * r4 * bt), vp = own.t = atLeast(own.t, 36 * bt * cq);
            float[] du = ArrayPool.floats(36 * duXi); // zeroed; several MB, so from the pool
            for (int t = t0; t < t1; t++) {
                int n = t / groups, ty0 = t % groups * g, gr = Math.min(g, th - ty0), kn = gr * twp;
                for (int b = 0; b < rb; b++) {          // rows, 4 channels at a time → wp[ξ][b][tile][4]
                    for (int j = 0; j < MR; j++) {
                        int r = b * MR + j;
                        if (r >= rows) zero(tw4, j * bt, bt, wXs);
                        else if (swap) WinogradTransforms.transformInput(x, n, r, ph, pw, ty0, gr, tw, twp, ps, planes,
                                line, rt, tw4, j, MR, wXs, bt);
                        else transformGradient(dy, n, r, ty0, gr, wide, twp, line, planes, rt, tw4, j * bt, wXs);
                    }
                    WinogradProducts.interleaveGradient(36, tw4, wXs, bt, kn, wp, rb, b);
                }
                for (int c0 = 0; c0 < cq; c0 += NB) {   // columns, 2L channels at a time → vp[ξ][c0 / 2L][tile][2L]
                    for (int j = 0; j < NB; j++) {
                        int col = c0 + j;
                        if (col >= cols) zero(tv, j * bt, bt, vXs);
                        else if (swap) transformGradient(dy, n, col, ty0, gr, wide, twp, line, planes, rt, tv, j * bt, vXs);
                        else WinogradTransforms.transformInput(x, n, col, ph, pw, ty0, gr, tw, twp, ps, planes, line,
                                rt, tv, j, NB, vXs, bt);
                    }
                    WinogradProducts.transposeInput(36, tv, vXs, bt, kn, NB, vp, cq, c0);
                }
                WinogradProducts.weightProducts(36, vp, wp, bt, kn, rb, cq, du, duXi);
            }
            sums[t0] = du;
        });
        float[][] parts = WinogradProducts.partsInOrder(sums);
        if (parts.length == 0) return;
        if (swap) {   // dUᵀ[ξ][c][m] → dU[ξ][m][c], the layout kernelGradient reads (a few hundred KB at most)
            int m4 = roundUp(m, MR), cq2 = roundUp(c, NB);
            for (int i = 0; i < parts.length; i++) {
                float[] part = parts[i], back = ArrayPool.floats(36 * m4 * cq2);
                for (int xi = 0; xi < 36; xi++)
                    for (int ch = 0; ch < c; ch++)
                        for (int o = 0, from = xi * duXi + ch * cq, to = xi * m4 * cq2 + ch; o < m; o++)
                            back[to + o * cq2] = part[from + o];
                ArrayPool.give(part);
                parts[i] = back;
            }
            WinogradKernels.kernelGradient(6, parts, m4 * cq2, cq2, m, c, gw);
        } else {
            WinogradKernels.kernelGradient(6, parts, duXi, cq, m, c, gw);   // gw += Gᵀ (Σ parts) G
        }
        for (float[] part : parts) ArrayPool.give(part);
    }

    /** Zeros the block's row of bt tiles at {@code base} for every position ξ (a padding channel). */
    private static void zero(float[] a, int base, int bt, int xiStride) {
        for (int xi = 0; xi < 36; xi++) Arrays.fill(a, xi * xiStride + base, xi * xiStride + base + bt, 0f);
    }

    /**
     * w[ξ·xiStride + base + g·stride + tx] = (A dY Aᵀ)[ξ] for the 4×4 tiles (ty0 + g, tx) of dy[n, o] (zeros past the
     * map), g < gr: the 4 → 6 transform along the columns (on the four column-phase planes of each dy row, tiles in
     * the vector lanes), then along the rows. twp is a tile row rounded up to whole vectors (the scratch rows); tiles
     * in [tw, twp) come out zero. A stride below twp (dense rows) stores only the row's first stride tiles.
     */
    private static void transformGradient(Images s, int n, int o, int ty0, int gr, int twp, int stride, float[] line,
                                          float[] planes, float[] rt, float[] w, int base, int xiStride) {
        int plane = 4 * twp, width = 4 * twp, ow = Math.min(s.w(), width);
        int src0 = s.off() + n * s.sn() + o * s.sc();
        for (int g = 0; g < gr; g++) {
            for (int r = 0; r < 4; r++) {               // four dy rows → phase planes[q][r][tx]
                int y = 4 * (ty0 + g) + r;
                if (y >= s.h()) {
                    for (int q = 0; q < 4; q++) Arrays.fill(planes, q * plane + r * twp, q * plane + (r + 1) * twp, 0f);
                    continue;
                }
                int src = src0 + y * s.sh();
                if (s.sw() == 1) System.arraycopy(s.a(), src, line, 0, ow);
                else for (int q = 0; q < ow; q++) line[q] = s.a()[src + q * s.sw()];
                Arrays.fill(line, ow, width, 0f);
                for (int q = 0; q < width; q += 4 * L) WinogradTransforms.unzip4(line, q, planes, r * twp + q / 4, plane);
            }
            for (int r = 0; r < 4; r++)                 // along the columns: rt[k][r][tx], k = 0..5
                for (int t = 0; t < twp; t += L)
                    a6(planes, r * twp + t, plane, rt, r * twp + t, 4 * twp);
            for (int k = 0; k < 6; k++)                 // along the rows: w[l·6 + k]
                for (int t = 0; t < twp; t += L) {
                    int to = k * xiStride + base + g * stride + t;
                    if (stride < twp) a6(rt, k * 4 * twp + t, twp, w, to, 6 * xiStride, F.indexInRange(0, stride));
                    else a6(rt, k * 4 * twp + t, twp, w, to, 6 * xiStride);
                }
        }
    }

    /** {@link #a6} storing only the lanes of {@code row} (a dense tile row). */
    private static void a6(float[] x, int at, int stride, float[] y, int to, int step, VectorMask<Float> row) {
        FloatVector x0 = FloatVector.fromArray(F, x, at), x1 = FloatVector.fromArray(F, x, at + stride);
        FloatVector x2 = FloatVector.fromArray(F, x, at + 2 * stride), x3 = FloatVector.fromArray(F, x, at + 3 * stride);
        FloatVector e = x0.add(x2), od = x1.add(x3), e4 = x0.add(x2.mul(4f)), od2 = x1.mul(2f).add(x3.mul(8f));
        x0.intoArray(y, to, row);
        e.add(od).intoArray(y, to + step, row);
        e.sub(od).intoArray(y, to + 2 * step, row);
        e4.add(od2).intoArray(y, to + 3 * step, row);
        e4.sub(od2).intoArray(y, to + 4 * step, row);
        x3.intoArray(y, to + 5 * step, row);
    }

    /**
     * A applied to the four vectors x[at + r·stride] (r = 0..3), written to y[to + k·step] (k = 0..5):
     * y0 = x0, y1 = x0 + x1 + x2 + x3, y2 = x0 - x1 + x2 - x3, y3 = x0 + 2x1 + 4x2 + 8x3, y4 = x0 - 2x1 + 4x2 - 8x3,
     * y5 = x3 (A = (Aᵀ)ᵀ of {@link Winograd}'s output transform).
     */
    private static void a6(float[] x, int at, int stride, float[] y, int to, int step) {
        FloatVector x0 = FloatVector.fromArray(F, x, at), x1 = FloatVector.fromArray(F, x, at + stride);
        FloatVector x2 = FloatVector.fromArray(F, x, at + 2 * stride), x3 = FloatVector.fromArray(F, x, at + 3 * stride);
        FloatVector e = x0.add(x2), od = x1.add(x3), e4 = x0.add(x2.mul(4f)), od2 = x1.mul(2f).add(x3.mul(8f));
        x0.intoArray(y, to);
        e.add(od).intoArray(y, to + step);
        e.sub(od).intoArray(y, to + 2 * step);
        e4.add(od2).intoArray(y, to + 3 * step);
        e4.sub(od2).intoArray(y, to + 4 * step);
        x3.intoArray(y, to + 5 * step);
    }
}

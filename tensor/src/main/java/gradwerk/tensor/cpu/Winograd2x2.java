package gradwerk.tensor.cpu;

import gradwerk.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

import static gradwerk.tensor.cpu.Winograd.SKEW;
import static gradwerk.tensor.cpu.Winograd.atLeast;
import static gradwerk.tensor.cpu.WinogradTransforms.roundUp;

/**
 * Winograd F(2×2, 3×3) for float32, stride 1: the small-map sibling of {@link Winograd}'s F(4×4, 3×3), for the
 * U-Net's deepest layers (16² maps), where F(4×4) has only 4 tiles per row, half an AVX2 vector. Here a tile is
 * 2×2 outputs from a 4×4 input patch, so a 16² map has 8 tiles per row (one whole vector) and 64 per image; each
 * tile costs 16 multiplications per channel pair instead of the direct method's 36 (2.25× fewer; F(4×4) saves 4×).
 * <pre>
 *   out_tile[m] = Aᵀ ( Σ_c U[m,c] ⊙ V[c,t] ) A,   V = Bᵀ d B (4×4),   U = G g Gᵀ (4×4)
 *   Bᵀ = | 1  0 -1  0 |     G = | 1    0    0  |     Aᵀ = | 1  1  1  0 |
 *        | 0  1  1  0 |         | ½    ½    ½  |          | 0  1 -1 -1 |
 *        | 0 -1  1  0 |         | ½   -½    ½  |
 *        | 0  1  0 -1 |         | 0    0    1  |
 * </pre>
 * (Lavin and Gray, CVPR 2016). The algorithm, the blocks and the data layouts are {@link Winograd#forward}'s with 16
 * positions ξ instead of 36: a task is a block of whole tile rows of one image; per block of input channels the
 * input transform writes V in {@link ConvTiles#tileP}'s packed-panel layout and the 16 products run on that
 * micro-kernel; after the last channel block the output transform writes the block's outputs. A padded input row
 * is split into two column-phase planes (even and odd columns), so column 2t + j of tile t is plane j mod 2 at
 * index t + j / 2 and the transforms vectorise over the tiles of a row. The transforms only add and subtract
 * (the ½ of G is applied to the weights), so the float32 results are about as accurate as the direct kernel's.
 */
final class Winograd2x2 {
    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.SCALAR ? 1 : F.length();
    private static final int MR = DirectConv.MR;

    /**
     * Where it is used (properties {@code gradwerk.conv.winograd2x2}, {@code ...MinChannels}, {@code ...MinArea};
     * not final: tests): 3×3 stride-1 layers with at least minChannels input channels (for the weight gradient,
     * output channels too) whose output maps are too small for {@link Winograd} (below its
     * {@link Winograd#minArea}, or rows of fewer tiles than its {@link Winograd#minRowTiles}) and at least
     * {@link #minArea} pixels. Measured on the 2-core Zen 3 against the
     * default paths (alternated 11-15 times in one JVM, 2 threads, batch 4, 128 → 256 and 256 → 256 channels at
     * 16²): forward 1.4-1.6×, input gradient 1.4-1.6×, weight gradient (against im2col + GEMM) 1.5-1.7×; at 8²
     * (4 tiles per row: half an AVX2 vector empty) the forward lost (0.6×), hence 16² as the smallest map.
     * {@code -Dgradwerk.conv.winograd=false} switches this off with F(4×4).
     */
    static boolean enabled = !Simd.SCALAR && !"false".equals(System.getProperty("gradwerk.conv.winograd2x2"));
    static int minChannels = Integer.getInteger("gradwerk.conv.winograd2x2MinChannels", 64);
    static int minArea = Integer.getInteger("gradwerk.conv.winograd2x2MinArea", 16 * 16);
    /** Budgets of a block, as {@link Winograd}'s (not final: tests force tiny blocks). */
    static int maxBlockTiles = 64;
    static long productFloats = Winograd.productBudget(Caches.L2), inputFloats = Winograd.inputBudget(Caches.L2);

    private Winograd2x2() {}

    /**
     * 3×3, enough input channels, an output map not below minArea that {@link Winograd} does not take for its size
     * ({@link Winograd#takesMap}: smaller than its minArea, or rows too short to fill its vectors that cannot be
     * packed densely either).
     */
    static boolean applies(int c, int m, int kh, int kw, int oh, int ow) {
        return fits(c, m, kh, kw, oh, ow) && !Winograd.takesMap(oh, ow);
    }

    /** 3×3, enough input channels, a map not below minArea, and on, whatever F(4×4) would take. */
    private static boolean fits(int c, int m, int kh, int kw, int oh, int ow) {
        return enabled && Winograd.enabled && kh == 3 && kw == 3 && c >= minChannels && m >= 4 && oh >= 2 && ow >= 2
                && (long) oh * ow >= minArea;
    }

    /** As {@link Winograd#forward}: out (=, or += with add) bias + the 3×3 convolution of the padded source. */
    static void forward(DirectConv.Images s, int padT, int padL, float[] w, int wOff, int wo, int wi, int wr, int ws,
                        int m, float[] bias, float[] out, int outOff, int oh, int ow, boolean add) {
        int c = s.c(), th = Math.ceilDiv(oh, 2), tw = Math.ceilDiv(ow, 2), mb = Math.ceilDiv(m, MR), m4 = mb * MR;
        int twp = denseRows(tw) ? tw : roundUp(tw, L);
        int target = Math.max(2 * L, Math.min(maxBlockTiles, (int) (productFloats / (16L * m4))));
        int g = Math.max(1, Math.min(th, target / twp)), ntp = roundUp(g * twp, 2 * L);
        int cb = (int) Math.max(1, Math.min(c, inputFloats / (16L * ntp)));
        int groups = Math.ceilDiv(th, g), tasks = s.n() * groups;
        int ps = tw + 1 + L, rows = 2 * g + 2;
        Winograd.Workspace caller = Winograd.Workspace.get();     // U lives until the tasks below are done
        float[] u = caller.u = WinogradKernels.transformWeights(w, wOff, wo, wi, wr, ws, m, c, 4, caller.u);
        var next = new AtomicInteger();
        Parallel.forRange(Math.min(tasks, Parallel.threads()), 1, (w0, w1) -> {
            Winograd.Workspace own = Winograd.Workspace.get();
            // the products get L floats of slack: a dense row's vector (see denseRows) may read past the last one
            float[] v = own.v = atLeast(own.v, 16 * (cb * ntp + SKEW)), prod = own.m = atLeast(own.m, 16 * m4 * ntp + L);
            float[] planes = own.planes = atLeast(own.planes, 2 * rows * ps);
            float[] line = own.line = atLeast(own.line, 2 * roundUp(tw + 1, L));
            float[] rt = own.rows = atLeast(own.rows, Math.max(32 * L, Math.max(8 * ps, 12 * (tw + L)) + L));
            for (int t; (t = next.getAndIncrement()) < tasks; ) {
                int n = t / groups, ty0 = t % groups * g, gr = Math.min(g, th - ty0);
                for (int c0 = 0; c0 < c; c0 += cb) {
                    int cn = Math.min(cb, c - c0), vXi = cn * ntp + SKEW;
                    if (gr * twp < ntp) Arrays.fill(v, 0, 16 * vXi, 0f);
                    for (int ch = 0; ch < cn; ch++)
                        transformInput(s, n, c0 + ch, padT, padL, ty0, gr, tw, twp, ps, planes, line, rt, v, ch, cn,
                                vXi, 0);
                    WinogradProducts.products(16, u, mb, c, c0, v, cn, vXi, ntp, prod);
                }
                for (int o = 0; o < m; o++)
                    transformOutput(prod, WinogradProducts.productAt(16, ntp, 0, o, 0), gr, tw, twp, rt, out,
                            outOff + (n * m + o) * oh * ow + 2 * ty0 * ow, oh - 2 * ty0, ow,
                            bias == null ? 0f : bias[o], add);
            }
        });
    }

    /**
     * Whether the forward and the weight gradient pack their tile rows densely: tw tiles apart instead of a whole
     * number of vectors apart. On a 16² map, F(2×2) has 8 tiles per row; rounded up to a 16-lane AVX-512 vector,
     * half of every vector of the products would be padding. Dense rows share vectors (two rows of 8 in one of 16).
     * Where two rows fill a vector exactly (2·tw = L), {@link Winograd2x2RowPairs} transforms them two at a time.
     * Otherwise the input and gradient transforms store only a row's tw lanes (masked stores), and the output
     * transform reads a vector from the row's first tile and keeps its first tw lanes (the others are the next
     * row's tiles, or slack). A row must not straddle a panel of 2L tiles ({@link WinogradProducts#productAt}), so
     * tw must divide 2L. With AVX2 (8 lanes), 16² has 8 tiles per row, a whole vector, so only smaller maps take it.
     */
    static boolean denseRows(int tw) {
        return tw < L && 2 * L % tw == 0;
    }

    // ================================================================ weight gradient: gw = Gᵀ (Σ_t W ⊙ V) G

    /**
     * Whether the weight gradient takes {@link #weight}: as {@link #applies}, with enough output channels too, on
     * the maps that {@link WinogradWeight} does not take for their size ({@link WinogradWeight#takesMap}).
     */
    static boolean appliesToWeight(int c, int m, int kh, int kw, int oh, int ow) {
        return fits(c, m, kh, kw, oh, ow) && m >= minChannels && !WinogradWeight.takesMap(oh, ow);
    }

    /**
     * gw[0, o, (ch·3 + i)·3 + j] += Σ_{n,y,x} dy[n, o, y, x] · P[n, ch, y + i, x + j] (x padded by ph, pw), as
     * {@link WinogradWeight#weight} computes it with F(4×4): gw[m, c] = Gᵀ (Σ_t W[m,t] ⊙ V[c,t]) G with
     * W = A dY Aᵀ (4×4 from the 2×2 tile of dy) and V = Bᵀ d B, the 16 sums over tiles being tileP products with
     * the tiles as the K loop; per-thread sums added in chunk order.
     */
    static void weight(DirectConv.Images dy, DirectConv.Images x, int ph, int pw, Tensor gw) {
        int m = dy.c(), c = x.c(), oh = dy.h(), ow = dy.w();
        // wide: a tile row rounded up to whole vectors (the transforms' scratch rows); twp: the tile rows' stride in
        // the blocks, tw itself where rows are dense (denseRows), so that no product runs over padding tiles
        int th = Math.ceilDiv(oh, 2), tw = Math.ceilDiv(ow, 2), wide = roundUp(tw, L), twp = denseRows(tw) ? tw : wide;
        // bt, a block's tile capacity, in whole vectors: interleaveGradient moves L tiles at a time
        int g = Math.max(1, Math.min(th, maxBlockTiles / twp)), bt = roundUp(g * twp, L);
        int groups = Math.ceilDiv(th, g), tasks = dy.n() * groups;
        int m4 = roundUp(m, MR), mb = m4 / MR, nb = 2 * L, cq = roundUp(c, nb), duXi = m4 * cq;
        int wXs = MR * bt + SKEW, vXs = nb * bt + SKEW;
        float[][] sums = new float[tasks][];
        boolean rowPairs = Winograd2x2RowPairs.fit(tw, twp) && ow == 2 * tw && dy.sw() == 1;
        Parallel.forRange(tasks, 1, (t0, t1) -> {
            int ps = tw + 1 + L, rows = 2 * g + 2;
            Winograd.Workspace own = Winograd.Workspace.get();
            float[] planes = own.planes = atLeast(own.planes, Math.max(2 * rows * ps, 4 * wide));
            float[] line = own.line = atLeast(own.line, 2 * roundUp(tw + 1, L));
            float[] rt = own.rows = atLeast(own.rows, Math.max(32 * L, Math.max(8 * ps, 8 * wide) + L));
            float[] tw4 = own.w = atLeast(own.w, 16 * wXs), tv = own.v = atLeast(own.v, 16 * vXs);
            float[] wp = own.m = atLeast(own.m, 16 * m4 * bt), vp = own.t = atLeast(own.t, 16 * bt * cq);
            float[] du = ArrayPool.floats(16 * duXi); // zeroed; several MB, so from the pool
            for (int t = t0; t < t1; t++) {
                int n = t / groups, ty0 = t % groups * g, gr = Math.min(g, th - ty0), kn = gr * twp;
                for (int b = 0; b < mb; b++) {          // W, 4 output channels at a time → wp[ξ][b][tile][4]
                    for (int j = 0; j < MR; j++) {
                        int o = b * MR + j;
                        if (o < m && rowPairs) Winograd2x2RowPairs.gradient(dy, n, o, ty0, gr, tw4, j * bt, wXs);
                        else if (o < m)
                            transformGradient(dy, n, o, ty0, gr, wide, twp, line, planes, rt, tw4, j * bt, wXs);
                        else for (int xi = 0; xi < 16; xi++) Arrays.fill(tw4, xi * wXs + j * bt, xi * wXs + (j + 1) * bt, 0f);
                    }
                    WinogradProducts.interleaveGradient(16, tw4, wXs, bt, kn, wp, mb, b);
                }
                for (int c0 = 0; c0 < cq; c0 += nb) {   // V, 2L input channels at a time → vp[ξ][c0 / 2L][tile][2L]
                    for (int j = 0; j < nb; j++) {
                        if (c0 + j < c)
                            transformInput(x, n, c0 + j, ph, pw, ty0, gr, tw, twp, ps, planes, line, rt, tv, j, nb,
                                    vXs, bt);
                        else for (int xi = 0; xi < 16; xi++) Arrays.fill(tv, xi * vXs + j * bt, xi * vXs + (j + 1) * bt, 0f);
                    }
                    WinogradProducts.transposeInput(16, tv, vXs, bt, kn, nb, vp, cq, c0);
                }
                WinogradProducts.weightProducts(16, vp, wp, bt, kn, mb, cq, du, duXi);
            }
            sums[t0] = du;
        });
        float[][] parts = WinogradProducts.partsInOrder(sums);
        if (parts.length == 0) return;
        WinogradKernels.kernelGradient(4, parts, duXi, cq, m, c, gw);   // gw += Gᵀ (Σ parts) G
        for (float[] part : parts) ArrayPool.give(part);
    }

    /**
     * w[ξ·xiStride + base + g·stride + tx] = (A dY Aᵀ)[ξ] for the 2×2 tiles (ty0 + g, tx) of dy[n, o] (zeros past the
     * map), g &lt; gr: A x = (x0, x0 + x1, x0 - x1, -x1) along the columns (on the two column-phase planes of each
     * dy row, tiles in the vector lanes), then along the rows. twp is a tile row rounded up to whole vectors (the
     * scratch rows); a stride below it (dense rows, {@link #denseRows}) stores only the row's tiles.
     */
    private static void transformGradient(DirectConv.Images s, int n, int o, int ty0, int gr, int twp, int stride,
                                          float[] line, float[] planes, float[] rt, float[] w, int base, int xiStride) {
        int plane = 2 * twp, width = 2 * twp, ow = Math.min(s.w(), width);
        int src0 = s.off() + n * s.sn() + o * s.sc();
        for (int g = 0; g < gr; g++) {
            for (int r = 0; r < 2; r++) {               // two dy rows → phase planes[q][r][tx]
                int y = 2 * (ty0 + g) + r;
                if (y >= s.h()) {
                    for (int q = 0; q < 2; q++) Arrays.fill(planes, q * plane + r * twp, q * plane + (r + 1) * twp, 0f);
                    continue;
                }
                int src = src0 + y * s.sh();
                if (s.sw() == 1 && ow == width) {       // a row of whole vectors: split it where it lies
                    for (int q = 0; q < width; q += 2 * L)
                        WinogradTransforms.unzip2(s.a(), src + q, planes, r * twp + q / 2, plane);
                    continue;
                }
                if (s.sw() == 1) System.arraycopy(s.a(), src, line, 0, ow);
                else for (int q = 0; q < ow; q++) line[q] = s.a()[src + q * s.sw()];
                Arrays.fill(line, ow, width, 0f);
                for (int q = 0; q < width; q += 2 * L) WinogradTransforms.unzip2(line, q, planes, r * twp + q / 2, plane);
            }
            for (int r = 0; r < 2; r++)                 // along the columns: rt[k][r][tx], k = 0..3
                for (int t = 0; t < twp; t += L)
                    a4(planes, r * twp + t, plane, rt, r * twp + t, 2 * twp);
            for (int k = 0; k < 4; k++)                 // along the rows: w[l·4 + k]
                for (int t = 0; t < twp; t += L) {
                    int to = k * xiStride + base + g * stride + t;
                    if (stride < twp) a4(rt, k * 2 * twp + t, twp, w, to, 4 * xiStride, F.indexInRange(0, stride));
                    else a4(rt, k * 2 * twp + t, twp, w, to, 4 * xiStride);
                }
        }
    }

    /** {@link #a4} storing only the lanes of {@code row} (a dense tile row). */
    private static void a4(float[] x, int at, int stride, float[] y, int to, int step, VectorMask<Float> row) {
        FloatVector x0 = FloatVector.fromArray(F, x, at), x1 = FloatVector.fromArray(F, x, at + stride);
        x0.intoArray(y, to, row);
        x0.add(x1).intoArray(y, to + step, row);
        x0.sub(x1).intoArray(y, to + 2 * step, row);
        x1.neg().intoArray(y, to + 3 * step, row);
    }

    /** A applied to x[at], x[at + stride], written to y[to + k·step]: x0, x0 + x1, x0 - x1, -x1. */
    private static void a4(float[] x, int at, int stride, float[] y, int to, int step) {
        FloatVector x0 = FloatVector.fromArray(F, x, at), x1 = FloatVector.fromArray(F, x, at + stride);
        x0.intoArray(y, to);
        x0.add(x1).intoArray(y, to + step);
        x0.sub(x1).intoArray(y, to + 2 * step);
        x1.neg().intoArray(y, to + 3 * step);
    }

    // ================================================================ input: V[ξ][ch][t] = (Bᵀ d B)[ξ]

    /**
     * Channel ch of image n, tile rows [ty0, ty0 + gr), into V at the packed layout of {@link ConvTiles#tileP}:
     * tile k = g·twp + tx, position ξ → {@code v[ξ·xiStride + (k / 2L)·cn·2L + chL·2L + k % 2L]}, or with rowLen &gt; 0
     * to {@code v[ξ·xiStride + chL·rowLen + k]} (rows of tiles, for {@link #weight}). The padded rows are
     * split into the two column-phase planes, then per tile row Bᵀ runs down the 4 rows (per plane) and across the 4
     * columns, L tiles at a time.
     */
    private static void transformInput(DirectConv.Images s, int n, int ch, int padT, int padL, int ty0, int gr,
                                       int tw, int twp, int ps, float[] planes, float[] line, float[] rt, float[] v,
                                       int chL, int cn, int xiStride, int rowLen) {
        if (Winograd2x2RowPairs.fit(tw, twp)) {
            Winograd2x2RowPairs.input(s, n, ch, padT, padL, ty0, gr, planes, rt, v, chL, cn, xiStride, rowLen);
            return;
        }
        int rows = 2 * gr + 2, plane = rows * ps, pw = tw + 1, used = roundUp(pw, L), width = 2 * used;
        int src0 = s.off() + n * s.sn() + ch * s.sc();
        int qLo = Math.max(0, padL), qHi = Math.min(width, padL + s.w());
        for (int y = 0; y < rows; y++) {
            int sy = 2 * ty0 + y - padT, row = y * ps;
            if (sy < 0 || sy >= s.h() || qLo >= qHi) {
                Arrays.fill(planes, row, row + used, 0f);
                Arrays.fill(planes, plane + row, plane + row + used, 0f);
                continue;
            }
            int src = src0 + sy * s.sh() + (qLo - padL) * s.sw();
            Arrays.fill(line, 0, qLo, 0f);
            if (s.sw() == 1) System.arraycopy(s.a(), src, line, qLo, qHi - qLo);
            else for (int q = qLo; q < qHi; q++) line[q] = s.a()[src + (q - qLo) * s.sw()];
            Arrays.fill(line, qHi, width, 0f);
            for (int q = 0; q < width; q += 2 * L)
                WinogradTransforms.unzip2(line, q, planes, row + q / 2, plane);
        }
        for (int g = 0; g < gr; g++) {
            int top = 2 * g * ps;
            for (int p = 0; p < 2; p++)                          // down the rows: rt[p·4 + i][t]
                for (int t = 0; t < pw; t += L)
                    bt4(planes, p * plane + top + t, ps, rt, p * 4 * ps + t, ps);
            for (int i = 0; i < 4; i++) {                        // across the columns: v[i·4 + j]
                int r = i * ps;
                for (int t = 0; t < tw; t += L) {
                    int k = g * twp + t;
                    int at = rowLen > 0 ? chL * rowLen + k : k / (2 * L) * cn * 2 * L + chL * 2 * L + k % (2 * L);
                    // the 4 columns of tile t: plane 0 and 1 at t, plane 0 and 1 at t + 1
                    if (twp < L) btCols(rt, r + t, 4 * ps, v, i * 4 * xiStride + at, xiStride, F.indexInRange(0, tw));
                    else btCols(rt, r + t, 4 * ps, v, i * 4 * xiStride + at, xiStride);
                }
            }
        }
    }

    /** Bᵀ applied to x[at + k·stride] (k = 0..3), to y[to + k·step]: x0 - x2, x1 + x2, x2 - x1, x1 - x3. */
    static void bt4(float[] x, int at, int stride, float[] y, int to, int step) {
        bt(x, at, at + stride, at + 2 * stride, at + 3 * stride, y, to, step);
    }

    /** The columns of one transformed row: plane 0 at t, plane 1 at t, plane 0 at t + 1, plane 1 at t + 1. */
    private static void btCols(float[] rt, int at, int planeRows, float[] y, int to, int step) {
        bt(rt, at, at + planeRows, at + 1, at + planeRows + 1, y, to, step);
    }

    /** {@link #btCols} storing only the lanes of {@code row} (a dense tile row, {@link #denseRows}). */
    private static void btCols(float[] rt, int at, int planeRows, float[] y, int to, int step, VectorMask<Float> row) {
        FloatVector x0 = FloatVector.fromArray(F, rt, at), x1 = FloatVector.fromArray(F, rt, at + planeRows);
        FloatVector x2 = FloatVector.fromArray(F, rt, at + 1), x3 = FloatVector.fromArray(F, rt, at + planeRows + 1);
        x0.sub(x2).intoArray(y, to, row);
        x1.add(x2).intoArray(y, to + step, row);
        x2.sub(x1).intoArray(y, to + 2 * step, row);
        x1.sub(x3).intoArray(y, to + 3 * step, row);
    }

    static void bt(float[] x, int a0, int a1, int a2, int a3, float[] y, int to, int step) {
        FloatVector x0 = FloatVector.fromArray(F, x, a0), x1 = FloatVector.fromArray(F, x, a1);
        FloatVector x2 = FloatVector.fromArray(F, x, a2), x3 = FloatVector.fromArray(F, x, a3);
        x0.sub(x2).intoArray(y, to);
        x1.add(x2).intoArray(y, to + step);
        x2.sub(x1).intoArray(y, to + 2 * step);
        x1.sub(x3).intoArray(y, to + 3 * step);
    }

    // ================================================================ output: Aᵀ M A

    /**
     * One output channel of a block: products from prod[mAt] by panel of 2L tiles ({@link WinogradProducts#productAt}:
     * M[k][j] of a tile 2L·(4k + j) after M[0][0]), twp tiles per tile row. For each vector, Aᵀ down the 4 rows
     * of M (→ 2, st[(4r + j)L]) and across the 4 columns (→ 2 × 2, st[(8 + 2r + q)L]) in its 12 slots of st; then
     * the two output rows of each tile row, the phases interleaved back, skipping what lies past oh × ow. Constant
     * strides, as in {@link WinogradTransforms#transformOutput}, so that C2 merges the bounds checks.
     */
    private static void transformOutput(float[] prod, int mAt, int th, int tw, int twp, float[] st, float[] out,
                                        int outAt, int oh, int ow, float bias, boolean add) {
        if (Winograd2x2RowPairs.fit(tw, twp) && ow == 2 * tw) {
            Winograd2x2RowPairs.output(prod, mAt, th, st, out, outAt, oh, ow, bias, add);
            return;
        }
        for (int ty = 0; ty < th; ty++) {
            for (int t = 0; t < tw; t += L) {
                // M[0][0] of this vector of tiles (its offset within channel o's products), and its slots in st
                int at = mAt + WinogradProducts.productAt(16, 0, 0, 0, ty * twp + t), s = t * 12;
                for (int j = 0; j < 4; j++)                     // rows: (Aᵀ M)[r][j]
                    at2(prod, at + 2 * j * L, 8 * L, st, s + j * L, 4 * L);
                for (int r = 0; r < 2; r++)                     // columns: (Aᵀ M A)[r][q]
                    at2(st, s + 4 * r * L, L, st, s + (8 + 2 * r) * L, L);
            }
            for (int r = 0; r < 2; r++) {
                int y = 2 * ty + r;
                if (y >= oh) break;
                WinogradTransforms.outputRow(2, st, (8 + r * 2) * L, L, 12 * L, tw, out, outAt + y * ow, ow, bias, add);
            }
        }
    }

    /** Aᵀ applied to x[at + k·stride] (k = 0..3), to y[to], y[to + step]: x0 + x1 + x2, x1 - x2 - x3. */
    static void at2(float[] x, int at, int stride, float[] y, int to, int step) {
        FloatVector x0 = FloatVector.fromArray(F, x, at), x1 = FloatVector.fromArray(F, x, at + stride);
        FloatVector x2 = FloatVector.fromArray(F, x, at + 2 * stride), x3 = FloatVector.fromArray(F, x, at + 3 * stride);
        x0.add(x1).add(x2).intoArray(y, to);
        x1.sub(x2).sub(x3).intoArray(y, to + step);
    }
}

package gradwerk.tensor.cpu;

import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

import static gradwerk.tensor.cpu.WinogradTransforms.roundUp;
import static gradwerk.tensor.cpu.WinogradTransforms.transformInput;
import static gradwerk.tensor.cpu.WinogradTransforms.transformOutput;

/**
 * Winograd convolution F(4×4, 3×3) for float32, stride 1 (A. Lavin, S. Gray, "Fast Algorithms for Convolutional
 * Neural Networks", CVPR 2016): a 3×3 convolution computed with 36 multiplications per 4×4 block of output instead
 * of 144. Used by {@link DirectConv} for the forward convolution and the input gradient of 3×3 layers with at least
 * {@link #minChannels} input channels on maps of at least {@link #minArea} pixels (the U-Net's layers from 32² up);
 * {@link WinogradWeight} does the weight gradient. {@code -Dgradwerk.conv.winograd=false} switches both off.
 *
 * <h2>The algorithm</h2>
 * Cut the output into 4×4 tiles; tile t of input channel c reads a 6×6 patch d of the padded input. Then
 * <pre>
 *   out_tile[m] = Aᵀ · ( Σ_c  U[m,c] ⊙ V[c,t] ) · A,   V[c,t] = Bᵀ d B  (6×6),   U[m,c] = G g[m,c] Gᵀ  (6×6)
 * </pre>
 * with the constant matrices Bᵀ (6×6), G (6×3) and Aᵀ (4×6) of the paper (interpolation points 0, ±1, ±2, ∞). The
 * sum over c is, for each of the 36 positions ξ of the 6×6 tile, a matrix product
 * {@code M[ξ] (m × tiles) = U[ξ] (m × c) · V[ξ] (c × tiles)}. So the convolution becomes three steps: transform the
 * input (per channel), 36 matrix products with ¼ of the direct method's multiplications, transform the output (per
 * output channel).
 *
 * <h2>Blocks that stay in the caches</h2>
 * Done one step at a time over a whole batch, the transformed input and the products are each 2.25× the size of
 * the input, written to memory and read back (and packed again by a GEMM): the saved multiplications are then paid
 * for in memory traffic. So {@link #forward} works on blocks of a few whole tile rows of one image (at most
 * {@link #maxBlockTiles} tiles, as many as keep M within {@link #productFloats}), one block per task: transform the
 * input of a block of channels, run the 36 products for it, and after the last channel block transform the block's
 * output. The input transform writes V directly in the packed-panel layout of the direct convolution's micro-kernel
 * ({@link ConvTiles#tileP}: 2L tiles side by side per channel), and U is packed once per call in its weight
 * layout, so the products are that micro-kernel with no packing step: 4 output channels × 2L tiles per register
 * tile, input channels as the K loop.
 *
 * <h2>Making the transforms vector code</h2>
 * Tiles overlap (stride 4, width 6), so the columns of a tile row are not contiguous per tile. The input of a
 * channel is first split into four column-phase planes (padded column q goes to plane q mod 4 at index q / 4):
 * then column 4t + j of tile t is plane j mod 4 at index t + j / 4, so "the same column of every tile in the row"
 * is a contiguous run of one plane and the 6-point transforms vectorise over tiles. Rows need no such trick. A
 * tile row holds a whole number of vectors of tiles (twp, the last lanes unused when the width is no multiple of
 * 4L), or, where a row has fewer tiles than a vector has lanes and they divide a panel of 2L, exactly its tiles, two
 * or more rows sharing a vector ({@link #denseRows}: 32² with AVX-512; stores then masked to the row's lanes). Maps
 * below {@link #minArea} (16²) go to {@link Winograd2x2} instead. Each transform
 * is written out with named vector locals ({@link WinogradTransforms}) and only arrays and offsets cross its method
 * boundary: in a large compilation unit C2 may decline to inline a callee, and a vector passed to it would then be
 * boxed (an allocation per call; measured: transforms 2× slower).
 *
 * <h2>Bounds checks</h2>
 * Every vector load and store is bounds-checked. C2 removes a check only from the body of a long counted loop, or
 * merges several checks when their indices differ by constants. The transforms' loops are short: a tile row is 4–8
 * vectors of tiles. So the products M are laid out by output channel, then by panel of 2L tiles, then by position
 * ({@link WinogradProducts#productAt}). The output transform then reads the 36 positions of a tile at constant
 * distances from one index, and C2 keeps one group of checks per vector of tiles, not one check per load.
 * Measured: the bounds checks had cost 20–27 % of the forward at 16 → 32 channels on 128² maps; the new layout
 * gained 6–12 % there.
 *
 * <h2>Accuracy</h2>
 * The transforms scale values by up to ~100 and cancel them again, so float32 results differ from a direct sum by
 * about 10⁻⁵ of the largest output, more than the direct kernel's ~10⁻⁶ (measured: 64 channels 8·10⁻⁶, 128
 * channels 1·10⁻⁵ relative to the largest output). Training does not notice; float64 (gradient checks) never comes
 * here.
 */
final class Winograd {
    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.SCALAR ? 1 : F.length();

    /**
     * Whether 3×3 convolutions may take this path (off with {@code -Dgradwerk.conv.winograd=false}; not final so
     * that tests can compare both paths). Measured on the 2-core Zen 3 against {@link DirectConv}'s kernels (both
     * alternated 11 times in one JVM, 2 threads, batch 4): forward 1.1-2.1× and input gradient 1.2-2.3× at every
     * U-Net layer from 32² maps up; 0.5× at 16² (excluded by {@link #minArea}).
     */
    static boolean enabled = !Simd.SCALAR && !"false".equals(System.getProperty("gradwerk.conv.winograd"));
    /**
     * Fewest input channels (the GEMMs' depth: for the input gradient, the layer's output channels) for which
     * Winograd is used (property {@code gradwerk.conv.winogradMinChannels}): with fewer, the transforms cost more
     * than the multiplications they save.
     */
    static int minChannels = Integer.getInteger("gradwerk.conv.winogradMinChannels", 16);
    /** Output maps between these many pixels take Winograd (properties {@code gradwerk.conv.winogradMinArea/MaxArea}):
     *  on smaller maps there are too few tiles per row to fill the vectors. */
    static int minArea = Integer.getInteger("gradwerk.conv.winogradMinArea", 32 * 32);
    static int maxArea = Integer.getInteger("gradwerk.conv.winogradMaxArea", Integer.MAX_VALUE);
    /**
     * Fewest 4-pixel tiles per output row (property {@code gradwerk.conv.winogradMinRowTiles}; default: the float
     * lanes of a vector; not final: tests). A block holds whole tile rows, each rounded up to whole vectors, so a
     * row of fewer tiles leaves lanes empty: at 32² (8 tiles a row) half of every AVX-512 vector, none of an AVX2
     * one. Measured on a 2-core AVX-512 Xeon (fwd+bwd, median of 2 rounds): F(2×2), with twice the tiles per row,
     * over such half-empty F(4×4) at 32² 1.32× for 64 → 128 channels, 1.39× for 128 → 128 and 1.48× for 384 → 128.
     * Rows that cannot fill vectors are packed densely instead where they can ({@link #denseRows}), and
     * {@link Winograd2x2} takes the maps where neither works.
     */
    static int minRowTiles = Integer.getInteger("gradwerk.conv.winogradMinRowTiles", Simd.SCALAR ? 1 : Simd.F.length());

    /** Output channels per register tile of the products ({@link DirectConv#MR}). */
    private static final int MR = DirectConv.MR;
    /**
     * Budgets of a block (per thread, not final so that tests can force tiny blocks): most tiles, most floats of the
     * products M (36 × output channels × tiles, accumulated over the K blocks: L2) and of the transformed input V
     * of one K block (36 × input channels × tiles, read by every block of 4 output channels: L2). M gets half of
     * the L2 ({@link Caches#L2}), V three eighths: 64 K and 48 K floats on the Zen 3's 512 KB, where they were
     * measured, and four times that on the Xeon's 2 MB (there 1.03-1.05× faster forward and backward than the Zen 3's
     * budgets).
     */
    static int maxBlockTiles = 64;
    /** Floats between consecutive V[ξ] beyond their size: one cache line. */
    static final int SKEW = 16;
    static long productFloats = productBudget(Caches.L2), inputFloats = inputBudget(Caches.L2);

    /** Floats of the products M per block for an L2 of l2 bytes (4 bytes a float): half of it. */
    static long productBudget(long l2) {
        return l2 / 8;
    }

    /** Floats of the transformed input V per K block for an L2 of l2 bytes: three eighths of it. */
    static long inputBudget(long l2) {
        return 3 * l2 / 32;
    }

    private Winograd() {}

    /**
     * 3×3 kernel, enough input channels and at least 4 output channels, an output map of a size where it pays, with
     * rows long enough to fill the vectors.
     */
    static boolean applies(int c, int m, int kh, int kw, int oh, int ow) {
        return enabled && kh == 3 && kw == 3 && c >= minChannels && m >= 4 && oh >= 4 && ow >= 4 && takesMap(oh, ow);
    }

    /**
     * Whether an oh × ow output map suits F(4×4): between {@link #minArea} and {@link #maxArea} pixels, and either
     * its rows fill whole vectors ({@link #rowsFillVectors}) or they can be packed densely ({@link #denseRows}).
     */
    static boolean takesMap(int oh, int ow) {
        long area = (long) oh * ow;
        return area >= minArea && area <= maxArea && (rowsFillVectors(ow) || denseRows(oh, ow));
    }

    /**
     * Whether tile rows are packed densely, tw tiles apart instead of a whole number of vectors apart (property
     * {@code gradwerk.conv.winogradDense}, default on; not final: tests and A/B runs). At 32² a row has 8 tiles, half
     * of an AVX-512 vector; rounded up, half of every product would be padding, which is why {@link Winograd2x2}
     * took those maps (4 multiplications per output instead of F(4×4)'s 2.25). Packed densely, two tile rows share a
     * vector: the input transform stores only a row's lanes (masked stores) and the output transform keeps only
     * the first tw lanes of the vector that starts at the row. As {@link Winograd2x2#denseRows}: tw must divide 2L
     * (no row straddles a panel of 2L tiles), and the map must hold at least one panel of tiles (16² has 16 tiles
     * in a 32-tile panel: half padding again, so it stays with F(2×2)).
     */
    static boolean denseRows(int oh, int ow) {
        int tw = Math.ceilDiv(ow, 4), th = Math.ceilDiv(oh, 4);
        return dense && Winograd2x2.denseRows(tw) && (long) th * tw >= 2L * L;
    }

    static boolean dense = !"false".equals(System.getProperty("gradwerk.conv.winogradDense"));

    /** Whether an output row of ow pixels has at least {@link #minRowTiles} tiles of 4. */
    static boolean rowsFillVectors(int ow) {
        return Math.ceilDiv(ow, 4) >= minRowTiles;
    }

    /**
     * out[n, o, y, x] (= or, with add, +=) bias[o] + Σ_{i, r, s} g(o, i, r, s) · P[n, i, y + r, x + s], where P is the
     * source padded by padT rows above and padL columns left (zeros wherever the source ends), and the 3×3 weights
     * are g(o, i, r, s) = w[wOff + o·wo + i·wi + r·wr + s·ws] (any strides: the input gradient passes transposed,
     * flipped weights). out is contiguous [N, M, OH, OW].
     */
    static void forward(DirectConv.Images s, int padT, int padL, float[] w, int wOff, int wo, int wi, int wr, int ws,
                        int m, float[] bias, float[] out, int outOff, int oh, int ow, boolean add) {
        int c = s.c(), th = Math.ceilDiv(oh, 4), tw = Math.ceilDiv(ow, 4), mb = Math.ceilDiv(m, MR), m4 = mb * MR;
        // tiles per row in a block: whole vectors (the last lanes unused), or tw where rows are packed densely
        int twp = denseRows(oh, ow) ? tw : roundUp(tw, L);
        // A block is g whole tile rows of one image; as many as keep the products (36 × m4 × tiles) within budget,
        // then evened out: the products run over whole panels, so a short last block would cost a full one
        int target = Math.max(2 * L, Math.min(maxBlockTiles, (int) (productFloats / (36L * m4))));
        int most = Math.max(1, Math.min(th, target / twp)), g = Math.ceilDiv(th, Math.ceilDiv(th, most));
        int ntp = roundUp(g * twp, 2 * L);
        int cb = (int) Math.max(1, Math.min(c, inputFloats / (36L * ntp))); // input channels per K block
        int groups = Math.ceilDiv(th, g), tasks = s.n() * groups;
        int ps = tw + 2 + L, rows = 4 * g + 2;    // phase-plane row stride; padded input rows of a block
        Winograd.Workspace caller = Winograd.Workspace.get();     // U lives until the tasks below are done
        float[] u = caller.u = WinogradKernels.transformWeights(w, wOff, wo, wi, wr, ws, m, c, 6, caller.u);
        var next = new AtomicInteger();
        Parallel.forRange(Math.min(tasks, Parallel.threads()), 1, (w0, w1) -> {
            Workspace own = Workspace.get();
            // the products get L floats of slack: a dense row's vector may read past the last one
            float[] v = own.v = atLeast(own.v, 36 * (cb * ntp + SKEW)), prod = own.m = atLeast(own.m, 36 * m4 * ntp + L);
            float[] planes = own.planes = atLeast(own.planes, 4 * rows * ps);
            float[] line = own.line = atLeast(own.line, 4 * roundUp(tw + 2, L));
            float[] rt = own.rows = atLeast(own.rows, Math.max(Math.max(24 * ps + L, 40 * (tw + L) + L), 44 * L));
            for (int t; (t = next.getAndIncrement()) < tasks; ) {
                int n = t / groups, ty0 = t % groups * g, gr = Math.min(g, th - ty0);
                for (int c0 = 0; c0 < c; c0 += cb) {
                    // V[ξ] lie one cache line more than their size apart: at a multiple of 4 KB, the 36 positions of
                    // a tile would share one L1 set (the input transform writes all 36 together)
                    int cn = Math.min(cb, c - c0), vXi = cn * ntp + SKEW;
                    if (gr * twp < ntp) Arrays.fill(v, 0, 36 * vXi, 0f); // lanes past the block's tiles
                    for (int ch = 0; ch < cn; ch++)
                        transformInput(s, n, c0 + ch, padT, padL, ty0, gr, tw, twp, ps, planes, line, rt, v, ch, cn,
                                vXi, 0);
                    // M(ξ, o, tile) (+)= Σ_ch U[ξ][o][ch] · V[ξ][ch][tile]: the GEMM micro-kernel over panels of 2L
                    // tiles, which the input transform wrote in the packed layout it reads
                    WinogradProducts.products(36, u, mb, c, c0, v, cn, vXi, ntp, prod);
                }
                for (int o = 0; o < m; o++)
                    transformOutput(prod, WinogradProducts.productAt(36, ntp, 0, o, 0), gr, tw, twp, rt, out,
                            outOff + (n * m + o) * oh * ow + 4 * ty0 * ow, oh - 4 * ty0, ow,
                            bias == null ? 0f : bias[o], add);
            }
        });
    }

    // ================================================================ buffers

    /**
     * Scratch buffers kept per thread between calls, so that a training step does not allocate them again for every
     * convolution (also used by {@link WinogradWeight}): transformed blocks v, m and t (the forward's V and M; the
     * weight gradient's V, its transposed panels and the interleaved W), a channel's phase planes, one padded input
     * row, the rows of one tile row. Each task uses them only while it runs.
     */
    static final class Workspace {
        private static final ThreadLocal<Workspace> OF_THREAD = ThreadLocal.withInitial(Workspace::new);
        float[] v = new float[0], m = new float[0], t = new float[0], w = new float[0];
        float[] planes = new float[0], line = new float[0], rows = new float[0];
        /** The transformed weights of the forward this thread calls (the other arrays are its tasks' scratch). */
        float[] u = new float[0];

        static Workspace get() {
            return OF_THREAD.get();
        }
    }

    /** a if it holds at least size floats, else a new array of that size. */
    static float[] atLeast(float[] a, int size) {
        return a.length >= size ? a : new float[size];
    }
}

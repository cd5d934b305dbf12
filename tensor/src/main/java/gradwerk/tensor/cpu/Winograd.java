package gradwerk.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * Winograd convolution F(4×4, 3×3) for float32, stride 1 (A. Lavin, S. Gray, "Fast Algorithms for Convolutional
 * Neural Networks", CVPR 2016): a 3×3 convolution computed with 36 multiplications per 4×4 block of output instead
 * of 144. Used by {@link DirectConv} for 3×3 forward convolutions and input gradients when switched on
 * ({@code -Dgradwerk.conv.winograd=true}; see {@link #enabled} for why it is off by default).
 *
 * <h2>The algorithm</h2>
 * Cut the output into 4×4 tiles; tile t of input channel c reads a 6×6 patch d of the padded input. Then
 * <pre>
 *   out_tile[m] = Aᵀ · ( Σ_c  U[m,c] ⊙ V[c,t] ) · A,   V[c,t] = Bᵀ d B  (6×6),   U[m,c] = G g[m,c] Gᵀ  (6×6)
 * </pre>
 * with the constant matrices Bᵀ (6×6), G (6×3) and Aᵀ (4×6) of the paper (interpolation points 0, ±1, ±2, ∞). The
 * sum over c is, for each of the 36 positions ξ of the 6×6 tile, a matrix product
 * {@code M[ξ] (m × tiles) = U[ξ] (m × c) · V[ξ] (c × tiles)}, done by {@link Gemm#sgemm}. So the convolution becomes
 * three steps: transform the input (per channel), 36 GEMMs with ¼ of the direct method's multiplications, transform
 * the output (per output channel).
 *
 * <h2>Making the transforms vector code</h2>
 * Tiles overlap (stride 4, width 6), so the columns of a tile row are not contiguous per tile. The input of a
 * channel is first split into four column-phase planes (padded column q goes to plane q mod 4 at index q / 4):
 * then column 4t + j of tile t is plane j mod 4 at index t + j / 4, so "the same column of every tile in the row"
 * is a contiguous run of one plane and the 6-point transforms vectorise over tiles. Rows need no such trick.
 * Each transform is written out with named vector locals ({@link #bt}, {@link #at}), which C2 keeps in registers.
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
     * Whether 3×3 convolutions may take this path: only with {@code -Dgradwerk.conv.winograd=true}, because on the
     * 2-core Zen 3 it measured slower than {@link DirectConv}'s kernels at most U-Net shapes (its transforms move
     * more memory than the multiplications it saves cost; BENCHMARKS.md has the table). Not final so that tests can
     * compare both paths.
     */
    static boolean enabled = !Simd.SCALAR && "true".equals(System.getProperty("gradwerk.conv.winograd"));
    /**
     * Fewest input channels (the GEMMs' depth: for the input gradient, the layer's output channels) for which
     * Winograd is used (property {@code gradwerk.conv.winogradMinChannels}): with fewer, the transforms cost more
     * than the multiplications they save.
     */
    static int minChannels = Integer.getInteger("gradwerk.conv.winogradMinChannels", 128);
    /** Output maps between these many pixels take Winograd (properties {@code gradwerk.conv.winogradMinArea/MaxArea}):
     *  on smaller maps there are too few tiles for efficient GEMMs, on larger ones the transforms are memory-bound. */
    static int minArea = Integer.getInteger("gradwerk.conv.winogradMinArea", 32 * 32);
    static int maxArea = Integer.getInteger("gradwerk.conv.winogradMaxArea", 128 * 128);

    /** Most floats in each of the two per-call buffers (transformed input, products) before the images of a batch
     *  are split into chunks (16 MB each; not final so that tests can force one image per chunk). */
    static long bufferFloats = 4L << 20;

    private static final FloatVector TWO = FloatVector.broadcast(F, 2f), FOUR = FloatVector.broadcast(F, 4f),
            FIVE = FloatVector.broadcast(F, 5f), EIGHT = FloatVector.broadcast(F, 8f);

    private Winograd() {}

    /** 3×3 kernel, enough input channels and at least 4 output channels, an output map of a size where it pays. */
    static boolean applies(int c, int m, int kh, int kw, int oh, int ow) {
        long area = (long) oh * ow;
        return enabled && kh == 3 && kw == 3 && c >= minChannels && m >= 4 && oh >= 4 && ow >= 4
                && area >= minArea && area <= maxArea;
    }

    /**
     * out[n, o, y, x] (= or, with add, +=) bias[o] + Σ_{i, r, s} g(o, i, r, s) · P[n, i, y + r, x + s], where P is the
     * source padded by padT rows above and padL columns left (zeros wherever the source ends), and the 3×3 weights
     * are g(o, i, r, s) = w[wOff + o·wo + i·wi + r·wr + s·ws] (any strides: the input gradient passes transposed,
     * flipped weights). out is contiguous [N, M, OH, OW].
     */
    static void forward(DirectConv.Images s, int padT, int padL, float[] w, int wOff, int wo, int wi, int wr, int ws,
                        int m, float[] bias, float[] out, int outOff, int oh, int ow, boolean add) {
        int c = s.c(), th = Math.ceilDiv(oh, 4), tw = Math.ceilDiv(ow, 4), tiles = th * tw;
        // The GEMMs' n is the tiles of several images side by side (more tiles, better GEMMs), as many images as
        // keep the transformed input and the products within bufferFloats each.
        int chunk = (int) Math.max(1, Math.min(s.n(), bufferFloats / (36L * Math.max(c, m) * tiles)));
        int ps = tw + 2 + L;                      // phase-plane row stride: tile index t and t + 1, and slack
        int rows = 4 * th + 2;                    // padded input rows that the tiles read
        Workspace call = Workspace.get();
        float[] u = transformWeights(w, wOff, wo, wi, wr, ws, m, c, call.u = atLeast(call.u, 36 * m * c));
        int threads = Parallel.threads();
        for (int n0 = 0; n0 < s.n(); n0 += chunk) {
            int first = n0, images = Math.min(chunk, s.n() - n0), cols = images * tiles;
            int ld = cols + L;                    // row stride of V and M: vector writes may run L past a row
            float[] v = call.v = atLeast(call.v, 36 * c * ld), prod = call.m = atLeast(call.m, 36 * m * ld);
            // One item per channel, its images in order: a tile row's vector writes may run up to L-1 tiles past
            // its end, into the next tile row or the next image of the same channel (written after it) or the slack.
            Parallel.forRange(c, 1, (c0, c1) -> {
                Workspace own = Workspace.get();
                float[] planes = own.planes = atLeast(own.planes, 4 * rows * ps);
                float[] line = own.line = atLeast(own.line, 4 * roundUp(tw + 2, L));
                float[] rt = own.rows = atLeast(own.rows, 24 * ps + L);
                for (int ch = c0; ch < c1; ch++)
                    for (int n = 0; n < images; n++)
                        transformInput(s, first + n, ch, padT, padL, rows, th, tw, ps, planes, line, rt, v,
                                ch * ld + n * tiles, c * ld);
            });
            Gemm.forEachClaimed(36, threads, xi ->
                    Gemm.sgemm(m, cols, c, u, xi * m * c, c, 1, v, xi * c * ld, ld, 1, prod, xi * m * ld, ld, false,
                            false));
            Parallel.forRange(images * m, 1, (k0, k1) -> {
                Workspace own = Workspace.get();
                float[] st = own.rows = atLeast(own.rows, 40 * (tw + L) + L);
                for (int k = k0; k < k1; k++) {
                    int n = k / m, o = k % m;
                    transformOutput(prod, o * ld + n * tiles, m * ld, th, tw, tw + L, st, out,
                            outOff + ((first + n) * m + o) * oh * ow, oh, ow, bias == null ? 0f : bias[o], add);
                }
            });
        }
    }

    // ================================================================ weights: U[ξ][o][i] = (G g Gᵀ)[ξ]

    /**
     * U[ξ][o][i] = (G g Gᵀ)[ξ] for every 3×3 kernel g(o, i): G·x for a 3-vector x is
     * (x0/4, -(x0+x1+x2)/6, -(x0-x1+x2)/6, x0/24 + x1/12 + x2/6, x0/24 - x1/12 + x2/6, x2), applied to the columns
     * of g and then to the rows of the result.
     */
    static float[] transformWeights(float[] w, int off, int wo, int wi, int wr, int ws, int m, int c, float[] u) {
        float[] gg = new float[18], g = new float[9], row = new float[6];
        int xi = m * c;
        for (int o = 0; o < m; o++)
            for (int i = 0; i < c; i++) {
                int base = off + o * wo + i * wi;
                for (int r = 0; r < 3; r++)
                    for (int col = 0; col < 3; col++) g[r * 3 + col] = w[base + r * wr + col * ws];
                for (int col = 0; col < 3; col++) {            // G g: column col of g -> column col of gg (6 x 3)
                    gTimes(g[col], g[3 + col], g[6 + col], row);
                    for (int r = 0; r < 6; r++) gg[r * 3 + col] = row[r];
                }
                int at = o * c + i;
                for (int r = 0; r < 6; r++) {                  // (G g) Gᵀ: row r of gg -> row r of U (6 x 6)
                    gTimes(gg[r * 3], gg[r * 3 + 1], gg[r * 3 + 2], row);
                    for (int q = 0; q < 6; q++) u[(r * 6 + q) * xi + at] = row[q];
                }
            }
        return u;
    }

    private static void gTimes(float x0, float x1, float x2, float[] y) {
        float even = x0 + x2, a = x0 / 24 + x2 / 6, b = x1 / 12;
        y[0] = x0 / 4;
        y[1] = -(even + x1) / 6;
        y[2] = -(even - x1) / 6;
        y[3] = a + b;
        y[4] = a - b;
        y[5] = x2;
    }

    // ================================================================ input: V[ξ][ch][t] = (Bᵀ d B)[ξ]

    /**
     * Channel ch of image n into v[vAt + (i·6 + j)·xiStride + ty·tw + tx]. First the padded rows [0, rows) are split into the
     * four column-phase planes (planes[p][y][q / 4] = padded column q with q mod 4 = p), then per tile row the
     * 6-point transform runs down the rows (6 rows → 6, per plane) and then across the columns (6 phase runs → 6).
     */
    private static void transformInput(DirectConv.Images s, int n, int ch, int padT, int padL, int rows, int th,
                                       int tw, int ps, float[] planes, float[] line, float[] rt, float[] v, int vAt,
                                       int xiStride) {
        int plane = rows * ps, pw = tw + 2, used = roundUp(pw, L), width = 4 * used;
        int src0 = s.off() + n * s.sn() + ch * s.sc();
        int qLo = Math.max(0, padL), qHi = Math.min(width, padL + s.w());   // padded columns that have a source
        for (int y = 0; y < rows; y++) {
            int sy = y - padT, row = y * ps;
            if (sy < 0 || sy >= s.h() || qLo >= qHi) {
                for (int p = 0; p < 4; p++) Arrays.fill(planes, p * plane + row, p * plane + row + used, 0f);
                continue;
            }
            // the padded row into line[0, width), then 4L columns at a time into the four phase planes
            int src = src0 + sy * s.sh() + (qLo - padL) * s.sw();
            Arrays.fill(line, 0, qLo, 0f);
            if (s.sw() == 1) System.arraycopy(s.a(), src, line, qLo, qHi - qLo);
            else for (int q = qLo; q < qHi; q++) line[q] = s.a()[src + (q - qLo) * s.sw()];
            Arrays.fill(line, qHi, width, 0f);
            for (int q = 0; q < width; q += 4 * L)
                unzip4(line, q, planes, row + q / 4, plane);
        }
        for (int ty = 0; ty < th; ty++) {
            int top = 4 * ty * ps;
            for (int p = 0; p < 4; p++)                          // down the rows: rt[p][i][t]
                for (int t = 0; t < pw; t += L)
                    bt(planes, p * plane + top + t, ps, rt, (p * 6) * ps + t, ps);
            int at = vAt + ty * tw;
            for (int i = 0; i < 6; i++) {                        // across the columns: v[i*6 + j][ch][tile]
                int r = i * ps;
                for (int t = 0; t < tw; t += L)
                    btColumns(rt, r, ps, t, v, (i * 6) * xiStride + at + t, xiStride);
            }
        }
    }

    /**
     * Bᵀ applied to the six vectors x[at + k·stride] (k = 0..5), written to y[to + k·step]:
     * <pre>
     *  y0 = 4x0 - 5x2 + x4          y3 = (x4 - x2) + 2(x3 - x1)
     *  y1 = (x4 - 4x2) + (x3 - 4x1)  y4 = (x4 - x2) - 2(x3 - x1)
     *  y2 = (x4 - 4x2) - (x3 - 4x1)  y5 = 4x1 - 5x3 + x5
     * </pre>
     */
    private static void bt(float[] x, int at, int stride, float[] y, int to, int step) {
        FloatVector x0 = FloatVector.fromArray(F, x, at), x1 = FloatVector.fromArray(F, x, at + stride);
        FloatVector x2 = FloatVector.fromArray(F, x, at + 2 * stride), x3 = FloatVector.fromArray(F, x, at + 3 * stride);
        FloatVector x4 = FloatVector.fromArray(F, x, at + 4 * stride), x5 = FloatVector.fromArray(F, x, at + 5 * stride);
        store6(x0, x1, x2, x3, x4, x5, y, to, step);
    }

    /**
     * The column transform of one row i of a tile row: the six columns of tile t are phase planes 0, 1, 2, 3 at t and
     * 0, 1 at t + 1 of rt (rows p·6 + i).
     */
    private static void btColumns(float[] rt, int r, int ps, int t, float[] y, int to, int step) {
        int row = 6 * ps;
        FloatVector x0 = FloatVector.fromArray(F, rt, r + t), x1 = FloatVector.fromArray(F, rt, row + r + t);
        FloatVector x2 = FloatVector.fromArray(F, rt, 2 * row + r + t), x3 = FloatVector.fromArray(F, rt, 3 * row + r + t);
        FloatVector x4 = FloatVector.fromArray(F, rt, r + t + 1), x5 = FloatVector.fromArray(F, rt, row + r + t + 1);
        store6(x0, x1, x2, x3, x4, x5, y, to, step);
    }

    private static void store6(FloatVector x0, FloatVector x1, FloatVector x2, FloatVector x3, FloatVector x4,
                               FloatVector x5, float[] y, int to, int step) {
        x0.mul(FOUR).sub(x2.mul(FIVE)).add(x4).intoArray(y, to);
        FloatVector a = x4.sub(x2.mul(FOUR)), b = x3.sub(x1.mul(FOUR));
        a.add(b).intoArray(y, to + step);
        a.sub(b).intoArray(y, to + 2 * step);
        FloatVector d = x4.sub(x2), e = x3.sub(x1).mul(TWO);
        d.add(e).intoArray(y, to + 3 * step);
        d.sub(e).intoArray(y, to + 4 * step);
        x1.mul(FOUR).sub(x3.mul(FIVE)).add(x5).intoArray(y, to + 5 * step);
    }

    // ================================================================ output: Aᵀ M A

    /**
     * One output channel of one image (its tiles start at prod[mAt]): for each tile row, Aᵀ down the 6 rows of M (→ 4 rows, into st[r][j]), then across the 6
     * columns (→ 4 columns, into st[24 + r·4 + q]), then the 16 values of each tile to the output, skipping what
     * lies past oh × ow.
     */
    private static void transformOutput(float[] prod, int mAt, int xi, int th, int tw, int ss, float[] st,
                                        float[] out, int outAt, int oh, int ow, float bias, boolean add) {
        FloatVector biasV = FloatVector.broadcast(F, bias);
        for (int ty = 0; ty < th; ty++) {                       // xi: the distance between M[ξ] and M[ξ+1]
            int at = mAt + ty * tw;
            for (int t = 0; t < tw; t += L) {
                for (int j = 0; j < 6; j++)                      // rows: st[r*6 + j] = (Aᵀ M)[r][j]
                    at4(prod, at + j * xi + t, 6 * xi, st, j * ss + t, 6 * ss);
                for (int r = 0; r < 4; r++)                      // columns: st[24 + r*4 + q] = (Aᵀ M A)[r][q]
                    at4(st, r * 6 * ss + t, ss, st, (24 + r * 4) * ss + t, ss);
            }
            for (int r = 0; r < 4; r++) {
                int y = 4 * ty + r;
                if (y >= oh) break;
                int row = outAt + y * ow, from = (24 + r * 4) * ss, t = 0;
                for (; 4 * (t + L) <= ow; t += L)                // 4L whole output columns: interleave the phases
                    zip4(FloatVector.fromArray(F, st, from + t), FloatVector.fromArray(F, st, from + ss + t),
                            FloatVector.fromArray(F, st, from + 2 * ss + t), FloatVector.fromArray(F, st, from + 3 * ss + t),
                            out, row + 4 * t, biasV, add);
                for (int q = 0; q < 4; q++)                      // the rest, one value at a time
                    for (int tt = t, x = 4 * t + q; tt < tw && x < ow; tt++, x += 4)
                        out[row + x] = (add ? out[row + x] : 0f) + bias + st[from + q * ss + tt];
            }
        }
    }

    /**
     * Aᵀ applied to x[at + k·stride] (k = 0..5), written to y[to + r·step] (r = 0..3):
     * y0 = x0 + (x1 + x2) + (x3 + x4), y1 = (x1 - x2) + 2(x3 - x4), y2 = (x1 + x2) + 4(x3 + x4),
     * y3 = (x1 - x2) + 8(x3 - x4) + x5.
     */
    private static void at4(float[] x, int at, int stride, float[] y, int to, int step) {
        FloatVector x0 = FloatVector.fromArray(F, x, at), x1 = FloatVector.fromArray(F, x, at + stride);
        FloatVector x2 = FloatVector.fromArray(F, x, at + 2 * stride), x3 = FloatVector.fromArray(F, x, at + 3 * stride);
        FloatVector x4 = FloatVector.fromArray(F, x, at + 4 * stride), x5 = FloatVector.fromArray(F, x, at + 5 * stride);
        FloatVector a = x1.add(x2), b = x1.sub(x2), c = x3.add(x4), d = x3.sub(x4);
        x0.add(a).add(c).intoArray(y, to);
        b.add(d.mul(TWO)).intoArray(y, to + step);
        a.add(c.mul(FOUR)).intoArray(y, to + 2 * step);
        b.add(d.mul(EIGHT)).add(x5).intoArray(y, to + 3 * step);
    }

    // ================================================================ buffers

    /**
     * Buffers kept per thread between calls, so that a training step does not allocate them again for every
     * convolution. u, v and m (the transformed weights and input, the 36 products) belong to the calling thread and
     * are shared with its workers for one call; planes, line and rows are each worker's own (a channel's phase
     * planes, one padded input row, the rows of one tile row).
     */
    private static final class Workspace {
        private static final ThreadLocal<Workspace> OF_THREAD = ThreadLocal.withInitial(Workspace::new);
        float[] u = new float[0], v = new float[0], m = new float[0];
        float[] planes = new float[0], line = new float[0], rows = new float[0];

        static Workspace get() {
            return OF_THREAD.get();
        }
    }

    /** a if it holds at least size floats, else a new array of that size. */
    private static float[] atLeast(float[] a, int size) {
        return a.length >= size ? a : new float[size];
    }

    // ================================================================ de-interleaving and interleaving

    /** Lane shuffles for {@link #unzip4} and {@link #zip4}: take lanes of two vectors (index ≥ L: the second). */
    private static final int V = F.length();  // = L, except with gradwerk.simd.bits=0, where none of this runs
    private static final VectorShuffle<Float> EVENS = shuffle(j -> j < V / 2 ? 2 * j : 2 * (j - V / 2) + V),
            ODDS = shuffle(j -> j < V / 2 ? 2 * j + 1 : 2 * (j - V / 2) + 1 + V),
            ZIP_LO = shuffle(j -> j % 2 == 0 ? j / 2 : j / 2 + V),
            ZIP_HI = shuffle(j -> j % 2 == 0 ? V / 2 + j / 2 : V / 2 + j / 2 + V);

    private static VectorShuffle<Float> shuffle(java.util.function.IntUnaryOperator lane) {
        int[] idx = new int[V];
        for (int j = 0; j < V; j++) idx[j] = lane.applyAsInt(j);
        return VectorShuffle.fromArray(F, idx, 0);
    }

    /**
     * x[at .. at+4L) → phase planes: y[p·plane + to + i] = x[at + 4i + p], i < L. Two rounds of even/odd splits:
     * (evens of the evens) = phase 0, (evens of the odds) = phase 1, (odds of the evens) = phase 2, ....
     */
    private static void unzip4(float[] x, int at, float[] y, int to, int plane) {
        FloatVector a = FloatVector.fromArray(F, x, at), b = FloatVector.fromArray(F, x, at + L);
        FloatVector c = FloatVector.fromArray(F, x, at + 2 * L), d = FloatVector.fromArray(F, x, at + 3 * L);
        FloatVector e1 = a.rearrange(EVENS, b), o1 = a.rearrange(ODDS, b);
        FloatVector e2 = c.rearrange(EVENS, d), o2 = c.rearrange(ODDS, d);
        e1.rearrange(EVENS, e2).intoArray(y, to);
        o1.rearrange(EVENS, o2).intoArray(y, to + plane);
        e1.rearrange(ODDS, e2).intoArray(y, to + 2 * plane);
        o1.rearrange(ODDS, o2).intoArray(y, to + 3 * plane);
    }

    /**
     * The inverse: phases y0..y3 (lane i = tile i) → out[at + 4i + q] = y_q[i] for 4L consecutive columns, plus
     * bias, added to what is there with add.
     */
    private static void zip4(FloatVector y0, FloatVector y1, FloatVector y2, FloatVector y3, float[] out, int at,
                             FloatVector bias, boolean add) {
        FloatVector a = y0.rearrange(ZIP_LO, y2), b = y1.rearrange(ZIP_LO, y3);
        FloatVector c = y0.rearrange(ZIP_HI, y2), d = y1.rearrange(ZIP_HI, y3);
        put(a.rearrange(ZIP_LO, b), out, at, bias, add);
        put(a.rearrange(ZIP_HI, b), out, at + L, bias, add);
        put(c.rearrange(ZIP_LO, d), out, at + 2 * L, bias, add);
        put(c.rearrange(ZIP_HI, d), out, at + 3 * L, bias, add);
    }

    private static void put(FloatVector v, float[] out, int at, FloatVector bias, boolean add) {
        v = v.add(bias);
        if (add) v = v.add(FloatVector.fromArray(F, out, at));
        v.intoArray(out, at);
    }

    private static int roundUp(int x, int unit) {
        return Math.ceilDiv(x, unit) * unit;
    }
}

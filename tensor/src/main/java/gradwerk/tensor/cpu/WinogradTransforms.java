package gradwerk.tensor.cpu;

import gradwerk.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The transforms of Winograd F(4×4, 3×3) ({@link Winograd}, {@link WinogradWeight}), vectorised over tiles: the
 * input transform Bᵀ d B (with the column-phase planes that make a tile row's columns contiguous), the output
 * transform Aᵀ M A, and the lane shuffles that split a padded row into phases and interleave the output phases
 * back. Also what F(4×4) and F(2×2) ({@link Winograd2x2}) share: the weight transform G g Gᵀ, its adjoint for the
 * weight gradient, and the interleaving of output rows (for either tile size). The products between the transforms
 * are {@link WinogradProducts}. Only arrays and offsets cross these methods' boundaries, never vectors: in a large compilation unit C2 may
 * decline to inline a callee, and a vector argument would then be boxed (an allocation per call).
 */
final class WinogradTransforms {
    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.SCALAR ? 1 : F.length();
    private static final FloatVector TWO = FloatVector.broadcast(F, 2f), FOUR = FloatVector.broadcast(F, 4f),
            FIVE = FloatVector.broadcast(F, 5f), EIGHT = FloatVector.broadcast(F, 8f);

    private WinogradTransforms() {}

    // ================================================================ weights: U[ξ][o][i] = (G g Gᵀ)[ξ]

    /**
     * U[ξ][o][i] = (G g Gᵀ)[ξ] (n × n, n = 6 for F(4×4, 3×3), 4 for F(2×2, 3×3)) for every 3×3 kernel
     * g(o, i)[r][s] = w[off + o·wo + i·wi + r·wr + s·ws], packed for {@link ConvTiles#tileP} as
     * u[((ξ·mb + o/4)·c + i)·4 + o%4] (for o past m, zeros in a new array, and whatever was there in a reused
     * one: the products of those rows are computed but never read). Vector code: a vector holds the kernels of 4
     * output channels × L/4 input channels, which is exactly L consecutive floats of u; its 9 taps are gathered from w
     * (any strides: the input gradient passes transposed, flipped weights). Kernels left over (o past the last whole
     * block of 4, input channels past the last whole vector) are done one at a time with the same arithmetic.
     *
     * <p>U is written into {@code reuse} when that is large enough (the calling thread's
     * {@link Winograd.Workspace#u}), else into a new array; either is returned. A fresh array costs as much as
     * the transform itself: 0.20 of 0.37 ms for 256 × 128 kernels (2 MB) on the AVX-512 Xeon, in every forward.
     */
    static float[] transformWeights(float[] w, int off, int wo, int wi, int wr, int ws, int m, int c, int n,
                                    float[] reuse) {
        int mb = Math.ceilDiv(m, 4), cpv = L / 4, xiStep = mb * c * 4, size = n * n * xiStep;
        float[] u = Winograd.atLeast(reuse, size);
        int[] lanes = new int[L];
        for (int l = 0; l < L; l++) lanes[l] = l % 4 * wo + l / 4 * wi;
        Parallel.forRange(mb, Math.max(1, 1024 / c), (b0, b1) -> {
            float[] sv = new float[(9 + 3 * n) * L], g = new float[9], gg = new float[3 * n], row = new float[n];
            int ggAt = 9 * L;                                   // sv: the 9 taps, then G g (n rows x 3 columns)
            for (int ob = b0; ob < b1; ob++) {
                int o0 = 4 * ob, i = 0;
                if (o0 + 4 <= m && cpv > 0)
                    for (; i + cpv <= c; i += cpv) {
                        int base = off + o0 * wo + i * wi;
                        for (int r = 0; r < 3; r++)
                            for (int col = 0; col < 3; col++)
                                FloatVector.fromArray(F, w, base + r * wr + col * ws, lanes, 0)
                                        .intoArray(sv, (r * 3 + col) * L);
                        for (int col = 0; col < 3; col++)           // G g: column col → column col of gg
                            gVectors(n, sv, col * L, (3 + col) * L, (6 + col) * L, sv, ggAt + col * L, 3 * L);
                        for (int k = 0; k < n; k++)                  // (G g) Gᵀ: row k of gg → U[k·n + q]
                            gVectors(n, sv, ggAt + 3 * k * L, ggAt + (3 * k + 1) * L, ggAt + (3 * k + 2) * L, u,
                                    ((k * n * mb + ob) * c + i) * 4, xiStep);
                    }
                for (; i < c; i++)
                    for (int o = o0; o < Math.min(o0 + 4, m); o++) {
                        int base = off + o * wo + i * wi;
                        for (int r = 0; r < 3; r++)
                            for (int col = 0; col < 3; col++) g[r * 3 + col] = w[base + r * wr + col * ws];
                        for (int col = 0; col < 3; col++) {
                            gScalars(n, g[col], g[3 + col], g[6 + col], row);
                            for (int k = 0; k < n; k++) gg[k * 3 + col] = row[k];
                        }
                        for (int k = 0; k < n; k++) {
                            gScalars(n, gg[k * 3], gg[k * 3 + 1], gg[k * 3 + 2], row);
                            for (int q = 0; q < n; q++) u[(((k * n + q) * mb + ob) * c + i) * 4 + o % 4] = row[q];
                        }
                    }
            }
        });
        return u;
    }

    /**
     * G x for the vectors x[a0], x[a1], x[a2], written to y[to + k·step], k &lt; n. F(4×4, 3×3), n = 6:
     * (x0/4, -(x0+x1+x2)/6, -(x0-x1+x2)/6, x0/24 + x1/12 + x2/6, x0/24 - x1/12 + x2/6, x2);
     * F(2×2, 3×3), n = 4: (x0, (x0+x1+x2)/2, (x0-x1+x2)/2, x2).
     */
    private static void gVectors(int n, float[] x, int a0, int a1, int a2, float[] y, int to, int step) {
        FloatVector x0 = FloatVector.fromArray(F, x, a0), x1 = FloatVector.fromArray(F, x, a1);
        FloatVector x2 = FloatVector.fromArray(F, x, a2), even = x0.add(x2);
        if (n == 4) {
            x0.intoArray(y, to);
            even.add(x1).mul(0.5f).intoArray(y, to + step);
            even.sub(x1).mul(0.5f).intoArray(y, to + 2 * step);
            x2.intoArray(y, to + 3 * step);
            return;
        }
        FloatVector a = x0.div(24f).add(x2.div(6f)), b = x1.div(12f);
        x0.div(4f).intoArray(y, to);
        even.add(x1).div(-6f).intoArray(y, to + step);
        even.sub(x1).div(-6f).intoArray(y, to + 2 * step);
        a.add(b).intoArray(y, to + 3 * step);
        a.sub(b).intoArray(y, to + 4 * step);
        x2.intoArray(y, to + 5 * step);
    }

    /** {@link #gVectors} for single values, y[0..n). */
    private static void gScalars(int n, float x0, float x1, float x2, float[] y) {
        float even = x0 + x2;
        if (n == 4) {
            y[0] = x0;
            y[1] = (even + x1) * 0.5f;
            y[2] = (even - x1) * 0.5f;
            y[3] = x2;
            return;
        }
        float a = x0 / 24f + x2 / 6f, b = x1 / 12f;
        y[0] = x0 / 4f;
        y[1] = (even + x1) / -6f;
        y[2] = (even - x1) / -6f;
        y[3] = a + b;
        y[4] = a - b;
        y[5] = x2;
    }

    // ================================================================ input: V[ξ][ch][t] = (Bᵀ d B)[ξ]

    /**
     * Channel ch of image n, tile rows [ty0, ty0 + gr), into the block's V: tile k = g·twp + tx of the block (g =
     * tile row in the block) and position ξ go to {@code v[ξ·xiStride + (k / 2L)·cn·2L + chL·2L + k % 2L]}, the
     * packed layout of {@link ConvTiles#tileP}, or with rowLen > 0 to {@code v[ξ·xiStride + chL·rowLen + k]}
     * (rows of tiles, {@link WinogradWeight}). First the padded rows of the block are split into the
     * four column-phase planes (planes[p][y][q / 4] = padded column q with q mod 4 = p), then per tile row the 6-point
     * transform runs down the rows (6 rows → 6, per plane) and then across the columns (6 phase runs → 6), L tiles
     * at a time (twp is a multiple of L, so a vector never straddles two panels).
     */
    static void transformInput(DirectConv.Images s, int n, int ch, int padT, int padL, int ty0, int gr,
                               int tw, int twp, int ps, float[] planes, float[] line, float[] rt, float[] v,
                               int chL, int cn, int xiStride, int rowLen) {
        int rows = 4 * gr + 2, plane = rows * ps, pw = tw + 2, used = roundUp(pw, L), width = 4 * used;
        int src0 = s.off() + n * s.sn() + ch * s.sc();
        int qLo = Math.max(0, padL), qHi = Math.min(width, padL + s.w());   // padded columns that have a source
        for (int y = 0; y < rows; y++) {
            int sy = 4 * ty0 + y - padT, row = y * ps;
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
        for (int g = 0; g < gr; g++) {
            int top = 4 * g * ps;
            // down the rows: rt[p][i][t]. Only planes 0 and 1 are read at t + 1 (the tile's columns 4 and 5), so
            // planes 2 and 3 stop at tw: with 32 tiles per row, 2 vectors instead of 3, of which the third held 2
            for (int p = 0; p < 4; p++)
                for (int t = 0, end = p < 2 ? pw : tw; t < end; t += L)
                    bt(planes, p * plane + top + t, ps, rt, (p * 6) * ps + t, ps);
            for (int i = 0; i < 6; i++) {                        // across the columns: v[i*6 + j][panel][chL][lane]
                int r = i * ps;
                for (int t = 0; t < tw; t += L) {
                    int k = g * twp + t;
                    int at = rowLen > 0 ? chL * rowLen + k : k / (2 * L) * cn * 2 * L + chL * 2 * L + k % (2 * L);
                    btColumns(rt, r, ps, t, v, (i * 6) * xiStride + at, xiStride);
                }
            }
        }
    }

    /** Bᵀ applied to the six vectors x[at + k·stride] (k = 0..5), written to y[to + k·step]; see {@link #bt6}. */
    private static void bt(float[] x, int at, int stride, float[] y, int to, int step) {
        bt6(x, at, at + stride, at + 2 * stride, at + 3 * stride, at + 4 * stride, at + 5 * stride, y, to, step);
    }

    /**
     * The column transform of one row i of a tile row: the six columns of tile t are phase planes 0, 1, 2, 3 at t and
     * 0, 1 at t + 1 of rt (rows p·6 + i).
     */
    private static void btColumns(float[] rt, int r, int ps, int t, float[] y, int to, int step) {
        int row = 6 * ps, at = r + t;
        bt6(rt, at, row + at, 2 * row + at, 3 * row + at, at + 1, row + at + 1, y, to, step);
    }

    /**
     * Bᵀ applied to the six vectors x[a0], ..., x[a5], written to y[to + k·step]:
     * <pre>
     *  y0 = 4x0 - 5x2 + x4          y3 = (x4 - x2) + 2(x3 - x1)
     *  y1 = (x4 - 4x2) + (x3 - 4x1)  y4 = (x4 - x2) - 2(x3 - x1)
     *  y2 = (x4 - 4x2) - (x3 - 4x1)  y5 = 4x1 - 5x3 + x5
     * </pre>
     */
    private static void bt6(float[] x, int a0, int a1, int a2, int a3, int a4, int a5, float[] y, int to, int step) {
        FloatVector x0 = FloatVector.fromArray(F, x, a0), x1 = FloatVector.fromArray(F, x, a1);
        FloatVector x2 = FloatVector.fromArray(F, x, a2), x3 = FloatVector.fromArray(F, x, a3);
        FloatVector x4 = FloatVector.fromArray(F, x, a4), x5 = FloatVector.fromArray(F, x, a5);
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
     * One output channel of one block of tile rows: its products start at prod[mAt], laid out by panel of 2L tiles
     * ({@link WinogradProducts#productAt}: M[k][j] of a tile is 2L·(6k + j) after M[0][0]), twp tiles per tile
     * row. For each vector of tiles, Aᵀ down the 6 rows of M (→ 4 rows, st[(6r + j)L]) and across the 6 columns
     * (→ 4 × 4, st[(24 + 4r + q)L]), in that vector's 40 slots of st. Then the tile row's output rows, skipping
     * what lies past oh × ow. The strides are constants, so within each inlined {@link #at4} C2 merges the bounds
     * checks of its six loads into two, and those of its four stores into two.
     */
    static void transformOutput(float[] prod, int mAt, int th, int tw, int twp, float[] st, float[] out, int outAt,
                                int oh, int ow, float bias, boolean add) {
        for (int ty = 0; ty < th; ty++) {
            for (int t = 0; t < tw; t += L) {
                // M[0][0] of this vector of tiles (its offset within channel o's products), and its slots in st
                int at = mAt + WinogradProducts.productAt(36, 0, 0, 0, ty * twp + t), s = t * 40;
                for (int j = 0; j < 6; j++)                     // rows: (Aᵀ M)[r][j]
                    at4(prod, at + 2 * j * L, 12 * L, st, s + j * L, 6 * L);
                for (int r = 0; r < 4; r++)                     // columns: (Aᵀ M A)[r][q]
                    at4(st, s + 6 * r * L, L, st, s + (24 + 4 * r) * L, L);
            }
            for (int r = 0; r < 4; r++) {
                int y = 4 * ty + r;
                if (y >= oh) break;
                outputRow(4, st, (24 + r * 4) * L, L, 40 * L, tw, out, outAt + y * ow, ow, bias, add);
            }
        }
    }

    /**
     * One output row: phase q of tile t is st[from + q·qs + (t / L)·vs + t % L] (q &lt; phases, 4 for F(4×4) and 2 for
     * F(2×2)), interleaved into out[row + phases·t + q] for columns below ow, plus bias, added to what is there with
     * add. Whole vectors of tiles by lane shuffles ({@link #zip4}, {@link #zip2}), the rest one value at a time.
     */
    static void outputRow(int phases, float[] st, int from, int qs, int vs, int tw, float[] out, int row, int ow,
                          float bias, boolean add) {
        int t = 0;
        for (; phases * (t + L) <= ow; t += L)
            if (phases == 4) zip4(st, from + t / L * vs, qs, out, row + 4 * t, bias, add);
            else zip2(st, from + t / L * vs, qs, out, row + 2 * t, bias, add);
        for (int q = 0; q < phases; q++)
            for (int tt = t, x = phases * t + q; tt < tw && x < ow; tt++, x += phases)
                out[row + x] = (add ? out[row + x] : 0f) + bias + st[from + q * qs + tt / L * vs + tt % L];
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

    // ================================================================ weight gradient: Gᵀ dU G

    /**
     * gw[0, o, (ch·3 + i)·3 + j] += (Gᵀ dU[o, ch] G)[i][j] for every output channel o &lt; m and input channel ch &lt; c:
     * the n × n sums over tiles back to 3 × 3 kernels (n = 6: F(4×4), 4: F(2×2)). dU is the sum of the per-thread
     * parts, added in their order as they are read; dU[ξ] lie duXi apart, rows of cq input channels (cq a multiple
     * of 2L, zeros past c). Vector code over L input channels at a time.
     */
    static void kernelGradient(int n, float[][] parts, int duXi, int cq, int m, int c, Tensor gw) {
        float[] g0 = CpuStorage.floats(gw);
        int gOff = gw.offset(), gs1 = gw.stride(1), gs2 = gw.stride(2);
        Parallel.forRange(m, Math.max(1, 1024 / c), (o0, o1) -> {
            float[] t = new float[3 * n * L], r = new float[9 * L], z = new float[n * L];
            for (int o = o0; o < o1; o++)
                for (int ch = 0; ch < c; ch += L) {     // lanes past c are read (zeros), not written
                    int at = o * cq + ch;
                    for (int q = 0; q < n; q++) {       // Gᵀ down each column q: t[i][q]
                        for (int k = 0; k < n; k++) sumParts(parts, (q + k * n) * duXi + at, z, k * L);
                        gtVectors(n, z, 0, L, t, q * L, n * L);
                    }
                    for (int i = 0; i < 3; i++)         // then along each row: r[i][j]
                        gtVectors(n, t, i * n * L, L, r, i * 3 * L, L);
                    if (gs2 == 1 && ch + L <= c) {      // the L kernels' 9·L taps are contiguous in gw
                        int base = gOff + o * gs1 + ch * 9;
                        for (int v = 0; v < 9; v++)
                            FloatVector.fromArray(F, g0, base + v * L)
                                    .add(FloatVector.fromArray(F, r, 0, TAPS_BY_KERNEL, v * L))
                                    .intoArray(g0, base + v * L);
                        continue;
                    }
                    for (int l = 0; l < Math.min(L, c - ch); l++) {
                        int base = gOff + o * gs1 + (ch + l) * 9 * gs2;
                        for (int k = 0; k < 9; k++) g0[base + k * gs2] += r[k * L + l];
                    }
                }
        });
    }

    /** z[to .. to + L) = parts[0][at ..] + parts[1][at ..] + ..., added in that order. */
    private static void sumParts(float[][] parts, int at, float[] z, int to) {
        FloatVector s = FloatVector.fromArray(F, parts[0], at);
        for (int p = 1; p < parts.length; p++) s = s.add(FloatVector.fromArray(F, parts[p], at));
        s.intoArray(z, to);
    }

    /**
     * {@link #kernelGradient}'s r holds tap k of kernel l at r[k·L + l]; gw wants the L kernels one after the other,
     * tap k of kernel l at 9·l + k. Element e of that run is r[(e % 9)·L + e / 9]: gathered a vector at a time, so
     * the 9·L sums are added to gw with 9 vector loads and stores instead of 9·L scalar ones (which had taken most of
     * kernelGradient, itself 8-10 % of the 16² weight gradients on the AVX-512 Xeon).
     */
    private static final int[] TAPS_BY_KERNEL = new int[9 * L];
    static {
        for (int e = 0; e < 9 * L; e++) TAPS_BY_KERNEL[e] = e % 9 * L + e / 9;
    }

    /**
     * Gᵀ z for the vectors z_k = x[at + k·stride], k &lt; n (G as in {@link #gVectors}), written to y[to + j·step],
     * j = 0..2. n = 6: (z0/4 - (z1+z2)/6 + (z3+z4)/24, (z2-z1)/6 + (z3-z4)/12, -(z1+z2)/6 + (z3+z4)/6 + z5);
     * n = 4: (z0 + (z1+z2)/2, (z1-z2)/2, (z1+z2)/2 + z3).
     */
    private static void gtVectors(int n, float[] x, int at, int stride, float[] y, int to, int step) {
        FloatVector z0 = FloatVector.fromArray(F, x, at), z1 = FloatVector.fromArray(F, x, at + stride);
        FloatVector z2 = FloatVector.fromArray(F, x, at + 2 * stride), z3 = FloatVector.fromArray(F, x, at + 3 * stride);
        if (n == 4) {
            FloatVector a = z1.add(z2).mul(0.5f);
            z0.add(a).intoArray(y, to);
            z1.sub(z2).mul(0.5f).intoArray(y, to + step);
            a.add(z3).intoArray(y, to + 2 * step);
            return;
        }
        FloatVector z4 = FloatVector.fromArray(F, x, at + 4 * stride), z5 = FloatVector.fromArray(F, x, at + 5 * stride);
        FloatVector a = z1.add(z2), b = z2.sub(z1), s = z3.add(z4), d = z3.sub(z4);
        z0.div(4f).sub(a.div(6f)).add(s.div(24f)).intoArray(y, to);
        b.div(6f).add(d.div(12f)).intoArray(y, to + step);
        a.div(-6f).add(s.div(6f)).add(z5).intoArray(y, to + 2 * step);
    }

    // ================================================================ de-interleaving and interleaving

    /** Lane shuffles for {@link #unzip4} and {@link #zip4}: take lanes of two vectors (index ≥ L: the second). */
    private static final int V = F.length();  // = L, except with gradwerk.simd.bits=0, where none of this runs
    static final VectorShuffle<Float> EVENS = shuffle(j -> j < V / 2 ? 2 * j : 2 * (j - V / 2) + V),
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
    static void unzip4(float[] x, int at, float[] y, int to, int plane) {
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
     * The inverse: the phases st[from + q·ss + i] (q = 0..3, lane i = tile i) → out[at + 4i + q], for 4L consecutive
     * columns, plus bias, added to what is there with add.
     */
    static void zip4(float[] st, int from, int ss, float[] out, int at, float bias, boolean add) {
        FloatVector y0 = FloatVector.fromArray(F, st, from), y1 = FloatVector.fromArray(F, st, from + ss);
        FloatVector y2 = FloatVector.fromArray(F, st, from + 2 * ss), y3 = FloatVector.fromArray(F, st, from + 3 * ss);
        FloatVector a = y0.rearrange(ZIP_LO, y2), b = y1.rearrange(ZIP_LO, y3);
        FloatVector c = y0.rearrange(ZIP_HI, y2), d = y1.rearrange(ZIP_HI, y3);
        FloatVector r0 = a.rearrange(ZIP_LO, b).add(bias), r1 = a.rearrange(ZIP_HI, b).add(bias);
        FloatVector r2 = c.rearrange(ZIP_LO, d).add(bias), r3 = c.rearrange(ZIP_HI, d).add(bias);
        if (add) {
            r0 = r0.add(FloatVector.fromArray(F, out, at));
            r1 = r1.add(FloatVector.fromArray(F, out, at + L));
            r2 = r2.add(FloatVector.fromArray(F, out, at + 2 * L));
            r3 = r3.add(FloatVector.fromArray(F, out, at + 3 * L));
        }
        r0.intoArray(out, at);
        r1.intoArray(out, at + L);
        r2.intoArray(out, at + 2 * L);
        r3.intoArray(out, at + 3 * L);
    }

    /** x[at .. at+2L) → the two phases: y[to + i] = x[at + 2i], y[plane + to + i] = x[at + 2i + 1] ({@link Winograd2x2}). */
    static void unzip2(float[] x, int at, float[] y, int to, int plane) {
        FloatVector a = FloatVector.fromArray(F, x, at), b = FloatVector.fromArray(F, x, at + L);
        a.rearrange(EVENS, b).intoArray(y, to);
        a.rearrange(ODDS, b).intoArray(y, to + plane);
    }

    /** The inverse: st[from + i] and st[from + ss + i] → out[at + 2i], out[at + 2i + 1] (2L columns), plus bias. */
    static void zip2(float[] st, int from, int ss, float[] out, int at, float bias, boolean add) {
        zip2(st, from, ss, out, at, at + L, bias, add);
    }

    /** {@link #zip2} with the second L columns stored at hi instead of at + L (none if hi &lt; 0). */
    static void zip2(float[] st, int from, int ss, float[] out, int at, int hi, float bias, boolean add) {
        FloatVector y0 = FloatVector.fromArray(F, st, from), y1 = FloatVector.fromArray(F, st, from + ss);
        FloatVector r0 = y0.rearrange(ZIP_LO, y1).add(bias);
        if (add) r0 = r0.add(FloatVector.fromArray(F, out, at));
        r0.intoArray(out, at);
        if (hi < 0) return;
        FloatVector r1 = y0.rearrange(ZIP_HI, y1).add(bias);
        if (add) r1 = r1.add(FloatVector.fromArray(F, out, hi));
        r1.intoArray(out, hi);
    }

    static int roundUp(int x, int unit) {
        return Math.ceilDiv(x, unit) * unit;
    }
}

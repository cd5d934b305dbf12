package gradwerk.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The transforms of Winograd F(4×4, 3×3) ({@link Winograd}, {@link WinogradWeight}), vectorised over tiles: the
 * input transform Bᵀ d B (with the column-phase planes that make a tile row's columns contiguous), the output
 * transform Aᵀ M A, and the lane shuffles that split a padded row into phases and interleave the output phases
 * back. Also the interleaving of output rows that F(4×4) and F(2×2) ({@link Winograd2x2}) share; the transforms
 * of the 3×3 kernels themselves (G g Gᵀ and its adjoint) are {@link WinogradKernels}. The products between the transforms
 * are {@link WinogradProducts}. Only arrays and offsets cross these methods' boundaries, never vectors: in a large compilation unit C2 may
 * decline to inline a callee, and a vector argument would then be boxed (an allocation per call).
 */
final class WinogradTransforms {
    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.SCALAR ? 1 : F.length();
    private static final FloatVector TWO = FloatVector.broadcast(F, 2f), FOUR = FloatVector.broadcast(F, 4f),
            FIVE = FloatVector.broadcast(F, 5f), EIGHT = FloatVector.broadcast(F, 8f);

    private WinogradTransforms() {}

    // ================================================================ input: V[ξ][ch][t] = (Bᵀ d B)[ξ]

    /**
     * Channel ch of image n, tile rows [ty0, ty0 + gr), into the block's V: tile k = g·twp + tx of the block (g =
     * tile row in the block) and position ξ go to {@code v[ξ·xiStride + (k / 2L)·cn·2L + chL·2L + k % 2L]}, the
     * packed layout of {@link ConvTiles#tileP}, or with rowLen > 0 to {@code v[ξ·xiStride + chL·rowLen + k]}
     * (rows of tiles, {@link WinogradWeight}). First the padded rows of the block are split into the
     * four column-phase planes (planes[p][y][q / 4] = padded column q with q mod 4 = p), then per tile row the 6-point
     * transform runs down the rows (6 rows → 6, per plane) and then across the columns (6 phase runs → 6), L tiles
     * at a time (twp is a multiple of L, so a vector never straddles two panels; or, with dense rows, twp = tw &lt; L
     * dividing 2L, and the stores are masked to the row's tw lanes).
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
                    if (twp < L) btColumns(rt, r, ps, t, v, (i * 6) * xiStride + at, xiStride, F.indexInRange(0, tw));
                    else btColumns(rt, r, ps, t, v, (i * 6) * xiStride + at, xiStride);
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

    /** {@link #btColumns} storing only the lanes of {@code row} (a dense tile row, {@link Winograd#denseRows}). */
    private static void btColumns(float[] rt, int r, int ps, int t, float[] y, int to, int step, VectorMask<Float> row) {
        int p = 6 * ps, at = r + t;
        FloatVector x0 = FloatVector.fromArray(F, rt, at), x1 = FloatVector.fromArray(F, rt, p + at);
        FloatVector x2 = FloatVector.fromArray(F, rt, 2 * p + at), x3 = FloatVector.fromArray(F, rt, 3 * p + at);
        FloatVector x4 = FloatVector.fromArray(F, rt, at + 1), x5 = FloatVector.fromArray(F, rt, p + at + 1);
        x0.mul(FOUR).sub(x2.mul(FIVE)).add(x4).intoArray(y, to, row);
        FloatVector a = x4.sub(x2.mul(FOUR)), b = x3.sub(x1.mul(FOUR));
        a.add(b).intoArray(y, to + step, row);
        a.sub(b).intoArray(y, to + 2 * step, row);
        FloatVector d = x4.sub(x2), e = x3.sub(x1).mul(TWO);
        d.add(e).intoArray(y, to + 3 * step, row);
        d.sub(e).intoArray(y, to + 4 * step, row);
        x1.mul(FOUR).sub(x3.mul(FIVE)).add(x5).intoArray(y, to + 5 * step, row);
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
                if (tw < L) denseRow(st, (24 + r * 4) * L, out, outAt + y * ow, ow, bias, add);
                else outputRow(4, st, (24 + r * 4) * L, L, 40 * L, tw, out, outAt + y * ow, ow, bias, add);
            }
        }
    }

    /**
     * One output row of a dense tile row (fewer than L tiles, {@link Winograd#denseRows}): the four phases
     * st[from + q·L] interleaved into st[40L, 44L) (past the 40 slots of the vector), then its first ow values
     * copied to (or, with add, added onto) out[row ..].
     */
    private static void denseRow(float[] st, int from, float[] out, int row, int ow, float bias, boolean add) {
        int tmp = 40 * L;
        zip4(st, from, L, st, tmp, bias, false);
        if (add) for (int x = 0; x < ow; x++) out[row + x] += st[tmp + x];
        else System.arraycopy(st, tmp, out, row, ow);
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

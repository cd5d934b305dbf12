package gradwerk.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * {@link Winograd2x2}'s transforms for maps where a vector holds exactly two dense tile rows: F(2×2) has 8 tiles per
 * row on a 16² output map, and AVX-512 has 16 lanes ({@link Winograd2x2#denseRows}). The products already pack two
 * rows per vector; these transforms take two rows per step as well, instead of one row with half of every vector
 * thrown away (or masked off) and the output written one float at a time. They compute the same sums, in the same
 * order, as the one-row transforms in Winograd2x2. Measured on a 2-core AVX-512 Xeon: 1.08-1.26× per transform
 * (BENCHMARKS.md, 2026-11-28 01:10).
 */
final class Winograd2x2RowPairs {
    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.SCALAR ? 1 : F.length();

    private Winograd2x2RowPairs() {}

    /**
     * Whether rows of tw tiles, twp apart, are dense and two of them fill a vector exactly: what all three transforms
     * here need (the output and dy transforms also need an output row exactly that wide).
     */
    static boolean fit(int tw, int twp) {
        return twp == tw && 2 * tw == L;
    }

    /**
     * Winograd2x2's transformGradient where two dense tile rows fill a vector (a 16-wide dy with 16 lanes: tw = 8,
     * 2·tw = L = ow, unit stride). Tile rows g and g + 1 are transformed together: each of their dy rows is read
     * straight from the map, one shuffle per phase splits a pair of rows into the two column phases (lanes 0..7 tile
     * row g, 8..15 tile row g + 1), and the results are stored as whole vectors. The arithmetic is
     * transformGradient's, in the same order. Rows past the map are zeros. A block of an odd number of tile rows
     * also transforms the row after it, into lanes past its kn tiles, which the products do not read (their K loop
     * ends at kn; the lanes are within the block's capacity bt). (One tile row at a time, with
     * a copy, a fill and masked stores per row, this transform took 13 % of the 128 → 256 @ 16² weight gradient.)
     */
    static void gradient(DirectConv.Images s, int n, int o, int ty0, int gr, float[] w, int base, int xiStride) {
        int src0 = s.off() + n * s.sn() + o * s.sc(), l4 = 4 * xiStride;
        for (int g = 0; g < gr; g += 2) {
            int y = 2 * (ty0 + g);
            // dy rows y..y+3; a row past the map is a load with no lanes (zeros) from index 0
            int h = s.h(), sh = s.sh();
            FloatVector d0 = FloatVector.fromArray(F, s.a(), y < h ? src0 + y * sh : 0,
                    F.indexInRange(0, y < h ? L : 0));
            FloatVector d1 = FloatVector.fromArray(F, s.a(), y + 1 < h ? src0 + (y + 1) * sh : 0,
                    F.indexInRange(0, y + 1 < h ? L : 0));
            FloatVector d2 = FloatVector.fromArray(F, s.a(), y + 2 < h ? src0 + (y + 2) * sh : 0,
                    F.indexInRange(0, y + 2 < h ? L : 0));
            FloatVector d3 = FloatVector.fromArray(F, s.a(), y + 3 < h ? src0 + (y + 3) * sh : 0,
                    F.indexInRange(0, y + 3 < h ? L : 0));
            // column phases of dy row r of both tile rows: e_r (phase 0), o_r (phase 1)
            FloatVector e0 = d0.rearrange(WinogradTransforms.EVENS, d2), o0 = d0.rearrange(WinogradTransforms.ODDS, d2);
            FloatVector e1 = d1.rearrange(WinogradTransforms.EVENS, d3), o1 = d1.rearrange(WinogradTransforms.ODDS, d3);
            // along the columns, c_k = (e, e + o, e - o, -o) per dy row; then along the rows, A over (c_k of row 0,
            // c_k of row 1) to positions l·4 + k: x0, x0 + x1, x0 - x1, -x1. Written out: vectors are never handed
            // to a method of ours (see GemmF32.kernel12)
            int to = base + g * (L / 2);
            FloatVector x0 = e0, x1 = e1;                                       // k = 0
            x0.intoArray(w, to);
            x0.add(x1).intoArray(w, to + l4);
            x0.sub(x1).intoArray(w, to + 2 * l4);
            x1.neg().intoArray(w, to + 3 * l4);
            x0 = e0.add(o0); x1 = e1.add(o1);                                   // k = 1
            x0.intoArray(w, to + xiStride);
            x0.add(x1).intoArray(w, to + xiStride + l4);
            x0.sub(x1).intoArray(w, to + xiStride + 2 * l4);
            x1.neg().intoArray(w, to + xiStride + 3 * l4);
            x0 = e0.sub(o0); x1 = e1.sub(o1);                                   // k = 2
            x0.intoArray(w, to + 2 * xiStride);
            x0.add(x1).intoArray(w, to + 2 * xiStride + l4);
            x0.sub(x1).intoArray(w, to + 2 * xiStride + 2 * l4);
            x1.neg().intoArray(w, to + 2 * xiStride + 3 * l4);
            x0 = o0.neg(); x1 = o1.neg();                                       // k = 3
            x0.intoArray(w, to + 3 * xiStride);
            x0.add(x1).intoArray(w, to + 3 * xiStride + l4);
            x0.sub(x1).intoArray(w, to + 3 * xiStride + 2 * l4);
            x1.neg().intoArray(w, to + 3 * xiStride + 3 * l4);
        }
    }

    /**
     * Winograd2x2's transformInput where two dense tile rows fill a vector (tw = 8 with 16 lanes: a 16² output
     * map).
     * The block's padded rows (2·gr + 4 of them, 2L floats each, zeros outside the map) are laid out once in rows;
     * for tile rows g and g + 1 the four columns of every tile (plane 0 and 1 at t, and at t + 1) come from one
     * shuffle of two padded rows each: row 2g + k in lanes 0..7 and row 2g + 2 + k in lanes 8..15, read from column
     * 0 (t) and column 2 (t + 1). Then Bᵀ down the rows and across the columns, in transformInput's order, and whole
     * vectors stored. A block of an odd number of tile rows also transforms the row after it into lanes past its
     * tiles; the products of those tiles are not stored (forward) or not summed (weight gradient: K ends at kn).
     * (One tile row at a time, with half-empty vectors and masked stores, this was 9-10 % of the 16² layers.)
     */
    static void input(DirectConv.Images s, int n, int ch, int padT, int padL, int ty0, int gr, float[] rowsBuf,
                      float[] scratch, float[] v, int chL, int cn, int xiStride, int rowLen) {
        int w2 = 2 * L, rows = 2 * gr + 4;
        float[] pr = rowsBuf.length >= rows * w2 ? rowsBuf : new float[rows * w2];
        int src0 = s.off() + n * s.sn() + ch * s.sc();
        int qLo = Math.max(0, padL), qHi = Math.min(w2, padL + s.w());
        for (int y = 0; y < rows; y++) {                        // padded rows: pr[y][q] = x[2·ty0 + y - padT][q - padL]
            int sy = 2 * ty0 + y - padT, row = y * w2;
            if (sy < 0 || sy >= s.h() || qLo >= qHi) {
                Arrays.fill(pr, row, row + w2, 0f);
                continue;
            }
            int src = src0 + sy * s.sh() + (qLo - padL) * s.sw();
            Arrays.fill(pr, row, row + qLo, 0f);
            if (s.sw() == 1) System.arraycopy(s.a(), src, pr, row + qLo, qHi - qLo);
            else for (int q = qLo; q < qHi; q++) pr[row + q] = s.a()[src + (q - qLo) * s.sw()];
            Arrays.fill(pr, row + qHi, row + w2, 0f);
        }
        int cs = 0, ds = 16 * L;                                // scratch: columns [c][k], then Bᵀ down [c][i]
        for (int g = 0; g < gr; g += 2) {
            for (int k = 0; k < 4; k++) {                        // column c of row k, both tile rows
                int a = (2 * g + k) * w2, b = a + 2 * w2;
                FloatVector x = FloatVector.fromArray(F, pr, a), y = FloatVector.fromArray(F, pr, b);
                x.rearrange(WinogradTransforms.EVENS, y).intoArray(scratch, cs + k * L);
                x.rearrange(WinogradTransforms.ODDS, y).intoArray(scratch, cs + (4 + k) * L);
                x = FloatVector.fromArray(F, pr, a + 2);
                y = FloatVector.fromArray(F, pr, b + 2);
                x.rearrange(WinogradTransforms.EVENS, y).intoArray(scratch, cs + (8 + k) * L);
                x.rearrange(WinogradTransforms.ODDS, y).intoArray(scratch, cs + (12 + k) * L);
            }
            for (int c = 0; c < 4; c++)                          // down the rows: ds[c][i]
                Winograd2x2.bt4(scratch, cs + 4 * c * L, L, scratch, ds + 4 * c * L, L);
            int k = g * (L / 2);
            int at = rowLen > 0 ? chL * rowLen + k : k / (2 * L) * cn * 2 * L + chL * 2 * L + k % (2 * L);
            for (int i = 0; i < 4; i++)                          // across the columns: v[i·4 + j]
                Winograd2x2.bt(scratch, ds + i * L, ds + (4 + i) * L, ds + (8 + i) * L, ds + (12 + i) * L, v,
                        i * 4 * xiStride + at, xiStride);
        }
    }

    /**
     * Winograd2x2's transformOutput where dense rows put exactly two tile rows in a vector and an output row is one
     * vector wide (a 16² map with 16 lanes: tw = 8, ow = 16). Each vector of tiles is transformed once for both of
     * its tile rows, and the interleaving of the two column phases gives two whole output rows: lanes 0..L-1 of the
     * zip are row 2·ty + r, lanes L..2L-1 row 2·ty + 2 + r. (Taking one tile row at a time, half of every vector was
     * thrown away and the rows, half a vector of tiles wide, were written one float at a time: 15 % of the
     * forward.) A block of an odd number of tile rows reads the zero tiles after its last row and does not store
     * them.
     */
    static void output(float[] prod, int mAt, int th, float[] st, float[] out, int outAt, int oh, int ow,
                       float bias, boolean add) {
        for (int ty = 0; ty < th; ty += 2) {
            int at = mAt + WinogradProducts.productAt(16, 0, 0, 0, ty * (L / 2));
            for (int j = 0; j < 4; j++)                         // rows: (Aᵀ M)[r][j]
                Winograd2x2.at2(prod, at + 2 * j * L, 8 * L, st, j * L, 4 * L);
            for (int r = 0; r < 2; r++) {                       // columns: (Aᵀ M A)[r][q], then the two rows
                Winograd2x2.at2(st, 4 * r * L, L, st, (8 + 2 * r) * L, L);
                int y = 2 * ty + r;
                if (y >= oh) break;
                int next = y + 2 < oh && ty + 1 < th ? outAt + (y + 2) * ow : -1;
                WinogradTransforms.zip2(st, (8 + 2 * r) * L, L, out, outAt + y * ow, next, bias, add);
            }
        }
    }
}

package gradwerk.tensor.cpu;

import java.util.Arrays;

/**
 * Copies (with float32/float64 conversion) and fills of one run, with strides: moving data needs no
 * arithmetic, so these take the strides directly instead of packing. Contiguous runs use
 * {@code System.arraycopy}/{@code Arrays.fill} (JIT intrinsics) or simple loops that the JIT auto-vectorises;
 * a source stride of 0 (a broadcast) becomes a fill. A source whose two innermost dims are swapped relative to
 * the output ({@code x.t().contiguous()}, NCHW to NHWC) is copied in tiles.
 */
final class CopyKernels {
    private CopyKernels() {}

    static void copy(float[] a, int ai, int as, float[] o, int oi, int os, int n) {
        if (as == 1 && os == 1) System.arraycopy(a, ai, o, oi, n);
        else if (as == 0) fill(o, oi, os, a[ai], n);
        else for (int i = 0; i < n; i++) o[oi + i * os] = a[ai + i * as];
    }

    static void copy(double[] a, int ai, int as, double[] o, int oi, int os, int n) {
        if (as == 1 && os == 1) System.arraycopy(a, ai, o, oi, n);
        else if (as == 0) fill(o, oi, os, a[ai], n);
        else for (int i = 0; i < n; i++) o[oi + i * os] = a[ai + i * as];
    }

    /** float32 to float64: exact. */
    static void copy(float[] a, int ai, int as, double[] o, int oi, int os, int n) {
        if (as == 1 && os == 1) for (int i = 0; i < n; i++) o[oi + i] = a[ai + i];
        else if (as == 0) fill(o, oi, os, a[ai], n);
        else for (int i = 0; i < n; i++) o[oi + i * os] = a[ai + i * as];
    }

    /** float64 to float32: rounds to nearest, as a Java cast. */
    static void copy(double[] a, int ai, int as, float[] o, int oi, int os, int n) {
        if (as == 1 && os == 1) for (int i = 0; i < n; i++) o[oi + i] = (float) a[ai + i];
        else if (as == 0) fill(o, oi, os, (float) a[ai], n);
        else for (int i = 0; i < n; i++) o[oi + i * os] = (float) a[ai + i * as];
    }

    /**
     * Side of the square tiles of {@link #transpose}. Small on purpose: with a power-of-two stride every source
     * line of a tile falls into the same L1 cache set, which holds 8 lines; 8x8 measured best (16 or 32 are 2-5x
     * slower on a 1024x1024 transpose, untiled 3-4x).
     */
    static final int TILE = 8;

    /**
     * A transposing copy of a rows x cols block: element (r, c) goes from {@code a[ai + r + c*ac]} (the source
     * is contiguous down the columns) to {@code o[oi + r*or + c]} (the output along the rows), tile by tile, so
     * that both sides touch only a few cache lines at a time, where a row-by-row copy reads every source element
     * from a different cache line.
     */
    static void transpose(float[] a, int ai, int ac, float[] o, int oi, int or, int rows, int cols) {
        for (int c0 = 0; c0 < cols; c0 += TILE)
            for (int r0 = 0; r0 < rows; r0 += TILE) {
                int r1 = Math.min(rows, r0 + TILE), c1 = Math.min(cols, c0 + TILE);
                for (int r = r0; r < r1; r++)
                    for (int c = c0; c < c1; c++) o[oi + r * or + c] = a[ai + r + c * ac];
            }
    }

    static void transpose(double[] a, int ai, int ac, double[] o, int oi, int or, int rows, int cols) {
        for (int c0 = 0; c0 < cols; c0 += TILE)
            for (int r0 = 0; r0 < rows; r0 += TILE) {
                int r1 = Math.min(rows, r0 + TILE), c1 = Math.min(cols, c0 + TILE);
                for (int r = r0; r < r1; r++)
                    for (int c = c0; c < c1; c++) o[oi + r * or + c] = a[ai + r + c * ac];
            }
    }

    static void fill(float[] o, int oi, int os, float v, int n) {
        if (os == 1) Arrays.fill(o, oi, oi + n, v);
        else for (int i = 0; i < n; i++) o[oi + i * os] = v;
    }

    static void fill(double[] o, int oi, int os, double v, int n) {
        if (os == 1) Arrays.fill(o, oi, oi + n, v);
        else for (int i = 0; i < n; i++) o[oi + i * os] = v;
    }
}

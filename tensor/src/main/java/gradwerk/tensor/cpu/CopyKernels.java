package gradwerk.tensor.cpu;

import java.util.Arrays;

/**
 * Copies (with float32/float64 conversion) and fills of one run, with strides: moving data needs no
 * arithmetic, so these take the strides directly instead of packing. Contiguous runs use
 * {@code System.arraycopy}/{@code Arrays.fill} (JIT intrinsics) or simple loops that the JIT auto-vectorises;
 * a source stride of 0 (a broadcast) becomes a fill.
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

    static void fill(float[] o, int oi, int os, float v, int n) {
        if (os == 1) Arrays.fill(o, oi, oi + n, v);
        else for (int i = 0; i < n; i++) o[oi + i * os] = v;
    }

    static void fill(double[] o, int oi, int os, double v, int n) {
        if (os == 1) Arrays.fill(o, oi, oi + n, v);
        else for (int i = 0; i < n; i++) o[oi + i * os] = v;
    }
}

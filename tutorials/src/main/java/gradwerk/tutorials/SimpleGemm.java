package gradwerk.tutorials;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Chapter 3's first three matrix products, C = A·B for row-major n x n float matrices: the textbook triple loop,
 * the same loops reordered, and the reordered loops in cache-sized tiles. The library's packed, register-blocked
 * GEMM ({@code gradwerk.tensor.cpu.Gemm}) is the fourth step.
 */
public final class SimpleGemm {
    static final VectorSpecies<Float> S = SimdDot.S;

    private SimpleGemm() {}

    /** i, j, p: each C(i,j) is a dot product of a row of A and a column of B (B read with stride n). */
    public static void naive(int n, float[] a, float[] b, float[] c) {
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                float s = 0;
                for (int p = 0; p < n; p++) s += a[i * n + p] * b[p * n + j];
                c[i * n + j] = s;
            }
    }

    /** i, p, j: row i of C += A(i,p) · row p of B. Every inner access is unit-stride, so it can be a SIMD loop. */
    public static void reordered(int n, float[] a, float[] b, float[] c) {
        java.util.Arrays.fill(c, 0, n * n, 0f);
        for (int i = 0; i < n; i++)
            for (int p = 0; p < n; p++) axpy(n, a[i * n + p], b, p * n, c, i * n);
    }

    /** y[yAt : yAt+len] += alpha · x[xAt : xAt+len], with the Vector API. */
    static void axpy(int len, float alpha, float[] x, int xAt, float[] y, int yAt) {
        FloatVector va = FloatVector.broadcast(S, alpha);
        int j = 0;
        for (int bound = S.loopBound(len); j < bound; j += S.length())
            FloatVector.fromArray(S, x, xAt + j).fma(va, FloatVector.fromArray(S, y, yAt + j)).intoArray(y, yAt + j);
        for (; j < len; j++) y[yAt + j] += alpha * x[xAt + j];
    }

    /**
     * The reordered loops on bs x bs tiles: while a tile of C is updated, the tiles of A and B it needs (3·bs²
     * floats) stay in cache instead of being fetched from memory again for every row.
     */
    public static void blocked(int n, float[] a, float[] b, float[] c, int bs) {
        java.util.Arrays.fill(c, 0, n * n, 0f);
        for (int i0 = 0; i0 < n; i0 += bs)
            for (int p0 = 0; p0 < n; p0 += bs)
                for (int j0 = 0; j0 < n; j0 += bs) {
                    int i1 = Math.min(i0 + bs, n), p1 = Math.min(p0 + bs, n), j1 = Math.min(j0 + bs, n);
                    for (int i = i0; i < i1; i++)
                        for (int p = p0; p < p1; p++) axpy(j1 - j0, a[i * n + p], b, p * n + j0, c, i * n + j0);
                }
    }
}

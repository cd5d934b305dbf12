package gradwerk.tutorials;

/**
 * Chapter 3's first three matrix products, C = A·B for row-major n x n float matrices: the textbook triple loop,
 * the same loops reordered, and the reordered loops in cache-sized tiles. The library's packed, register-blocked
 * GEMM ({@code gradwerk.tensor.cpu.Gemm}) is the fourth step.
 */
public final class SimpleGemm {
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

    /** i, p, j: row i of C += A(i,p) · row p of B. Every inner access is unit-stride; C2 vectorises the j loop. */
    public static void reordered(int n, float[] a, float[] b, float[] c) {
        java.util.Arrays.fill(c, 0, n * n, 0f);
        for (int i = 0; i < n; i++)
            for (int p = 0; p < n; p++) {
                float aip = a[i * n + p];
                for (int j = 0; j < n; j++) c[i * n + j] += aip * b[p * n + j];
            }
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
                        for (int p = p0; p < p1; p++) {
                            float aip = a[i * n + p];
                            for (int j = j0; j < j1; j++) c[i * n + j] += aip * b[p * n + j];
                        }
                }
    }
}

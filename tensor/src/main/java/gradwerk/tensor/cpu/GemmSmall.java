package gradwerk.tensor.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The unpacked paths of {@link Gemm}, for float and double: small products, for which packing panels would cost
 * more than it saves ({@link Gemm#SMALL_FLOPS}), and the plain triple loop that runs with gradwerk.simd.bits=0.
 * {@link GemmF32} and {@link GemmF64} send their calls here. The double versions are line-by-line copies of the
 * float ones, as in those two classes.
 *
 * <p>Arguments arrive already checked by {@link Gemm}; here m, n, k &gt; 0.
 */
final class GemmSmall {
    private static final VectorSpecies<Float> F = Simd.F;
    private static final VectorSpecies<Double> D = Simd.D;
    /** Float and double lanes per vector (1 when scalar: only the triple loop runs then). */
    private static final int L = Simd.SCALAR ? 1 : F.length(), LD = Simd.SCALAR ? 1 : D.length();

    private GemmSmall() {}

    // ---------------------------------------------------------------------------------------------------------
    // float
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Small products: packing would cost more than it saves. C is built four rows at a time, two vectors (or one) of
     * columns at a time, summing A(i,p) * B(p, j..j+L) over p (vector loads need B's rows contiguous: bCs == 1); what
     * is left over (rows past a multiple of 4, columns past a multiple of L) goes a row and a column at a time. Four
     * rows give four to eight independent sums: with one, every FMA waited for the one before it (latency-bound:
     * 27-33 GFLOPS on one core of the AVX-512 Xeon, model 167, for 16 x 16 x 32 to 16 x 16 x 256).
     */
    static void small(int m, int n, int k, float[] a, int aOff, int aRs, int aCs, float[] b, int bOff, int bRs,
                      int bCs, float[] c, int cOff, int ldc, boolean accumulate) {
        int vecEnd = bCs == 1 ? n - n % L : 0, i = 0;
        for (; i + 4 <= m && vecEnd > 0; i += 4) {
            int a0 = aOff + i * aRs, c0 = cOff + i * ldc, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
            int j = 0;
            for (; j + 2 * L <= vecEnd; j += 2 * L) {
                FloatVector s00 = FloatVector.zero(F), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00,
                        s30 = s00, s31 = s00;
                for (int p = 0, ap = a0, bp = bOff + j; p < k; p++, ap += aCs, bp += bRs) {
                    FloatVector b0 = FloatVector.fromArray(F, b, bp), b1 = FloatVector.fromArray(F, b, bp + L);
                    FloatVector x = FloatVector.broadcast(F, a[ap]);
                    s00 = x.fma(b0, s00); s01 = x.fma(b1, s01);
                    x = FloatVector.broadcast(F, a[ap + aRs]);
                    s10 = x.fma(b0, s10); s11 = x.fma(b1, s11);
                    x = FloatVector.broadcast(F, a[ap + 2 * aRs]);
                    s20 = x.fma(b0, s20); s21 = x.fma(b1, s21);
                    x = FloatVector.broadcast(F, a[ap + 3 * aRs]);
                    s30 = x.fma(b0, s30); s31 = x.fma(b1, s31);
                }
                if (accumulate) {
                    s00 = s00.add(FloatVector.fromArray(F, c, c0 + j)); s01 = s01.add(FloatVector.fromArray(F, c, c0 + j + L));
                    s10 = s10.add(FloatVector.fromArray(F, c, c1 + j)); s11 = s11.add(FloatVector.fromArray(F, c, c1 + j + L));
                    s20 = s20.add(FloatVector.fromArray(F, c, c2 + j)); s21 = s21.add(FloatVector.fromArray(F, c, c2 + j + L));
                    s30 = s30.add(FloatVector.fromArray(F, c, c3 + j)); s31 = s31.add(FloatVector.fromArray(F, c, c3 + j + L));
                }
                s00.intoArray(c, c0 + j); s01.intoArray(c, c0 + j + L);
                s10.intoArray(c, c1 + j); s11.intoArray(c, c1 + j + L);
                s20.intoArray(c, c2 + j); s21.intoArray(c, c2 + j + L);
                s30.intoArray(c, c3 + j); s31.intoArray(c, c3 + j + L);
            }
            for (; j < vecEnd; j += L) {
                FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
                for (int p = 0, ap = a0, bp = bOff + j; p < k; p++, ap += aCs, bp += bRs) {
                    FloatVector b0 = FloatVector.fromArray(F, b, bp);
                    s0 = FloatVector.broadcast(F, a[ap]).fma(b0, s0);
                    s1 = FloatVector.broadcast(F, a[ap + aRs]).fma(b0, s1);
                    s2 = FloatVector.broadcast(F, a[ap + 2 * aRs]).fma(b0, s2);
                    s3 = FloatVector.broadcast(F, a[ap + 3 * aRs]).fma(b0, s3);
                }
                if (accumulate) {
                    s0 = s0.add(FloatVector.fromArray(F, c, c0 + j)); s1 = s1.add(FloatVector.fromArray(F, c, c1 + j));
                    s2 = s2.add(FloatVector.fromArray(F, c, c2 + j)); s3 = s3.add(FloatVector.fromArray(F, c, c3 + j));
                }
                s0.intoArray(c, c0 + j); s1.intoArray(c, c1 + j); s2.intoArray(c, c2 + j); s3.intoArray(c, c3 + j);
            }
            for (int r = 0; r < 4; r++) smallRow(k, a, a0 + r * aRs, aCs, b, bOff, bRs, bCs, c, c0 + r * ldc, vecEnd, vecEnd, n, accumulate);
        }
        for (; i < m; i++) smallRow(k, a, aOff + i * aRs, aCs, b, bOff, bRs, bCs, c, cOff + i * ldc, 0, vecEnd, n, accumulate);
    }

    /**
     * Columns [j0, n) of one row of C for {@link #small}: a vector at a time up to vecEnd (its last whole vector of
     * columns, 0 when B's rows are not contiguous), then one column at a time.
     */
    private static void smallRow(int k, float[] a, int aRow, int aCs, float[] b, int bOff, int bRs, int bCs, float[] c,
                                 int cRow, int j0, int vecEnd, int n, boolean accumulate) {
        int j = j0;
        for (; j < vecEnd; j += L) {
            FloatVector acc = accumulate ? FloatVector.fromArray(F, c, cRow + j) : FloatVector.zero(F);
            for (int p = 0; p < k; p++)
                acc = FloatVector.broadcast(F, a[aRow + p * aCs]).fma(FloatVector.fromArray(F, b, bOff + p * bRs + j), acc);
            acc.intoArray(c, cRow + j);
        }
        for (; j < n; j++) {
            float sum = accumulate ? c[cRow + j] : 0f;
            for (int p = 0; p < k; p++) sum += a[aRow + p * aCs] * b[bOff + p * bRs + j * bCs];
            c[cRow + j] = sum;
        }
    }

    /** The plain triple loop, for gradwerk.simd.bits=0. Row i of C accumulates rows of B scaled by A(i,p). */
    static void naive(int m, int n, int k, float[] a, int aOff, int aRs, int aCs, float[] b, int bOff, int bRs,
                      int bCs, float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            int cRow = cOff + i * ldc;
            if (!accumulate) for (int j = 0; j < n; j++) c[cRow + j] = 0f;
            for (int p = 0; p < k; p++) {
                float aip = a[aOff + i * aRs + p * aCs];
                int bRow = bOff + p * bRs;
                for (int j = 0; j < n; j++) c[cRow + j] += aip * b[bRow + j * bCs];
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // double
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Small products: packing would cost more than it saves. C is built four rows at a time, two vectors (or one) of
     * columns at a time, summing A(i,p) * B(p, j..j+LD) over p (vector loads need B's rows contiguous: bCs == 1); what
     * is left over (rows past a multiple of 4, columns past a multiple of LD) goes a row and a column at a time. Four
     * rows give four to eight independent sums; see the float version above.
     */
    static void small(int m, int n, int k, double[] a, int aOff, int aRs, int aCs, double[] b, int bOff, int bRs,
                      int bCs, double[] c, int cOff, int ldc, boolean accumulate) {
        int vecEnd = bCs == 1 ? n - n % LD : 0, i = 0;
        for (; i + 4 <= m && vecEnd > 0; i += 4) {
            int a0 = aOff + i * aRs, c0 = cOff + i * ldc, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
            int j = 0;
            for (; j + 2 * LD <= vecEnd; j += 2 * LD) {
                DoubleVector s00 = DoubleVector.zero(D), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00,
                        s30 = s00, s31 = s00;
                for (int p = 0, ap = a0, bp = bOff + j; p < k; p++, ap += aCs, bp += bRs) {
                    DoubleVector b0 = DoubleVector.fromArray(D, b, bp), b1 = DoubleVector.fromArray(D, b, bp + LD);
                    DoubleVector x = DoubleVector.broadcast(D, a[ap]);
                    s00 = x.fma(b0, s00); s01 = x.fma(b1, s01);
                    x = DoubleVector.broadcast(D, a[ap + aRs]);
                    s10 = x.fma(b0, s10); s11 = x.fma(b1, s11);
                    x = DoubleVector.broadcast(D, a[ap + 2 * aRs]);
                    s20 = x.fma(b0, s20); s21 = x.fma(b1, s21);
                    x = DoubleVector.broadcast(D, a[ap + 3 * aRs]);
                    s30 = x.fma(b0, s30); s31 = x.fma(b1, s31);
                }
                if (accumulate) {
                    s00 = s00.add(DoubleVector.fromArray(D, c, c0 + j)); s01 = s01.add(DoubleVector.fromArray(D, c, c0 + j + LD));
                    s10 = s10.add(DoubleVector.fromArray(D, c, c1 + j)); s11 = s11.add(DoubleVector.fromArray(D, c, c1 + j + LD));
                    s20 = s20.add(DoubleVector.fromArray(D, c, c2 + j)); s21 = s21.add(DoubleVector.fromArray(D, c, c2 + j + LD));
                    s30 = s30.add(DoubleVector.fromArray(D, c, c3 + j)); s31 = s31.add(DoubleVector.fromArray(D, c, c3 + j + LD));
                }
                s00.intoArray(c, c0 + j); s01.intoArray(c, c0 + j + LD);
                s10.intoArray(c, c1 + j); s11.intoArray(c, c1 + j + LD);
                s20.intoArray(c, c2 + j); s21.intoArray(c, c2 + j + LD);
                s30.intoArray(c, c3 + j); s31.intoArray(c, c3 + j + LD);
            }
            for (; j < vecEnd; j += LD) {
                DoubleVector s0 = DoubleVector.zero(D), s1 = s0, s2 = s0, s3 = s0;
                for (int p = 0, ap = a0, bp = bOff + j; p < k; p++, ap += aCs, bp += bRs) {
                    DoubleVector b0 = DoubleVector.fromArray(D, b, bp);
                    s0 = DoubleVector.broadcast(D, a[ap]).fma(b0, s0);
                    s1 = DoubleVector.broadcast(D, a[ap + aRs]).fma(b0, s1);
                    s2 = DoubleVector.broadcast(D, a[ap + 2 * aRs]).fma(b0, s2);
                    s3 = DoubleVector.broadcast(D, a[ap + 3 * aRs]).fma(b0, s3);
                }
                if (accumulate) {
                    s0 = s0.add(DoubleVector.fromArray(D, c, c0 + j)); s1 = s1.add(DoubleVector.fromArray(D, c, c1 + j));
                    s2 = s2.add(DoubleVector.fromArray(D, c, c2 + j)); s3 = s3.add(DoubleVector.fromArray(D, c, c3 + j));
                }
                s0.intoArray(c, c0 + j); s1.intoArray(c, c1 + j); s2.intoArray(c, c2 + j); s3.intoArray(c, c3 + j);
            }
            for (int r = 0; r < 4; r++) smallRow(k, a, a0 + r * aRs, aCs, b, bOff, bRs, bCs, c, c0 + r * ldc, vecEnd, vecEnd, n, accumulate);
        }
        for (; i < m; i++) smallRow(k, a, aOff + i * aRs, aCs, b, bOff, bRs, bCs, c, cOff + i * ldc, 0, vecEnd, n, accumulate);
    }

    /**
     * Columns [j0, n) of one row of C for {@link #small}: a vector at a time up to vecEnd (its last whole vector of
     * columns, 0 when B's rows are not contiguous), then one column at a time.
     */
    private static void smallRow(int k, double[] a, int aRow, int aCs, double[] b, int bOff, int bRs, int bCs, double[] c,
                                 int cRow, int j0, int vecEnd, int n, boolean accumulate) {
        int j = j0;
        for (; j < vecEnd; j += LD) {
            DoubleVector acc = accumulate ? DoubleVector.fromArray(D, c, cRow + j) : DoubleVector.zero(D);
            for (int p = 0; p < k; p++)
                acc = DoubleVector.broadcast(D, a[aRow + p * aCs]).fma(DoubleVector.fromArray(D, b, bOff + p * bRs + j), acc);
            acc.intoArray(c, cRow + j);
        }
        for (; j < n; j++) {
            double sum = accumulate ? c[cRow + j] : 0d;
            for (int p = 0; p < k; p++) sum += a[aRow + p * aCs] * b[bOff + p * bRs + j * bCs];
            c[cRow + j] = sum;
        }
    }

    /** The plain triple loop, for gradwerk.simd.bits=0. Row i of C accumulates rows of B scaled by A(i,p). */
    static void naive(int m, int n, int k, double[] a, int aOff, int aRs, int aCs, double[] b, int bOff, int bRs,
                      int bCs, double[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            int cRow = cOff + i * ldc;
            if (!accumulate) for (int j = 0; j < n; j++) c[cRow + j] = 0d;
            for (int p = 0; p < k; p++) {
                double aip = a[aOff + i * aRs + p * aCs];
                int bRow = bOff + p * bRs;
                for (int j = 0; j < n; j++) c[cRow + j] += aip * b[bRow + j * bCs];
            }
        }
    }
}

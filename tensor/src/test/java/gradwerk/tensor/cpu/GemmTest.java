package gradwerk.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * sgemm / dgemm against a naive triple loop in double precision, over random sizes (with many around the tile and
 * block boundaries), memory layouts, accumulate, parallel and thread counts. Surefire reruns this class with every
 * SIMD width (see tensor/pom.xml), so the scalar, 128-, 256- and 512-bit code paths are all checked.
 */
class GemmTest {
    private static final int LANES = Simd.SCALAR ? 1 : Simd.F.length();
    private static final int NR = 2 * LANES;
    private static final int INITIAL_THREADS = Parallel.threads();

    @AfterEach
    @AfterProperty
    void restoreThreads() {
        Parallel.setThreads(INITIAL_THREADS);
    }

    // ---------------------------------------------------------------------------------------------------------
    // A matrix stored in a larger array through (offset, row stride, column stride): the ways callers pass them
    // ---------------------------------------------------------------------------------------------------------

    enum Layout { ROW_MAJOR, TRANSPOSED, STRIDED_ROWS, STRIDED_COLS }

    /** rows x cols matrix somewhere in {@code data}; every other element of data is garbage that must not matter. */
    record Mat(int rows, int cols, int off, int rs, int cs, double[] data) {
        static Mat of(int rows, int cols, Layout layout, long seed) {
            var rng = new SplittableRandom(seed);
            int off = rng.nextInt(4), gap = 1 + rng.nextInt(3), rs, cs;
            switch (layout) {
                case ROW_MAJOR -> { rs = cols; cs = 1; }
                case TRANSPOSED -> { rs = 1; cs = rows; }
                case STRIDED_ROWS -> { rs = cols + gap; cs = 1; }                   // a slice of a wider matrix
                default -> { cs = 1 + gap; rs = cs * cols + gap; }                 // every (1+gap)-th column
            }
            int size = off + Math.max(0, (rows - 1) * rs + (cols - 1) * cs + 1) + gap;
            double[] data = new double[size];
            for (int i = 0; i < size; i++) data[i] = rng.nextDouble() * 2 - 1;     // garbage in the gaps too
            for (int i = 0; i < rows; i++)                  // small integers sometimes: exact sums catch any error
                for (int j = 0; j < cols; j++)
                    if (seed % 3 == 0) data[off + i * rs + j * cs] = rng.nextInt(-4, 5);
            return new Mat(rows, cols, off, rs, cs, data);
        }

        double get(int i, int j) {
            return data[off + i * rs + j * cs];
        }

        float[] floats() {
            float[] f = new float[data.length];
            for (int i = 0; i < f.length; i++) f[i] = (float) data[i];
            return f;
        }

        /** The values rounded to float, so the float and double runs have exactly the same inputs. */
        Mat roundedToFloat() {
            double[] d = new double[data.length];
            for (int i = 0; i < d.length; i++) d[i] = (float) data[i];
            return new Mat(rows, cols, off, rs, cs, d);
        }
    }

    /** One random test case. */
    record Case(int m, int n, int k, Layout aLayout, Layout bLayout, int cGap, boolean accumulate, boolean parallel,
                int threads, long seed) {
        @Override
        public String toString() {
            return "m=" + m + " n=" + n + " k=" + k + " A " + aLayout + " B " + bLayout + " ldc=n+" + cGap
                    + (accumulate ? " accumulate" : "") + (parallel ? " parallel" : "") + " threads=" + threads;
        }
    }

    /**
     * Runs one case through sgemm or dgemm and compares every element of C with the double-precision naive
     * product, and checks the gaps of C (between rows, before and after) were not written.
     */
    private static void check(Case t, boolean single) {
        Parallel.setThreads(t.threads);
        Mat a = Mat.of(t.m, t.k, t.aLayout, t.seed), b = Mat.of(t.k, t.n, t.bLayout, t.seed + 1);
        if (single) { a = a.roundedToFloat(); b = b.roundedToFloat(); }
        int ldc = t.n + t.cGap, cOff = 3;
        int cSize = cOff + Math.max(0, (t.m - 1) * ldc + t.n) + 5;
        var rng = new SplittableRandom(t.seed + 2);
        double[] c0 = new double[cSize];
        for (int i = 0; i < cSize; i++) c0[i] = single ? (float) (rng.nextDouble() * 2 - 1) : rng.nextDouble() * 2 - 1;

        double[] expected = c0.clone(), bound = new double[cSize];
        for (int i = 0; i < t.m; i++)
            for (int j = 0; j < t.n; j++) {
                int at = cOff + i * ldc + j;
                double sum = t.accumulate ? c0[at] : 0, abs = Math.abs(sum);
                for (int p = 0; p < t.k; p++) {
                    sum += a.get(i, p) * b.get(p, j);
                    abs += Math.abs(a.get(i, p) * b.get(p, j));
                }
                expected[at] = sum;
                bound[at] = abs;
            }

        double[] got = new double[cSize];
        if (single) {
            float[] c = new float[cSize];
            for (int i = 0; i < cSize; i++) c[i] = (float) c0[i];
            Gemm.sgemm(t.m, t.n, t.k, a.floats(), a.off, a.rs, a.cs, b.floats(), b.off, b.rs, b.cs, c, cOff, ldc,
                    t.accumulate, t.parallel);
            for (int i = 0; i < cSize; i++) got[i] = c[i];
        } else {
            got = c0.clone();
            Gemm.dgemm(t.m, t.n, t.k, a.data, a.off, a.rs, a.cs, b.data, b.off, b.rs, b.cs, got, cOff, ldc,
                    t.accumulate, t.parallel);
        }

        // Rounding error of a k-term sum (any order, with or without FMA) is at most ~(k+1)·eps·Σ|terms|.
        double eps = single ? 0x1p-24 : 0x1p-53;
        double tolerance = 2.0 * (t.k + 2) * eps;
        for (int at = 0; at < cSize; at++) {
            double diff = Math.abs(got[at] - expected[at]);
            if (diff > tolerance * bound[at] + Double.MIN_NORMAL) {
                int row = (at - cOff) / ldc, col = (at - cOff) % ldc;
                boolean inside = at >= cOff && row < t.m && col < t.n;
                fail((single ? "sgemm " : "dgemm ") + t + ": C" + (inside ? "(" + row + "," + col + ")" : "[" + at
                        + "] outside the matrix") + " = " + got[at] + ", expected " + expected[at]);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Properties
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Sizes: often exactly around a tile or block edge, else small or up to a few hundred. Enough of them are big
     * enough to take the packed path (more than {@link Gemm#SMALL_FLOPS}), and their edge tiles.
     */
    private static Arbitrary<Integer> dim(int... edges) {
        List<Integer> near = new ArrayList<>();
        for (int e : edges)
            for (int d = -1; d <= 1; d++) if (e + d >= 0) near.add(e + d);
        return Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.integers().between(0, 24)),
                Tuple.of(4, Arbitraries.of(near)),
                Tuple.of(3, Arbitraries.integers().between(25, 300)));
    }

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<Integer> m = dim(1, Gemm.MR, 8 * Gemm.MR, Gemm.MC);
        Arbitrary<Integer> n = dim(1, LANES, NR, 2 * NR, 4 * NR, GemmF32.NB);
        Arbitrary<Integer> k = dim(1, 2, 31, Gemm.KC, Gemm.KC + Gemm.KC / 2);
        return Combinators.combine(m, n, k, Arbitraries.of(Layout.class), Arbitraries.of(Layout.class),
                        Arbitraries.integers().between(0, 3), Arbitraries.of(false, true), Arbitraries.of(false, true))
                .as((mm, nn, kk, la, lb, gap, acc, par) -> new int[] {mm, nn, kk, la.ordinal(), lb.ordinal(), gap,
                        acc ? 1 : 0, par ? 1 : 0})
                .filter(x -> (long) x[0] * x[1] * x[2] <= 1_500_000)        // keeps the naive loop and test short
                .flatMap(x -> Combinators.combine(Arbitraries.integers().between(1, 2), Arbitraries.longs())
                        .as((threads, seed) -> new Case(x[0], x[1], x[2], Layout.values()[x[3]],
                                Layout.values()[x[4]], x[5], x[6] == 1, x[7] == 1, threads, seed)));
    }

    @Property(tries = 250)
    void sgemmMatchesNaiveProduct(@ForAll("cases") Case t) {
        check(t, true);
    }

    @Property(tries = 150)
    void dgemmMatchesNaiveProduct(@ForAll("cases") Case t) {
        check(t, false);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Examples: larger sizes, both ways of splitting across threads, edge cases, argument checks
    // ---------------------------------------------------------------------------------------------------------

    @Test
    void largeProductsEveryLayout() {
        Layout rm = Layout.ROW_MAJOR, tr = Layout.TRANSPOSED;
        check(new Case(300, 257, 129, rm, rm, 1, true, true, 2, 1), true);
        check(new Case(300, 257, 129, tr, tr, 0, false, false, 1, 2), true);
        check(new Case(300, 257, 129, rm, tr, 2, false, true, 2, 3), true);
        check(new Case(300, 257, 129, tr, Layout.STRIDED_COLS, 0, true, true, 2, 4), true);
        check(new Case(300, 257, 129, rm, rm, 2, true, true, 2, 5), false);
        check(new Case(131, 67, 300, tr, Layout.STRIDED_ROWS, 0, true, false, 1, 6), false);
    }

    @Test
    void bothThreadSplits() {
        // Big: threads share the packed B and split rows (taken here at small sizes, from 0 flops on; several KC
        // blocks, partial row blocks and panels, 2 and 3 threads). Smaller: independent row slices, or column
        // slices when C is short and wide (see Gemm.split).
        long shared = Gemm.sharedBFlops;
        Gemm.sharedBFlops = 0;
        try {
            check(new Case(130, 70, 2 * Gemm.KC + 5, Layout.ROW_MAJOR, Layout.ROW_MAJOR, 1, true, true, 2, 9), true);
            check(new Case(4 * Gemm.MC + 7, 2 * NR + 3, Gemm.KC + 9, Layout.TRANSPOSED, Layout.ROW_MAJOR, 0, false,
                    true, 3, 8), true);
            check(new Case(130, 70, 2 * Gemm.KC + 5, Layout.ROW_MAJOR, Layout.TRANSPOSED, 0, false, true, 2, 7), false);
        } finally {
            Gemm.sharedBFlops = shared;
        }
        check(new Case(520, 530, 300, Layout.ROW_MAJOR, Layout.ROW_MAJOR, 0, true, true, 2, 10), true);
        check(new Case(260, 70, 300, Layout.ROW_MAJOR, Layout.ROW_MAJOR, 0, false, true, 2, 11), true);
        check(new Case(5, 999, 270, Layout.ROW_MAJOR, Layout.TRANSPOSED, 1, true, true, 2, 12), true);
        check(new Case(7, 600, 100, Layout.STRIDED_ROWS, Layout.ROW_MAJOR, 0, false, true, 2, 13), false);
        // More columns than one NC block, and more depth than one KC block.
        int wide = Gemm.NC + NR + 3;
        check(new Case(9, wide, 2 * Gemm.KC + 5, Layout.ROW_MAJOR, Layout.ROW_MAJOR, 0, true, true, 2, 14), true);
        check(new Case(40, wide, 20, Layout.TRANSPOSED, Layout.ROW_MAJOR, 0, false, false, 1, 15), true);
    }

    /** Guards the per-width Surefire executions in tensor/pom.xml: the JVM really runs the width it was given. */
    @Test
    void runsTheRequestedSimdWidth() {
        String requested = System.getProperty("gradwerk.simd.bits");
        if (requested != null) assertEquals(Integer.parseInt(requested), Simd.BITS, Simd.describe());
        System.out.println("GemmTest: " + Simd.describe() + ", MR=" + Gemm.MR + " NR=" + NR);
    }

    @Test
    void emptyDepthZeroesOrKeepsC() {
        float[] c = {1, 2, 3, 4, 5, 6, 7};
        Gemm.sgemm(2, 2, 0, new float[0], 0, 0, 0, new float[0], 0, 0, 0, c, 1, 3, true, true);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7}, c);
        Gemm.sgemm(2, 2, 0, new float[0], 0, 0, 0, new float[0], 0, 0, 0, c, 1, 3, false, true);
        assertArrayEquals(new float[] {1, 0, 0, 4, 0, 0, 7}, c);
        double[] d = {1, 2, 3};
        Gemm.dgemm(1, 2, 0, new double[0], 0, 1, 1, new double[0], 0, 1, 1, d, 1, 2, false, false);
        assertArrayEquals(new double[] {1, 0, 0}, d);
    }

    @Test
    void emptyCIsANoOp() {
        float[] c = {1, 2};
        Gemm.sgemm(0, 2, 5, new float[0], 0, 5, 1, new float[10], 0, 2, 1, c, 0, 2, false, true);
        Gemm.sgemm(2, 0, 5, new float[10], 0, 5, 1, new float[0], 0, 0, 1, c, 0, 0, false, true);
        assertArrayEquals(new float[] {1, 2}, c);
    }

    @Test
    void oneByOne() {
        float[] c = {10};
        Gemm.sgemm(1, 1, 3, new float[] {1, 2, 3}, 0, 3, 1, new float[] {4, 5, 6}, 0, 1, 1, c, 0, 1, true, false);
        assertEquals(10 + 4 + 10 + 18, c[0]);
    }

    @Test
    void rejectsBadArguments() {
        float[] x = new float[12];
        assertThrows(IllegalArgumentException.class, () -> Gemm.sgemm(-1, 2, 2, x, 0, 2, 1, x, 0, 2, 1, x, 0, 2, false, false));
        // A is 3x4 but the array holds 12 elements only from offset 0.
        assertThrows(IllegalArgumentException.class, () -> Gemm.sgemm(3, 1, 4, x, 1, 4, 1, x, 0, 1, 1, x, 0, 1, false, false));
        assertThrows(IllegalArgumentException.class, () -> Gemm.sgemm(2, 2, 2, x, 0, 2, 1, x, 0, 2, 1, x, 11, 2, false, false));
        assertThrows(IllegalArgumentException.class, () -> Gemm.sgemm(2, 3, 1, x, 0, 1, 1, x, 0, 3, 1, x, 0, 2, false, false));
        double[] y = new double[4];
        assertThrows(IllegalArgumentException.class, () -> Gemm.dgemm(2, 2, 2, y, 0, 2, 1, y, 0, 2, -1, y, 0, 2, false, false));
    }
}

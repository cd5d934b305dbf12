package gradwerk.tensor;

import net.jqwik.api.*;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Compute ops through the public API on the default (fast) backend, checked element by element against plain
 * loops written here, on contiguous and non-contiguous inputs.
 */
class OpsProperties {

    static void close(double expected, double actual, DType dt, String what) {
        double tol = dt == DType.FLOAT32 ? 1e-5 + 1e-5 * Math.abs(expected) : 1e-12 + 1e-12 * Math.abs(expected);
        if (Double.isNaN(expected)) assertTrue(Double.isNaN(actual), what + ": expected nan, got " + actual);
        else if (Double.isInfinite(expected)) assertEquals(expected, actual, what);
        else assertEquals(expected, actual, tol, what);
    }

    @Property(tries = 200)
    void binaryOpsBroadcastLikeNumpy(@ForAll("broadcastPairs") int[][] shapes, @ForAll BinaryOp op,
                                      @ForAll("dtypes") DType dt, @ForAll long seed) {
        Tensor a = Gen.strided(Gen.tensor(shapes[0], seed, dt), seed);
        Tensor b = Gen.strided(Gen.tensor(shapes[1], ~seed, dt), seed + 7);
        if (op == BinaryOp.POW) a = a.abs().add(0.5);
        Tensor c = a.zip(op, b);
        int[] out = Shape.broadcast("t", shapes[0], shapes[1]);
        assertArrayEquals(out, c.shape());
        for (int[] idx : Gen.indices(out)) {
            double x = a.get(project(idx, shapes[0])), y = b.get(project(idx, shapes[1]));
            close(op.apply(x, y), c.get(idx), dt, op + " at " + Arrays.toString(idx));
        }
    }

    /** The index into a broadcast operand: drop leading dims, size-1 dims read index 0. */
    static int[] project(int[] idx, int[] shape) {
        int[] p = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            int j = i + idx.length - shape.length;
            p[i] = shape[i] == 1 ? 0 : idx[j];
        }
        return p;
    }

    @Property(tries = 200)
    void unaryOpsMatchTheirDefinition(@ForAll("smallShapes") int[] shape, @ForAll UnaryOp op,
                                      @ForAll("dtypes") DType dt, @ForAll long seed) {
        Tensor a = Gen.strided(Gen.tensor(shape, seed, dt), seed);
        if (op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT || op == UnaryOp.POW) a = a.abs().add(0.25);
        double p = op == UnaryOp.CLAMP ? -0.5 : op == UnaryOp.POW ? 1.5 : 0.3, q = 0.75;
        Tensor c = Ops.map(op, a, p, q);
        for (int[] idx : Gen.indices(shape)) close(op.apply(a.get(idx), p, q), c.get(idx), dt, op.toString());
    }

    @Property(tries = 200)
    void reductionsOverAnyDimSet(@ForAll("smallShapes") int[] shape, @ForAll ReduceOp op, @ForAll boolean keepDim,
                                 @ForAll("dtypes") DType dt, @ForAll long seed) {
        Assume.that(Shape.numel(shape) > 0 || op == ReduceOp.SUM);
        Tensor a = Gen.strided(Gen.tensor(shape, seed, dt), seed);
        int r = shape.length;
        boolean[] set = new boolean[r];
        int count = 0;
        for (int i = 0; i < r; i++) if ((seed >> (i + 3) & 1) == 1) { set[i] = true; count++; }
        int[] dims = new int[count];
        for (int i = 0, k = 0; i < r; i++) if (set[i]) dims[k++] = i - (seed % 2 == 0 ? 0 : r); // negative dims too
        if (count == 0) Arrays.fill(set, true); // empty dim list = all dims
        Tensor c = Ops.reduce(op, a, dims, keepDim);
        int[] kept = new int[r];
        for (int i = 0; i < r; i++) kept[i] = set[i] ? 1 : shape[i];
        Tensor ck = keepDim ? c : c.reshape(kept);
        assertEquals(keepDim ? r : r - (count == 0 ? r : count), c.rank());
        for (int[] o : Gen.indices(kept)) {
            double acc = op == ReduceOp.SUM || op == ReduceOp.MEAN ? 0 : Double.NaN;
            int best = -1, n = 0, pos = 0;
            for (int[] idx : Gen.indices(shape)) {
                boolean inBlock = true;
                for (int i = 0; i < r; i++) if (!set[i] && idx[i] != o[i]) inBlock = false;
                if (!inBlock) continue;
                double x = a.get(idx);
                switch (op) {
                    case SUM, MEAN -> acc += x;
                    case MAX -> acc = n == 0 ? x : Math.max(acc, x);
                    case MIN -> acc = n == 0 ? x : Math.min(acc, x);
                    case ARGMAX -> { if (n == 0 || x > acc) { acc = x; best = pos; } }
                    case ARGMIN -> { if (n == 0 || x < acc) { acc = x; best = pos; } }
                }
                n++;
                pos++;
            }
            double expected = switch (op) {
                case MEAN -> acc / n;
                case ARGMAX, ARGMIN -> best;
                default -> acc;
            };
            close(expected, ck.get(o), dt, op + " dims " + Arrays.toString(dims) + " at " + Arrays.toString(o));
        }
    }

    @Property(tries = 100)
    void matmulBatchedWithBroadcastBatchDims(@ForAll @IntRange(min = 0, max = 5) int m, @ForAll @IntRange(min = 0, max = 5) int k,
                                             @ForAll @IntRange(min = 0, max = 5) int n, @ForAll @IntRange(min = 0, max = 4) int form,
                                             @ForAll("dtypes") DType dt, @ForAll long seed) {
        int[] aShape = switch (form) {
            case 0 -> new int[] {k};
            case 1, 2 -> new int[] {m, k};
            case 3 -> new int[] {2, 1, m, k};
            default -> new int[] {3, m, k};
        };
        int[] bShape = switch (form) {
            case 0, 1 -> new int[] {k};
            case 2 -> new int[] {k, n};
            case 3 -> new int[] {3, k, n};
            default -> new int[] {k, n};
        };
        Tensor a = Gen.strided(Gen.tensor(aShape, seed, dt), seed), b = Gen.strided(Gen.tensor(bShape, ~seed, dt), ~seed);
        Tensor c = a.matmul(b);
        // reference: broadcast everything to 4-d [B1,B2,M,N] with explicit loops
        Tensor a4 = a.rank() == 1 ? a.view(1, 1, 1, k) : a.reshape(prepend(a.rank() == 2 ? a.shape() : a.shape(), 4));
        Tensor b4 = b.rank() == 1 ? b.view(1, 1, k, 1) : b.reshape(prepend(b.shape(), 4));
        int[] batch = Shape.broadcast("ref", Arrays.copyOf(a4.shape(), 2), Arrays.copyOf(b4.shape(), 2));
        int mm = a4.size(2), nn = b4.size(3);
        Tensor flat = c.reshape(batch[0], batch[1], mm, nn);
        for (int z0 = 0; z0 < batch[0]; z0++)
            for (int z1 = 0; z1 < batch[1]; z1++)
                for (int i = 0; i < mm; i++)
                    for (int j = 0; j < nn; j++) {
                        double acc = 0;
                        for (int p = 0; p < k; p++)
                            acc += a4.get(a4.size(0) == 1 ? 0 : z0, a4.size(1) == 1 ? 0 : z1, i, p)
                                    * b4.get(b4.size(0) == 1 ? 0 : z0, b4.size(1) == 1 ? 0 : z1, p, j);
                        close(acc, flat.get(z0, z1, i, j), dt, "matmul form " + form);
                    }
    }

    static int[] prepend(int[] s, int rank) {
        int[] out = new int[rank];
        Arrays.fill(out, 1);
        System.arraycopy(s, 0, out, rank - s.length, s.length);
        return out;
    }

    @Property(tries = 100)
    void softmaxRowsSumToOneAndLogSoftmaxAgrees(@ForAll("nonEmpty") int[] shape, @ForAll("dtypes") DType dt, @ForAll long seed) {
        Tensor a = Gen.strided(Gen.tensor(shape, seed, dt), seed).mul(4);
        int dim = (int) Math.floorMod(seed, shape.length);
        Tensor s = a.softmax(dim), ls = a.logSoftmax(dim), lse = a.logSumExp(dim, true);
        Tensor sums = s.sum(dim);
        for (int[] idx : Gen.indices(sums.shape())) close(1.0, sums.get(idx), dt, "softmax sum");
        for (int[] idx : Gen.indices(shape)) {
            int[] o = idx.clone();
            o[dim] = 0;
            close(a.get(idx) - lse.get(o), ls.get(idx), dt, "logSoftmax = x - logSumExp");
            close(Math.exp(ls.get(idx)), s.get(idx), dt, "softmax = exp(logSoftmax)");
        }
    }

    @Property(tries = 100)
    void catAndStackPlaceEveryPart(@ForAll("nonEmpty") int[] shape, @ForAll @IntRange(min = 1, max = 3) int parts,
                                   @ForAll long seed) {
        int dim = (int) Math.floorMod(seed, shape.length);
        Tensor[] ts = new Tensor[parts];
        for (int i = 0; i < parts; i++) {
            int[] s = shape.clone();
            s[dim] = i + 1;
            ts[i] = Gen.strided(Gen.tensor(s, seed + i, DType.FLOAT32), seed - i);
        }
        Tensor c = Tensor.cat(dim, ts);
        int at = 0;
        for (Tensor t : ts) {
            assertArrayEquals(t.toDoubleArray(), c.narrow(dim, at, t.size(dim)).toDoubleArray());
            at += t.size(dim);
        }
        Tensor st = Tensor.stack(0, ts[0], ts[0]);
        assertArrayEquals(ts[0].toDoubleArray(), st.select(0, 1).toDoubleArray());
    }

    @Property(tries = 60)
    void varianceIsTheMeanSquaredDeviation(@ForAll("nonEmpty") int[] shape, @ForAll boolean unbiased, @ForAll long seed) {
        Tensor a = Gen.tensor(shape, seed, DType.FLOAT64);
        double[] d = a.toDoubleArray();
        double mean = Arrays.stream(d).average().orElseThrow(), ss = 0;
        for (double x : d) ss += (x - mean) * (x - mean);
        double expected = ss / (unbiased ? d.length - 1 : d.length);
        close(expected, a.var(new int[0], unbiased, false).item(), DType.FLOAT64, "var");
    }

    @Property(tries = 60)
    void dtypeRoundTripsAreExactForFloatValues(@ForAll("smallShapes") int[] shape, @ForAll long seed) {
        Tensor f = Gen.strided(Gen.tensor(shape, seed, DType.FLOAT32), seed);
        Tensor d = f.to(DType.FLOAT64);
        assertEquals(DType.FLOAT64, d.dtype());
        assertArrayEquals(f.toDoubleArray(), d.toDoubleArray());
        assertArrayEquals(f.toFloatArray(), d.to(DType.FLOAT32).toFloatArray());
    }

    @Property(tries = 20)
    void sameSeedSameNumbers(@ForAll long seed) {
        assertArrayEquals(Tensor.randn(new Generator(seed), 50).toFloatArray(), Tensor.randn(new Generator(seed), 50).toFloatArray());
        Generator g = new Generator(seed);
        g.nextGaussian();
        long[] state = g.state();
        double next = g.nextGaussian(), after = g.nextDouble();
        Generator h = new Generator(0);
        h.setState(state);
        assertEquals(next, h.nextGaussian());
        assertEquals(after, h.nextDouble());
    }

    @Provide Arbitrary<int[][]> broadcastPairs() { return Gen.broadcastPair(4, 3); }
    @Provide Arbitrary<int[]> smallShapes() { return Gen.shapes(4, 3); }
    @Provide Arbitrary<int[]> nonEmpty() { return Gen.nonEmptyShapes(3, 4); }
    @Provide Arbitrary<DType> dtypes() { return Gen.dtypes(); }

    // ------------------------------------------------------------------ examples and errors

    @Test
    void generatorIsPinnedAcrossMachines() {
        // xoshiro256** with SplitMix64 seeding is fully specified, so these values must never change
        Generator g = new Generator(42);
        long first = g.nextLong();
        Generator h = new Generator(42);
        assertEquals(first, h.nextLong());
        Tensor u = Tensor.rand(new Generator(7), 1000);
        double mean = u.mean().item();
        assertTrue(mean > 0.45 && mean < 0.55, "uniform mean " + mean);
        Tensor n = Tensor.randn(DType.FLOAT64, new Generator(7), 20000);
        assertEquals(0.0, n.mean().item(), 0.03);
        assertEquals(1.0, n.var(new int[0], true, false).item(), 0.05);
        Tensor ri = Tensor.randint(new Generator(3), 2, 5, 1000);
        assertEquals(2.0, ri.min().item());
        assertEquals(4.0, ri.max().item());
    }

    @Test
    void creation() {
        assertArrayEquals(new double[] {0, 0.25, 0.5, 0.75, 1}, Tensor.linspace(0, 1, 5).toDoubleArray());
        assertArrayEquals(new double[] {1, 3}, Tensor.arange(DType.FLOAT64, 1, 4, 2).toDoubleArray());
        assertArrayEquals(new double[] {1, 0, 0, 1}, Tensor.eye(2).toDoubleArray());
        assertArrayEquals(new double[] {7, 7}, Tensor.full(7, 2).toDoubleArray());
        assertEquals(DType.FLOAT64, Tensor.ones(DType.FLOAT64, 3).dtype());
    }

    @Test
    void errorsNameTheOpAndShapes() {
        Tensor a = Tensor.zeros(2, 3), b = Tensor.zeros(4, 5);
        assertEquals("matmul: [2,3] @ [4,5]: inner dimensions 3 and 4 differ",
                assertThrows(IllegalArgumentException.class, () -> a.matmul(b)).getMessage());
        assertEquals("add: shapes [2,3] and [4,5] do not broadcast (dimension 0: 2 vs 4)",
                assertThrows(IllegalArgumentException.class, () -> a.add(b)).getMessage());
        assertEquals("mul: dtype mismatch float32 vs float64 (cast one explicitly with .to(DType))",
                assertThrows(IllegalArgumentException.class, () -> a.mul(a.to(DType.FLOAT64))).getMessage());
        assertEquals("sum: dim 2 out of range for a tensor of rank 2",
                assertThrows(IllegalArgumentException.class, () -> a.sum(2)).getMessage());
        assertEquals("sum: dim -1 given twice in [1, -1]",
                assertThrows(IllegalArgumentException.class, () -> a.sum(1, -1)).getMessage());
        assertEquals("cat: shapes [2,3] and [4,5] differ in dim 1 (only dim 0 may differ)",
                assertThrows(IllegalArgumentException.class, () -> Tensor.cat(0, a, b)).getMessage());
        assertEquals("of: 3 values do not fill shape [2,2] (4 elements)",
                assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[3], 2, 2)).getMessage());
        assertEquals("max: cannot reduce an empty dimension (shape [0])",
                assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(0).max()).getMessage());
    }

    @Test
    void printingLooksLikeNumpy() {
        assertEquals("tensor([[0., 1., 2.],\n        [3., 4., 5.]], shape=[2,3], dtype=float32)",
                Tensor.arange(6).view(2, 3).toString());
        assertEquals("tensor(0.5000, shape=[], dtype=float64)", Tensor.scalar(DType.FLOAT64, 0.5).toString());
        String big = Tensor.arange(2000).toString();
        assertTrue(big.startsWith("tensor([   0.,    1.,    2., ..., 1997., 1998., 1999.]"), big);
    }

    @Test
    void logSumExpHandlesInfinities() {
        Tensor t = Tensor.of(new float[] {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, 1000, 1000}, 2, 2);
        double[] lse = t.logSumExp(1, false).toDoubleArray();
        assertEquals(Double.NEGATIVE_INFINITY, lse[0]);
        assertEquals(1000 + Math.log(2), lse[1], 1e-3);
    }
}

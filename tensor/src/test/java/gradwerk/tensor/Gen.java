package gradwerk.tensor;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

import java.util.Arrays;

/** jqwik generators shared by the tensor tests: shapes, data, and non-contiguous views of it. */
public final class Gen {
    private Gen() {}

    /** Shapes of rank 0..maxRank with sizes 0..maxSize (sizes 0 and 1 included on purpose). */
    public static Arbitrary<int[]> shapes(int maxRank, int maxSize) {
        return Arbitraries.integers().between(0, maxSize).array(int[].class).ofMinSize(0).ofMaxSize(maxRank);
    }

    /** Shapes with every size >= 1. */
    public static Arbitrary<int[]> nonEmptyShapes(int maxRank, int maxSize) {
        return Arbitraries.integers().between(1, maxSize).array(int[].class).ofMinSize(1).ofMaxSize(maxRank);
    }

    /** A tensor of the given shape with values from a seed, as float64 (exactly representable in float32). */
    public static Tensor tensor(int[] shape, long seed, DType dtype) {
        Generator g = new Generator(seed);
        double[] d = new double[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = Math.round(g.nextGaussian() * 64) / 16.0;
        return Tensor.of(d, shape).to(dtype);
    }

    /**
     * The same logical tensor stored in a non-contiguous way: a permuted, strided, offset view into a larger
     * storage. {@code layout} picks the permutation and padding.
     */
    public static Tensor strided(Tensor t, long layout) {
        int r = t.rank();
        Generator g = new Generator(layout);
        int[] perm = new int[r];
        for (int i = 0; i < r; i++) perm[i] = i;
        g.shuffle(perm);
        // big storage of shape perm(shape) with each dim padded, then sliced and permuted back
        int[] shape = t.shape();
        int[] bigShape = new int[r];
        int[] step = new int[r];
        for (int i = 0; i < r; i++) {
            step[i] = 1 + g.nextInt(2);
            bigShape[i] = shape[perm[i]] * step[i] + g.nextInt(2);
        }
        Tensor big = Tensor.full(t.dtype(), Double.NaN, bigShape);
        Tensor view = big;
        for (int i = 0; i < r; i++) view = view.slice(i, 0, shape[perm[i]] * step[i], step[i]);
        int[] inverse = new int[r];
        for (int i = 0; i < r; i++) inverse[perm[i]] = i;
        view = view.permute(inverse);
        view.copyFrom(t);
        if (!Arrays.equals(view.shape(), shape)) throw new AssertionError("strided view has the wrong shape");
        return view;
    }

    /** Iterates over all multi-indices of a shape in row-major order. */
    public static Iterable<int[]> indices(int[] shape) {
        return () -> new java.util.Iterator<>() {
            final int n = Shape.numel(shape);
            int i = 0;

            public boolean hasNext() { return i < n; }

            public int[] next() {
                int[] idx = new int[shape.length];
                int rest = i++;
                for (int d = shape.length - 1; d >= 0; d--) {
                    idx[d] = rest % shape[d];
                    rest /= shape[d];
                }
                return idx;
            }
        };
    }

    public static Arbitrary<DType> dtypes() {
        return Arbitraries.of(DType.FLOAT32, DType.FLOAT64);
    }

    static Arbitrary<int[][]> broadcastPair(int maxRank, int maxSize) {
        return nonEmptyShapes(maxRank, maxSize).flatMap(out -> {
            Arbitrary<int[]> a = masked(out), b = masked(out);
            return Combinators.combine(a, b).as((x, y) -> new int[][] {x, y});
        });
    }

    /** A shape that broadcasts to out: a suffix of out with some sizes replaced by 1. */
    private static Arbitrary<int[]> masked(int[] out) {
        return Arbitraries.integers().between(0, out.length).flatMap(drop ->
                Arbitraries.integers().between(0, (1 << out.length) - 1).map(mask -> {
                    int[] s = Arrays.copyOfRange(out, drop, out.length);
                    for (int i = 0; i < s.length; i++) if ((mask >> i & 1) == 1) s[i] = 1;
                    return s;
                }));
    }
}

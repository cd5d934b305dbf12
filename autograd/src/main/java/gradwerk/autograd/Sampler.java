package gradwerk.autograd;

import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

import java.util.Arrays;

/**
 * The random choices a {@link CheckCase} makes: small shapes, broadcast pairs, dim sets, and float64 inputs whose
 * values stay away from the op's kinks (where central differences straddle a corner and disagree with any
 * one-sided derivative) and whose memory layout is random: contiguous, permuted, or strided with an offset.
 *
 * <p>Seeded: the same seed draws the same instance on every machine (see {@link Generator}).
 */
public final class Sampler {
    /** Values are kept at least this far from kinks and from each other (far larger than GradCheck.EPS). */
    public static final double MARGIN = 0.1;

    private final Generator g;

    public Sampler(long seed) {
        this.g = new Generator(seed);
    }

    // ---------------------------------------------------------------- plain choices

    /** Uniform in [0, bound). */
    public int nextInt(int bound) { return g.nextInt(bound); }

    /** Uniform in [low, high]. */
    public int between(int low, int high) { return low + g.nextInt(high - low + 1); }

    public boolean coin() { return g.nextInt(2) == 0; }

    public double uniform(double low, double high) { return low + (high - low) * g.nextDouble(); }

    // ---------------------------------------------------------------- shapes and dims

    /** Rank in [minRank, maxRank], every size in [1, maxSize]. */
    public int[] shape(int minRank, int maxRank, int maxSize) {
        int[] s = new int[between(minRank, maxRank)];
        for (int i = 0; i < s.length; i++) s[i] = between(1, maxSize);
        return s;
    }

    /**
     * Two shapes that broadcast against each other: each is a suffix of a common shape with some sizes set to 1
     * (so one side may have fewer dims, size-1 dims on either side).
     */
    public int[][] broadcastPair(int maxRank, int maxSize) {
        int[] full = shape(1, maxRank, maxSize);
        return new int[][] {broadcastable(full), broadcastable(full)};
    }

    /** A shape that broadcasts to {@code full}: a suffix with some sizes replaced by 1. */
    public int[] broadcastable(int[] full) {
        int[] s = Arrays.copyOfRange(full, nextInt(full.length + 1), full.length);
        for (int i = 0; i < s.length; i++) if (nextInt(3) == 0) s[i] = 1;
        return s;
    }

    /** A random set of dims of a tensor of this rank: sometimes empty (= all dims), some given as negative. */
    public int[] dims(int rank) {
        int[] picked = new int[rank];
        int n = 0;
        for (int d = 0; d < rank; d++) if (coin()) picked[n++] = coin() ? d : d - rank;
        return Arrays.copyOf(picked, n);
    }

    // ---------------------------------------------------------------- float64 inputs, each in a random layout

    /** Standard normal values. */
    public Tensor normal(int... shape) {
        double[] d = new double[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = g.nextGaussian();
        return layout(Tensor.of(d, shape));
    }

    /** Uniform values in [low, high]. */
    public Tensor uniform(double low, double high, int... shape) {
        double[] d = new double[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = uniform(low, high);
        return layout(Tensor.of(d, shape));
    }

    /** Normal values moved at least {@link #MARGIN} away from every kink (relu at 0, clamp at its bounds...). */
    public Tensor awayFrom(int[] shape, double... kinks) {
        double[] d = new double[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) {
            double x;
            do x = g.nextGaussian() * 1.5; while (nearAny(x, kinks));
            d[i] = x;
        }
        return layout(Tensor.of(d, shape));
    }

    private static boolean nearAny(double x, double[] kinks) {
        for (double k : kinks) if (Math.abs(x - k) < MARGIN) return true;
        return false;
    }

    /**
     * Uniform values in [low, high] whose fractional part stays in [MARGIN, 1 - MARGIN]: away from the integers,
     * where floor-based ops (sampling coordinates, nearest-neighbour indexing) jump.
     */
    public Tensor awayFromIntegers(double low, double high, int... shape) {
        double[] d = new double[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) {
            double x;
            do x = uniform(low, high); while (x - Math.floor(x) < MARGIN || Math.ceil(x) - x < MARGIN);
            d[i] = x;
        }
        return layout(Tensor.of(d, shape));
    }

    /** Values with no ties: a shuffled ladder with steps of 2·MARGIN, so max and min have one clear winner. */
    public Tensor distinct(int... shape) {
        int n = Shape.numel(shape);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        g.shuffle(order);
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = (order[i] - n / 2.0) * 2 * MARGIN + uniform(-0.5, 0.5) * MARGIN;
        return layout(Tensor.of(d, shape));
    }

    /**
     * Values on the grid {@code k/2 + offset}, k integer: inputs drawn with offsets 0 and 0.25 differ by at least
     * 0.25 everywhere, whatever broadcasting pairs them (for maximum/minimum, whose kink is a tie).
     */
    public Tensor onGrid(double offset, int... shape) {
        double[] d = new double[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = Math.round(g.nextGaussian() * 2) / 2.0 + offset;
        return layout(Tensor.of(d, shape));
    }

    /**
     * The same values in a random memory layout: a contiguous copy, a permutation of a contiguous buffer, or a
     * permuted view taking every other element of a larger buffer at an offset. Leaves stay free of overlapping
     * (stride-0) dims, since a gradient check perturbs their elements one at a time.
     */
    public Tensor layout(Tensor t) {
        int kind = nextInt(3), r = t.rank();
        if (kind == 0 || r == 0) return t.copy();
        int[] perm = new int[r];
        for (int i = 0; i < r; i++) perm[i] = i;
        g.shuffle(perm);
        int step = kind == 2 ? 2 : 1, start = kind == 2 ? 1 : 0;
        int[] bigShape = new int[r];
        for (int i = 0; i < r; i++) bigShape[i] = t.size(perm[i]) * step + start;
        Tensor view = Tensor.full(DType.FLOAT64, Double.NaN, bigShape); // NaN: reading a gap would show
        for (int i = 0; i < r; i++) view = view.slice(i, start, bigShape[i], step);
        int[] inverse = new int[r];
        for (int i = 0; i < r; i++) inverse[perm[i]] = i;
        view = view.permute(inverse);
        view.copyFrom(t.to(DType.FLOAT64));
        return view;
    }
}

package gradwerk.tensor.opencl;

import gradwerk.tensor.ReduceOp;
import static gradwerk.tensor.opencl.OpenClTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Reductions along every dimension of strided views, and softmax, against plain Java. */
class ReductionTest {
    /** Plain-Java reduction of {@code x} along {@code dim} of {@code shape}; the result has the dim removed. */
    static double[] reduceRef(ReduceOp op, double[] x, int[] shape, int dim) {
        int outer = 1, inner = 1, n = shape[dim];
        for (int d = 0; d < dim; d++) outer *= shape[d];
        for (int d = dim + 1; d < shape.length; d++) inner *= shape[d];
        double[] out = new double[outer * inner];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++) {
                double acc = switch (op) {
                    case SUM, MEAN -> 0;
                    case MAX -> Double.NEGATIVE_INFINITY;
                    case MIN -> Double.POSITIVE_INFINITY;
                    case ARGMAX, ARGMIN -> -1;
                };
                double best = 0;
                for (int r = 0; r < n; r++) {
                    double v = x[(o * n + r) * inner + i];
                    switch (op) {
                        case SUM, MEAN -> acc += v;
                        case MAX -> acc = Math.max(acc, v);
                        case MIN -> acc = Math.min(acc, v);
                        case ARGMAX -> { if (acc < 0 || v > best) { best = v; acc = r; } }
                        case ARGMIN -> { if (acc < 0 || v < best) { best = v; acc = r; } }
                    }
                }
                out[o * inner + i] = op == ReduceOp.MEAN ? acc / n : acc;
            }
        return out;
    }

    /** Sums may differ by rounding: allow float error proportional to the summed magnitudes. */
    static double tol(ClType t, ReduceOp op, int n) {
        return op == ReduceOp.SUM || op == ReduceOp.MEAN ? tolerance(t) * 4 * n : tolerance(t);
    }

    @ParameterizedTest
    @EnumSource(ReduceOp.class)
    void everyDimensionOfStridedViews(ReduceOp op) {
        OpenClContext ctx = context();
        Random rnd = new Random(op.ordinal());
        int[][] shapes = {{1, 1}, {3, 1}, {1, 7}, {33, 17}, {7, 1025}, {4, 5, 6}, {2, 3, 300}};
        for (ClType t : types(ctx))
            for (int[] shape : shapes)
                for (Kind k : Kind.values())
                    for (int dim = 0; dim < shape.length; dim++) {
                        Sample x = sample(ctx, t, k, isArg(op) ? ties(rnd) : OpenClTestSupport.uniform(rnd, -2, 2),
                                shape);
                        int[] outShape = remove(shape, dim);
                        Sample out = output(ctx, t, dim == 0 ? Kind.STEPPED : Kind.CONTIGUOUS, outShape);
                        ctx.kernels().reduce(op, x.view(), dim, out.view());
                        double[] want = reduceRef(op, x.values(), shape, dim);
                        for (int i = 0; i < want.length; i++) want[i] = round(t, want[i]);
                        assertOutput(op + " " + t + " " + str(shape) + " " + k + " dim " + dim, out, want,
                                tol(t, op, shape[dim]));
                    }
    }

    @ParameterizedTest
    @EnumSource(ReduceOp.class)
    void longRowsSplitIntoParts(ReduceOp op) {
        OpenClContext ctx = context();
        Random rnd = new Random(50 + op.ordinal());
        ClReductions r = ctx.kernels().reductions();
        for (ClType t : types(ctx))
            for (int parts : new int[] {0, 3, 64}) { // 0: the default choice, which splits a single long row too
                r.forceParts = parts;
                try {
                    for (int[] shape : new int[][] {{1, 100_003}, {3, 5000}}) {
                        Sample x = sample(ctx, t, Kind.STEPPED, isArg(op) ? ties(rnd) : uniform(rnd, -1, 1), shape);
                        Sample out = output(ctx, t, Kind.CONTIGUOUS, shape[0]);
                        ctx.kernels().reduce(op, x.view(), 1, out.view());
                        double[] want = reduceRef(op, x.values(), shape, 1);
                        assertOutput(op + " " + t + " " + str(shape) + " parts " + parts, out, want,
                                tol(t, op, shape[1]));
                    }
                } finally {
                    r.forceParts = 0;
                }
            }
    }

    @Test
    void keepDimOutputAndNegativeDim() {
        OpenClContext ctx = context();
        for (ClType t : types(ctx)) {
            Sample x = sample(ctx, t, Kind.TRANSPOSED, uniform(new Random(9), -1, 1), 6, 4, 5);
            Sample out = output(ctx, t, Kind.CONTIGUOUS, 6, 1, 5);
            ctx.kernels().reduce(ReduceOp.MAX, x.view(), -2, out.view());
            assertOutput("keepdim " + t, out, reduceRef(ReduceOp.MAX, x.values(), new int[] {6, 4, 5}, 1), 0);
        }
    }

    @Test
    void argmaxTakesTheFirstOfEqualMaxima() {
        OpenClContext ctx = context();
        for (ClType t : types(ctx)) {
            double[] row = new double[3000];
            row[17] = 5;
            row[2500] = 5;
            row[40] = 5;
            ClView x = ClView.contiguous(upload(ctx, t, row), t, 1, row.length);
            ClView out = ClView.allocate(ctx, t, 1);
            ctx.kernels().reduce(ReduceOp.ARGMAX, x, 1, out);
            assertClose("argmax ties " + t, new double[] {17}, out.toDoubleArray(), 0);
        }
    }

    @Test
    void emptyDimensions() {
        OpenClContext ctx = context();
        ClView x = ClView.allocate(ctx, ClType.FLOAT, 3, 0);
        ClView out = ClView.allocate(ctx, ClType.FLOAT, 3);
        ctx.kernels().reduce(ReduceOp.SUM, x, 1, out);
        assertClose("sum of nothing", new double[3], out.toDoubleArray(), 0);
        ctx.kernels().reduce(ReduceOp.MAX, x, 1, out); // the identity, as the scalar reference backend gives
        assertClose("max of nothing", new double[] {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY,
                Double.NEGATIVE_INFINITY}, out.toDoubleArray(), 0);
        ctx.kernels().reduce(ReduceOp.MEAN, x, 1, out);
        assertClose("mean of nothing", new double[] {Double.NaN, Double.NaN, Double.NaN}, out.toDoubleArray(), 0);
        assertThrows(IllegalArgumentException.class,
                () -> ctx.kernels().reduce(ReduceOp.SUM, x, 0, ClView.allocate(ctx, ClType.FLOAT, 3)));
    }

    // ---- softmax -------------------------------------------------------------------------------------------------

    static double[] softmaxRef(double[] x, int cols, boolean log) {
        double[] y = new double[x.length];
        for (int r = 0; r < x.length / cols; r++) {
            double m = Double.NEGATIVE_INFINITY, s = 0;
            for (int c = 0; c < cols; c++) m = Math.max(m, x[r * cols + c]);
            for (int c = 0; c < cols; c++) s += Math.exp(x[r * cols + c] - m);
            for (int c = 0; c < cols; c++)
                y[r * cols + c] = log ? x[r * cols + c] - m - Math.log(s) : Math.exp(x[r * cols + c] - m) / s;
        }
        return y;
    }

    @Test
    void softmaxAndLogSoftmax() {
        OpenClContext ctx = context();
        Random rnd = new Random(21);
        int[][] shapes = {{1, 1}, {5, 3}, {17, 300}, {2, 1000}, {3, 4, 129}};
        for (ClType t : types(ctx))
            for (int[] shape : shapes)
                for (Kind k : Kind.values())
                    for (boolean log : new boolean[] {false, true}) {
                        // values up to +-200: exp() of them overflows float unless the row maximum is subtracted
                        Sample x = sample(ctx, t, k, uniform(rnd, -200, 200), shape);
                        Sample out = output(ctx, t, k == Kind.REVERSED ? Kind.STEPPED : Kind.CONTIGUOUS, shape);
                        ctx.kernels().softmax(x.view(), out.view(), log);
                        double[] want = softmaxRef(x.values(), shape[shape.length - 1], log);
                        assertOutput((log ? "log-softmax " : "softmax ") + t + " " + str(shape) + " " + k, out,
                                want, tolerance(t) * 8);
                    }
    }

    @Test
    void softmaxInPlace() {
        OpenClContext ctx = context();
        for (ClType t : types(ctx)) {
            Sample x = sample(ctx, t, Kind.CONTIGUOUS, uniform(new Random(4), -3, 3), 8, 33);
            double[] want = softmaxRef(x.values(), 33, false);
            ctx.kernels().softmax(x.view(), x.view(), false);
            assertClose("softmax in place " + t, want, x.view().toDoubleArray(), tolerance(t) * 8);
        }
    }

    private static boolean isArg(ReduceOp op) {
        return op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN;
    }

    private static int[] remove(int[] a, int i) {
        int[] r = new int[a.length - 1];
        System.arraycopy(a, 0, r, 0, i);
        System.arraycopy(a, i + 1, r, i, a.length - i - 1);
        return r;
    }
}

package gradwerk.autograd;

import gradwerk.tensor.Tensor;
import net.jqwik.api.*;
import net.jqwik.api.constraints.IntRange;

import java.util.Arrays;
import java.util.List;

/**
 * Gradient checks of reductions, softmax, matmul and views over jqwik-chosen shapes, dim sets and layouts.
 */
class StructuredGradProperties {

    record Reduction(String op, Tensor x, int[] dims, boolean keepDim, GradGen.Layout layout) {
        @Override
        public String toString() { return op + " " + Arrays.toString(x.shape()) + " dims " + Arrays.toString(dims) + " keepDim " + keepDim + " " + layout; }
    }

    /** A dim subset of a rank: each dim in or out, some written as negative numbers. */
    static Arbitrary<int[]> dimSets(int rank) {
        return Arbitraries.integers().between(0, (1 << (2 * rank)) - 1).map(bits -> {
            int[] dims = new int[rank];
            int n = 0;
            for (int d = 0; d < rank; d++) if ((bits >> d & 1) == 1) dims[n++] = (bits >> (rank + d) & 1) == 1 ? d - rank : d;
            return Arrays.copyOf(dims, n);
        });
    }

    @Provide
    Arbitrary<Reduction> reductions() {
        return Combinators.combine(Arbitraries.of("sum", "mean", "max", "min", "var", "varUnbiased"), GradGen.shapes(0, 3, 4),
                        Arbitraries.of(true, false), GradGen.layouts())
                .flatAs((op, shape, keepDim, layout) -> {
                    Arbitrary<Tensor> values = op.equals("max") || op.equals("min") ? GradGen.distinctValues(shape) : GradGen.values(shape);
                    return Combinators.combine(values, dimSets(shape.length)).as((x, dims) -> new Reduction(op, x, dims, keepDim, layout));
                });
    }

    @Property(tries = 80)
    void reductionsOverAnyDimSet(@ForAll("reductions") Reduction r) {
        int[] dims = r.dims();
        boolean keep = r.keepDim();
        if (r.op().equals("varUnbiased")) {
            int count = 1;
            boolean[] set = gradwerk.tensor.Shape.dimSet("var", dims, r.x().rank());
            for (int i = 0; i < set.length; i++) if (set[i]) count *= r.x().size(i);
            Assume.that(count > 1);
        }
        GradGen.check(r.op(), List.of(GradGen.input(r.layout(), r.x())), v -> switch (r.op()) {
            case "sum" -> v[0].sum(dims, keep);
            case "mean" -> v[0].mean(dims, keep);
            case "max" -> v[0].max(dims, keep);
            case "min" -> v[0].min(dims, keep);
            case "var" -> v[0].var(dims, false, keep);
            default -> v[0].var(dims, true, keep);
        });
    }

    @Property(tries = 40)
    void softmaxFamilyAlongAnyDim(@ForAll("softmaxCases") Reduction c) {
        int dim = c.dims()[0];
        GradGen.check(c.op(), List.of(GradGen.input(c.layout(), c.x())), v -> switch (c.op()) {
            case "softmax" -> v[0].softmax(dim);
            case "logSoftmax" -> v[0].logSoftmax(dim);
            default -> v[0].logSumExp(dim, c.keepDim());
        });
    }

    @Provide
    Arbitrary<Reduction> softmaxCases() {
        return Combinators.combine(Arbitraries.of("softmax", "logSoftmax", "logSumExp"), GradGen.shapes(1, 3, 4),
                        Arbitraries.of(true, false), GradGen.layouts())
                .flatAs((op, shape, keepDim, layout) -> Combinators.combine(GradGen.values(shape),
                                Arbitraries.integers().between(-shape.length, shape.length - 1))
                        .as((x, dim) -> new Reduction(op, x, new int[] {dim}, keepDim, layout)));
    }

    @Property(tries = 50)
    void matmulInEveryForm(@ForAll @IntRange(min = 0, max = 5) int form, @ForAll @IntRange(min = 1, max = 3) int m,
                           @ForAll @IntRange(min = 1, max = 3) int k, @ForAll @IntRange(min = 1, max = 3) int n,
                           @ForAll("layouts") GradGen.Layout la, @ForAll("layouts") GradGen.Layout lb, @ForAll long seed) {
        int[][] shapes = switch (form) {
            case 0 -> new int[][] {{k}, {k}};
            case 1 -> new int[][] {{m, k}, {k}};
            case 2 -> new int[][] {{k}, {k, n}};
            case 3 -> new int[][] {{m, k}, {k, n}};
            case 4 -> new int[][] {{2, 1, m, k}, {3, k, n}};
            default -> new int[][] {{k}, {2, k, n}};
        };
        Sampler s = new Sampler(seed);
        GradGen.check("matmul", List.of(GradGen.input(la, s.normal(shapes[0]).contiguous()),
                GradGen.input(lb, s.normal(shapes[1]).contiguous())), v -> v[0].matmul(v[1]));
    }

    /** A chain of views (the kind of indexing model code does), then a weighted sum so every element matters. */
    @Property(tries = 50)
    void chainsOfViews(@ForAll("shapes4") int[] shape, @ForAll("layouts") GradGen.Layout layout, @ForAll long seed) {
        Sampler s = new Sampler(seed);
        Tensor x = s.normal(shape).contiguous();
        int step = s.between(1, 2), start = s.nextInt(shape[0]), index = s.nextInt(shape[2]);
        GradGen.check("view chain", List.of(GradGen.input(layout, x)), v -> {
            Variable y = v[0].permute(2, 0, 1)        // [c, a, b]
                    .select(0, index)                  // [a, b]
                    .slice(0, start, shape[0], step)   // every step-th row from start
                    .unsqueeze(1)                      // [rows, 1, b]
                    .expand(-1, 2, -1)                 // [rows, 2, b], stride 0
                    .transpose(0, 2)                   // [b, 2, rows]
                    .reshape(-1);                      // a copy: the strides do not allow a view
            Variable weights = Variable.constant(Tensor.arange(gradwerk.tensor.DType.FLOAT64, 1, y.numel() + 1, 1));
            return y.mul(weights).sum();
        });
    }

    @Provide
    Arbitrary<int[]> shapes4() { return GradGen.shapes(3, 3, 4); }

    @Provide
    Arbitrary<GradGen.Layout> layouts() { return GradGen.layouts(); }
}

package gradwerk.autograd;

import gradwerk.tensor.DType;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * jqwik generators for gradient-check properties: shapes, broadcast pairs, float64 values kept away from kinks,
 * and inputs presented to an op in a non-contiguous way (permuted, sliced with a step, expanded with stride 0).
 * All of them shrink, so a failing property reports a small shape.
 */
public final class GradGen {
    private GradGen() {}

    /** Rank in [minRank, maxRank], sizes in [1, maxSize]. */
    public static Arbitrary<int[]> shapes(int minRank, int maxRank, int maxSize) {
        return Arbitraries.integers().between(1, maxSize).array(int[].class).ofMinSize(minRank).ofMaxSize(maxRank);
    }

    /** Two shapes that broadcast: suffixes of a common shape with some sizes replaced by 1. */
    public static Arbitrary<int[][]> broadcastPairs(int maxRank, int maxSize) {
        return shapes(1, maxRank, maxSize).flatMap(full -> Combinators.combine(broadcastable(full), broadcastable(full))
                .as((a, b) -> new int[][] {a, b}));
    }

    /** A shape that broadcasts to full. */
    public static Arbitrary<int[]> broadcastable(int[] full) {
        return Combinators.combine(Arbitraries.integers().between(0, full.length),
                Arbitraries.integers().between(0, (1 << full.length) - 1)).as((drop, mask) -> {
            int[] s = Arrays.copyOfRange(full, drop, full.length);
            for (int i = 0; i < s.length; i++) if ((mask >> i & 1) == 1) s[i] = 1;
            return s;
        });
    }

    /** float64 values in [-3, 3]. */
    public static Arbitrary<Tensor> values(int[] shape) {
        return between(shape, -3, 3);
    }

    /** float64 values in [-3, 3], each at least {@link Sampler#MARGIN} from every kink. */
    public static Arbitrary<Tensor> awayFrom(int[] shape, double... kinks) {
        return between(shape, -3, 3, kinks);
    }

    /** float64 values in [low, high] (multiples of 0.001), each at least {@link Sampler#MARGIN} from every kink. */
    public static Arbitrary<Tensor> between(int[] shape, double low, double high, double... kinks) {
        Arbitrary<Double> one = Arbitraries.doubles().between(low, high).ofScale(3)
                .filter(x -> Arrays.stream(kinks).allMatch(k -> Math.abs(x - k) >= Sampler.MARGIN));
        return one.list().ofSize(Shape.numel(shape))
                .map(list -> Tensor.of(list.stream().mapToDouble(Double::doubleValue).toArray(), shape.clone()));
    }

    /** float64 values in [low, high] away from the integers (for floor-based ops such as sampling coordinates). */
    public static Arbitrary<Tensor> awayFromIntegers(int[] shape, double low, double high) {
        return Arbitraries.doubles().between(low, high).ofScale(3)
                .filter(x -> x - Math.floor(x) >= Sampler.MARGIN && Math.ceil(x) - x >= Sampler.MARGIN)
                .list().ofSize(Shape.numel(shape))
                .map(list -> Tensor.of(list.stream().mapToDouble(Double::doubleValue).toArray(), shape.clone()));
    }

    /** Values with no two closer than 2·MARGIN (no ties for max/min). */
    public static Arbitrary<Tensor> distinctValues(int[] shape) {
        int n = Shape.numel(shape);
        return Arbitraries.shuffle(java.util.stream.IntStream.range(0, n).boxed().toList())
                .map(order -> Tensor.of(order.stream().mapToDouble(i -> (i - n / 2.0) * 2 * Sampler.MARGIN).toArray(), shape.clone()));
    }

    /** How an op's input is laid out in memory. */
    public enum Layout { CONTIGUOUS, PERMUTED, SLICED, EXPANDED }

    public static Arbitrary<Layout> layouts() {
        return Arbitraries.of(Layout.class);
    }

    /**
     * An input for a gradient check: the leaf tensor that is perturbed, and how the function presents it to the op
     * (EXPANDED: the leaf is one slice of the values, expanded inside the function, so the op sees stride 0).
     */
    public record Input(Tensor leaf, UnaryOperator<Variable> present, Layout layout) {
        public Variable apply(Variable leafVariable) { return present.apply(leafVariable); }
    }

    public static Input input(Layout layout, Tensor values) {
        int r = values.rank();
        int[] shape = values.shape();
        switch (layout) {
            case PERMUTED -> { // stored with the dims reversed, viewed back in order
                int[] reverse = new int[r];
                for (int i = 0; i < r; i++) reverse[i] = r - 1 - i;
                return new Input(values.permute(reverse).copy().permute(reverse), v -> v, layout);
            }
            case SLICED -> { // every other element of a larger buffer, starting at an offset
                int[] big = new int[r];
                for (int i = 0; i < r; i++) big[i] = 2 * shape[i] + 1;
                Tensor view = Tensor.full(DType.FLOAT64, Double.NaN, big);
                for (int i = 0; i < r; i++) view = view.slice(i, 1, big[i], 2);
                return new Input(view.copyFrom(values), v -> v, layout);
            }
            case EXPANDED -> {
                int d = 0;
                while (d < r && shape[d] == 1) d++;
                if (d == r) return new Input(values.copy(), v -> v, Layout.CONTIGUOUS);
                int dim = d;
                return new Input(values.narrow(dim, 0, 1).copy(), v -> v.expand(shape), layout);
            }
            default -> {
                return new Input(values.copy(), v -> v, layout);
            }
        }
    }

    /** Asserts that f passes a gradient check at the given inputs (each leaf presented through its layout). */
    public static GradCheck.Result check(String name, List<Input> inputs, java.util.function.Function<Variable[], Variable> f) {
        Tensor[] leaves = inputs.stream().map(Input::leaf).toArray(Tensor[]::new);
        String label = name + " " + inputs.stream().map(i -> Shape.str(i.leaf().shape()) + " " + i.layout()).toList();
        GradCheck.Problem p = GradCheck.Problem.of(label, v -> {
            Variable[] presented = new Variable[v.length];
            for (int i = 0; i < v.length; i++) presented[i] = inputs.get(i).apply(v[i]);
            return f.apply(presented);
        }, leaves);
        return GradCheck.assertPasses(name, p, GradCheck.Mode.AUTO, 1);
    }
}

package gradwerk.autograd;

import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;

/**
 * Gradient checking: compares the gradients the engine computes (analytic) with central differences of the
 * function itself (numeric), {@code (f(x + eps) - f(x - eps)) / 2eps}, in float64.
 *
 * <p>An entry passes when {@code |analytic - numeric| <= ATOL + RTOL * |numeric|}, PyTorch's gradcheck convention.
 * Small problems compare the full Jacobian, entry by entry (one backward pass per output element, two forward
 * passes per input element). Large ones compare random projections {@code vᵀ J u} instead (one backward pass and
 * two forward passes per input), PyTorch's fast mode; when a projection disagrees, the worst input element is
 * still located from {@code vᵀ J} if the input is not huge.
 *
 * <p>A failure names the op, the case, the input, the worst element's index, and both values.
 */
public final class GradCheck {
    private GradCheck() {}

    public static final double EPS = 1e-6, ATOL = 1e-5, RTOL = 1e-3;
    /** Problems whose Jacobian has at most this many entries are checked in full. */
    public static final long FULL_JACOBIAN_LIMIT = 1 << 14;
    /** A failing projection is traced to an element only for inputs up to this size (2 forward passes each). */
    static final int LOCATE_LIMIT = 1 << 12;

    public enum Mode { AUTO, FULL, FAST }

    /**
     * A function to check and the float64 inputs to check it at. The inputs are leaves; their layout may be
     * non-contiguous, but not overlapping (no expanded dims: expand inside the function instead).
     *
     * @param eps the finite-difference step; {@link #EPS} unless a case has a reason (see the cast op's case)
     */
    public record Problem(String label, Function<Variable[], Variable> function, Tensor[] inputs, double eps) {
        public static Problem of(String label, Function<Variable[], Variable> function, Tensor... inputs) {
            return new Problem(label, function, inputs, EPS);
        }

        public Problem withEps(double newEps) { return new Problem(label, function, inputs, newEps); }

        /**
         * The same problem with its inputs copied to {@code device} (contiguous there): the check then runs the
         * op's forward and backward kernels on that device, and its finite differences too.
         */
        public Problem to(gradwerk.tensor.Device device) {
            Tensor[] moved = new Tensor[inputs.length];
            for (int i = 0; i < moved.length; i++) moved[i] = inputs[i].to(device);
            return new Problem(label + (device.isCpu() ? "" : ", on " + device.name()), function, moved, eps);
        }
    }

    /** The outcome: {@code maxError} is the largest |analytic - numeric| seen; {@code message} explains a failure. */
    public record Result(String op, String label, boolean passed, double maxError, String message) {}

    /** Checks a function at the given inputs (AUTO mode, seed 0). */
    public static Result check(String name, Function<Variable[], Variable> function, Tensor... inputs) {
        return check(name, Problem.of(name, function, inputs), Mode.AUTO, 0);
    }

    /** Checks one problem; the seed draws the projections of fast mode. */
    public static Result check(String op, Problem p, Mode mode, long seed) {
        try (var _ = NoGrad.enableGrad()) {
            Tensor[] xs = p.inputs();
            for (int i = 0; i < xs.length; i++) requireCheckable(op, i, xs[i]);
            Variable[] leaves = new Variable[xs.length];
            for (int i = 0; i < xs.length; i++) leaves[i] = Variable.param(xs[i]);
            Variable y = p.function().apply(leaves);
            long n = 0;
            for (Tensor x : xs) n += x.numel();
            boolean full = mode == Mode.FULL || (mode == Mode.AUTO && n * y.numel() <= FULL_JACOBIAN_LIMIT);
            Worst worst = new Worst();
            if (full) fullJacobian(p, leaves, y, worst);
            else projected(p, leaves, y, new Generator(seed), worst);
            return worst.result(op, p, y.shape());
        }
    }

    private static void requireCheckable(String op, int i, Tensor x) {
        if (x.dtype() != DType.FLOAT64)
            throw new IllegalArgumentException("gradcheck '" + op + "': input " + i + " is " + x.dtype()
                    + "; finite differences need float64 inputs");
        for (int d = 0; d < x.rank(); d++)
            if (x.stride(d) == 0 && x.size(d) > 1)
                throw new IllegalArgumentException("gradcheck '" + op + "': input " + i + " of shape "
                        + Shape.str(x.shape()) + " is an expanded view (stride 0): perturbing one element would move"
                        + " several; pass the small tensor and expand it inside the function");
    }

    private static void fullJacobian(Problem p, Variable[] leaves, Variable y, Worst worst) {
        int m = y.numel();
        double[][][] analytic = new double[leaves.length][m][]; // [input][output element][input element]
        for (int j = 0; j < m; j++) {
            Tensor oneHot = y.value().zerosLike();
            element(oneHot, j).fill(1);
            Variable[] g = analyticGrads(y, oneHot, leaves);
            for (int i = 0; i < leaves.length; i++) analytic[i][j] = g[i].value().toDoubleArray();
        }
        for (int i = 0; i < leaves.length; i++) {
            Tensor x = leaves[i].value();
            for (int k = 0; k < x.numel(); k++) {
                double[] plus = evaluatePerturbed(p, leaves, x, k, p.eps()), minus = evaluatePerturbed(p, leaves, x, k, -p.eps());
                for (int j = 0; j < m; j++)
                    worst.see(analytic[i][j][k], (plus[j] - minus[j]) / (2 * p.eps()), i, x.shape(), k, j);
            }
        }
    }

    private static void projected(Problem p, Variable[] leaves, Variable y, Generator g, Worst worst) {
        Tensor v = randn(g, y.shape()).to(y.dtype()).to(y.value().device());
        double[] vs = v.toDoubleArray();
        Variable[] grads = analyticGrads(y, v, leaves);
        for (int i = 0; i < leaves.length; i++) {
            Tensor x = leaves[i].value(), original = x.copy(), step = randn(g, x.shape()).mul(p.eps()).to(x.device());
            double[] a = grads[i].value().toDoubleArray(), u = step.toDoubleArray();
            double analytic = 0;
            for (int k = 0; k < a.length; k++) analytic += a[k] * u[k] / p.eps();
            x.addInPlace(step);
            double[] plus = evaluate(p, leaves);
            x.copyFrom(original).subInPlace(step);
            double[] minus = evaluate(p, leaves);
            x.copyFrom(original);
            double numeric = dot(vs, plus, minus) / (2 * p.eps());
            if (passes(analytic, numeric) || x.numel() > LOCATE_LIMIT) {
                worst.see(analytic, numeric, i, x.shape(), -1, -1);
                continue;
            }
            for (int k = 0; k < x.numel(); k++) // locate the culprit: compare vᵀJ element by element
                worst.see(a[k], dot(vs, evaluatePerturbed(p, leaves, x, k, p.eps()),
                        evaluatePerturbed(p, leaves, x, k, -p.eps())) / (2 * p.eps()), i, x.shape(), k, -1);
        }
    }

    private static Variable[] analyticGrads(Variable y, Tensor upstream, Variable[] leaves) {
        if (!y.requiresGrad()) { // the output does not depend on any input: all gradients are zero
            Variable[] zeros = new Variable[leaves.length];
            for (int i = 0; i < leaves.length; i++) zeros[i] = Variable.constant(leaves[i].value().zerosLike());
            return zeros;
        }
        return Engine.grad(y, Variable.constant(upstream), leaves, true, false);
    }

    private static double[] evaluate(Problem p, Variable[] leaves) {
        return p.function().apply(leaves).value().toDoubleArray();
    }

    /** f with element k of x moved by delta (in place, in x's own layout), then x restored exactly. */
    private static double[] evaluatePerturbed(Problem p, Variable[] leaves, Tensor x, int k, double delta) {
        Tensor cell = element(x, k);
        double original = cell.item();
        cell.fill(original + delta);
        double[] out = evaluate(p, leaves);
        cell.fill(original);
        return out;
    }

    private static double dot(double[] v, double[] plus, double[] minus) {
        double s = 0;
        for (int j = 0; j < v.length; j++) s += v[j] * (plus[j] - minus[j]);
        return s;
    }

    static boolean passes(double analytic, double numeric) {
        return Math.abs(analytic - numeric) <= ATOL + RTOL * Math.abs(numeric);
    }

    /** A 0-d view of the element with row-major number k. */
    static Tensor element(Tensor t, int k) {
        int[] idx = unravel(k, t.shape());
        Tensor e = t;
        for (int i : idx) e = e.select(0, i);
        return e;
    }

    static int[] unravel(int k, int[] shape) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = k % shape[d];
            k /= shape[d];
        }
        return idx;
    }

    private static Tensor randn(Generator g, int[] shape) {
        double[] d = new double[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = g.nextGaussian();
        return Tensor.of(d, shape);
    }

    /** Tracks the largest error and the entry that fails worst (relative to its tolerance). */
    private static final class Worst {
        double maxError, worstRatio = -1, analytic, numeric;
        int input = -1, inputElement, outputElement;
        int[] inputShape;

        void see(double a, double n, int input, int[] inputShape, int inputElement, int outputElement) {
            double err = Math.abs(a - n);
            double ratio = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err / (ATOL + RTOL * Math.abs(n));
            if (!Double.isNaN(err)) maxError = Math.max(maxError, err);
            if (ratio > worstRatio) {
                worstRatio = ratio;
                analytic = a;
                numeric = n;
                this.input = input;
                this.inputShape = inputShape;
                this.inputElement = inputElement;
                this.outputElement = outputElement;
            }
        }

        Result result(String op, Problem p, int[] outputShape) {
            boolean passed = worstRatio <= 1;
            if (passed) return new Result(op, p.label(), true, maxError, "");
            String where = inputElement < 0 ? " (projection vᵀJu)"
                    : " element " + Arrays.toString(unravel(inputElement, inputShape))
                    + (outputElement < 0 ? " (projection vᵀJ)" : ", output element " + Arrays.toString(unravel(outputElement, outputShape)));
            String msg = String.format(Locale.ROOT,
                    "gradcheck '%s' [%s] failed: input %d of shape %s%s: analytic %.10g, numeric %.10g (|difference| %.3g > tolerance %.3g)",
                    op, p.label(), input, Shape.str(inputShape), where, analytic, numeric, Math.abs(analytic - numeric),
                    ATOL + RTOL * Math.abs(numeric));
            return new Result(op, p.label(), false, maxError, msg);
        }
    }

    // ---------------------------------------------------------------- second order

    /**
     * The problem "gradient of p": inputs are p's inputs plus a random upstream gradient v, the function returns
     * every input's gradient {@code vᵀ J} (flattened and joined), computed with a recorded backward pass. Checking
     * it checks the VJP rules' own derivatives (PyTorch's gradgradcheck).
     */
    public static Problem secondOrder(Problem p, long seed) {
        int k = p.inputs().length;
        Variable[] probe = new Variable[k];
        for (int i = 0; i < k; i++) probe[i] = Variable.constant(p.inputs()[i]);
        int[] outShape = p.function().apply(probe).shape();
        Tensor[] inputs = Arrays.copyOf(p.inputs(), k + 1);
        inputs[k] = randn(new Generator(seed), outShape).to(p.inputs()[0].device());
        Function<Variable[], Variable> gradient = vars -> {
            Variable[] xs = Arrays.copyOf(vars, k);
            Variable[] grads = Engine.grad(p.function().apply(xs), vars[k], xs, true, true);
            for (int i = 0; i < k; i++) grads[i] = grads[i].flatten();
            return Variable.cat(0, grads);
        };
        return new Problem(p.label() + ", gradient of gradient", gradient, inputs, p.eps());
    }

    /** Runs a check and throws an AssertionError with the failure report (for tests). */
    public static Result assertPasses(String op, Problem p, Mode mode, long seed) {
        Result r = check(op, p, mode, seed);
        if (!r.passed()) throw new AssertionError(r.message());
        return r;
    }
}

package gradwerk.tutorials;

import gradwerk.autograd.CheckCase;
import gradwerk.autograd.GradCheck;
import gradwerk.autograd.GradCheckAll;
import gradwerk.autograd.Node;
import gradwerk.autograd.Saves;
import gradwerk.autograd.OpRegistry;
import gradwerk.autograd.Variable;
import gradwerk.ddanet.plot.Charts;
import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;

import static gradwerk.autograd.VjpRule.grads;

/**
 * Chapter 4: autograd on tensors. Vector-Jacobian products instead of Jacobians, gradients of broadcast and reused
 * inputs, gradient checking, a planted bug that {@link GradCheck} finds, and why finite differences need float64
 * and a step of about 1e-6. Runs the experiments of {@code tutorials/04-autograd-on-tensors.md} and returns their
 * numbers (the tests check them).
 */
public final class Ch04TensorAutograd {
    /** What the chapter's claims rest on. */
    public record Result(double[] softmaxVjp, double[] softmaxJacobianProduct, double[] broadcastGrad,
                         double[] columnSums, double[] reusedGrad, double[] reusedInput, GradCheck.Result composite,
                         GradCheck.Result buggy, GradCheck.Result fixed, String shapeBug, double[] eps,
                         double[] forward64, double[] central64, double[] central32, Path plot) {}

    public static void main(String[] args) {
        run(System.out, Path.of(args.length > 0 ? args[0] : "out/tutorial-04"));
    }

    public static Result run(PrintStream out, Path outDir) {
        Generator gen = new Generator(4);

        // 1. A VJP rule never builds the Jacobian: softmax's rule vs gᵀJ with J written out
        Tensor x = Tensor.randn(DType.FLOAT64, gen, 4), g = Tensor.randn(DType.FLOAT64, gen, 4);
        Variable xv = Variable.param(x);
        xv.softmax(0).backward(g);
        double[] y = x.softmax(0).toDoubleArray(), gs = g.toDoubleArray(), viaJacobian = new double[4];
        double[][] jacobian = new double[4][4];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) {
                jacobian[i][j] = (i == j ? y[i] : 0) - y[i] * y[j]; // ∂y_i/∂x_j = y_i (δ_ij − y_j)
                viaJacobian[j] += gs[i] * jacobian[i][j];
            }
        out.println("1. softmax of 4 numbers: its Jacobian J = diag(y) - y yᵀ is");
        for (double[] row : jacobian) out.println("     " + fmt(row, "%8.4f"));
        out.println("   gᵀJ with J built       " + fmt(viaJacobian, "%9.6f"));
        out.println("   the rule y*(g - Σ g*y) " + fmt(xv.grad().toDoubleArray(), "%9.6f"));

        // 2. Broadcasting: b [3] is added to every row of x [4,3]; its gradient sums over the rows
        Tensor xs = Tensor.arange(DType.FLOAT64, 0, 12, 1).view(4, 3);
        Variable b = Variable.param(Tensor.of(new double[] {0.1, 0.2, 0.3}, 3));
        Variable sum = Variable.constant(xs).add(b).retainGrad();
        sum.square().sum().mul(0.5).backward(); // loss = ½ Σ (x + b)², so dloss/d(x + b) = x + b
        double[] columnSums = sum.value().sum(0).toDoubleArray();
        out.println("\n2. loss = ½ Σ (x + b)² with x [4,3] and b [3]: the gradient reaching 'add' has shape "
                + Arrays.toString(sum.grad().shape()));
        out.println("   b.grad() " + fmt(b.grad().toDoubleArray(), "%5.1f") + "   column sums of x + b "
                + fmt(columnSums, "%5.1f"));

        // 3. A reused value: b = a + a, c = Σ b²  →  dc/da = 2b·2 = 8a
        Variable a = Variable.param(Tensor.of(new double[] {1, 2, 3}, 3));
        Variable twice = a.add(a);
        twice.mul(twice).sum().backward();
        out.println("\n3. b = a + a, c = Σ b*b at a = [1, 2, 3]: a.grad() " + fmt(a.grad().toDoubleArray(), "%4.0f")
                + " (8a)");

        // 4. Gradient checking a composite: every rule on the way is compared with central differences
        GradCheck.Result composite = GradCheck.check("matmul, tanh, softmax",
                v -> v[0].matmul(v[1]).tanh().softmax(-1),
                Tensor.randn(DType.FLOAT64, gen, 4, 3), Tensor.randn(DType.FLOAT64, gen, 3, 2));
        out.printf(Locale.ROOT, "%n4. GradCheck of softmax(tanh(A @ B)), A [4,3], B [3,2]: passed %s, max error %.1e%n",
                composite.passed(), composite.maxError());

        // 5. A planted bug, found; then the fixed rule
        GradCheck.Result buggy = checkSoftplus(true, 0);
        out.println("\n5. mySoftplus with the planted bug (σ applied to the output y instead of the input x):");
        out.println("   " + buggy.message());
        GradCheck.Result fixed = null;
        for (int seed = 0; seed < GradCheckAll.SEEDS; seed++) {
            GradCheck.Result r = checkSoftplus(false, seed);
            if (fixed == null || !r.passed() || r.maxError() > fixed.maxError()) fixed = r;
        }
        out.printf(Locale.ROOT, "   fixed rule: passed %s, max error %.1e (%d seeds, first and second order)%n",
                fixed.passed(), fixed.maxError(), GradCheckAll.SEEDS);

        // 6. A rule that forgets sumTo is stopped by the engine before any number is compared
        String shapeBug;
        try (var _ = OpRegistry.register("tutorial", OpRegistry.Entry.of("myAdd",
                s -> GradCheck.Problem.of("[4,3] + [3]", v -> addWithoutSumTo(v[0], v[1]), s.normal(4, 3), s.normal(3))))) {
            shapeBug = GradCheckAll.checkOp("myAdd", 0).message();
        }
        out.println("\n6. myAdd, whose rule returns g for both inputs (no sumTo):");
        out.println("   " + shapeBug);

        // 7. Finite differences: the error against ε is a V (truncation on the right, round-off on the left)
        double x0 = 0.5, exact = 1 - Math.tanh(x0) * Math.tanh(x0);
        DoubleUnaryOperator f64 = t -> Tensor.of(new double[] {t}, 1).tanh().item();
        DoubleUnaryOperator f32 = t -> Tensor.of(DType.FLOAT32, new double[] {t}, 1).tanh().item();
        int points = 29; // ε = 10^-1, 10^-1.5, ..., 10^-15
        double[] eps = new double[points], fwd = new double[points], c64 = new double[points], c32 = new double[points];
        for (int k = 0; k < points; k++) {
            double h = Math.pow(10, -1 - k / 2.0);
            eps[k] = h;
            fwd[k] = error((f64.applyAsDouble(x0 + h) - f64.applyAsDouble(x0)) / h, exact);
            c64[k] = error((f64.applyAsDouble(x0 + h) - f64.applyAsDouble(x0 - h)) / (2 * h), exact);
            c32[k] = error((f32.applyAsDouble(x0 + h) - f32.applyAsDouble(x0 - h)) / (2 * h), exact);
        }
        out.printf(Locale.ROOT, "%n7. d tanh(x)/dx at x = %.1f (exact %.12f): |finite difference - exact|%n", x0, exact);
        out.println("       ε      forward f64   central f64   central f32");
        for (int k = 0; k < points; k += 2)
            out.printf(Locale.ROOT, "   %7.0e   %11.1e   %11.1e   %11.1e%n", eps[k], fwd[k], c64[k], c32[k]);
        out.printf(Locale.ROOT, "   smallest error: forward f64 %.1e at ε = %.0e, central f64 %.1e at ε = %.0e,"
                        + " central f32 %.1e at ε = %.0e%n", fwd[argmin(fwd)], eps[argmin(fwd)], c64[argmin(c64)],
                eps[argmin(c64)], c32[argmin(c32)], eps[argmin(c32)]);
        double[] log10Eps = new double[points];
        for (int k = 0; k < points; k++) log10Eps[k] = Math.log10(eps[k]);
        Path plot = Charts.lines(outDir.resolve("fd-error.png"),
                "Chapter 4: finite-difference error of d tanh(x)/dx at x = 0.5", "log10 ε", "|error|", true,
                new Charts.Series("forward difference, float64", log10Eps, fwd),
                new Charts.Series("central difference, float64", log10Eps, c64),
                new Charts.Series("central difference, float32", log10Eps, c32));
        out.println("   plot written to " + plot);

        return new Result(xv.grad().toDoubleArray(), viaJacobian, b.grad().toDoubleArray(), columnSums,
                a.grad().toDoubleArray(), a.value().toDoubleArray(), composite, buggy, fixed, shapeBug, eps, fwd,
                c64, c32, plot);
    }

    // ---------------------------------------------------------------- a new op, its planted bug, and its fix

    /** softplus(x) = log(1 + eˣ), computed as relu(x) + log(1 + e^-|x|) so that large x cannot overflow. */
    static Tensor softplusValue(Tensor x) {
        return x.relu().add(x.abs().neg().exp().add(1).log());
    }

    /** softplus' = σ(x). The planted bug: σ of the saved output y instead of the input x. */
    static Variable buggySoftplus(Variable x) {
        return Node.record("mySoftplus", softplusValue(x.value()), Saves.OUTPUT, (n, g) -> grads(g.mul(n.output().sigmoid())), x);
    }

    /** The fix: σ of the input. Written with Variable ops, so it can be differentiated again. */
    static Variable softplus(Variable x) {
        return Node.record("mySoftplus", softplusValue(x.value()), Saves.inputs(0), (n, g) -> grads(g.mul(n.input(0).sigmoid())), x);
    }

    /**
     * Registers mySoftplus (the buggy or the fixed rule) with a check case, runs the check that
     * {@code ./gradwerk gradcheck} runs for every op (first and second order), and unregisters it.
     */
    public static GradCheck.Result checkSoftplus(boolean buggy, long seed) {
        CheckCase sample = s -> GradCheck.Problem.of("softplus",
                v -> buggy ? buggySoftplus(v[0]) : softplus(v[0]), s.uniform(-3, 3, s.shape(1, 3, 4)));
        try (var _ = OpRegistry.register("tutorial", OpRegistry.Entry.of("mySoftplus", sample))) {
            return GradCheckAll.checkOp("mySoftplus", seed);
        }
    }

    /** A broadcasting add whose rule forgets to sum the gradient back to each input's shape. */
    static Variable addWithoutSumTo(Variable a, Variable b) {
        return Node.record("myAdd", a.value().add(b.value()), Saves.NOTHING, (n, g) -> grads(g, g), a, b);
    }

    // ---------------------------------------------------------------- helpers

    private static double error(double estimate, double exact) {
        return Math.max(Math.abs(estimate - exact), 1e-17); // an exact hit would be log(0) on the plot
    }

    static int argmin(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] < v[best]) best = i;
        return best;
    }

    private static String fmt(double[] v, String format) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) sb.append(i > 0 ? " " : "").append(String.format(Locale.ROOT, format, v[i]));
        return sb.append(" ]").toString();
    }
}

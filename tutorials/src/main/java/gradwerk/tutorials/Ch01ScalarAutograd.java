package gradwerk.tutorials;

import gradwerk.ddanet.plot.Charts;
import gradwerk.tensor.Generator;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Chapter 1: autograd from scratch on scalars. Runs the four experiments of {@code tutorials/01-scalar-autograd.md}
 * and returns their numbers (the tests check them).
 */
public final class Ch01ScalarAutograd {
    public record Result(double maxGradError, double reusedGrad, double naiveReusedGrad, boolean recursionOverflowed,
                         int chainLength, double firstLoss, double finalLoss, double accuracy, Path lossPlot) {}

    public static void main(String[] args) {
        run(System.out, Path.of(args.length > 0 ? args[0] : "out/tutorial-01"), 300);
    }

    public static Result run(PrintStream out, Path outDir, int trainingSteps) {
        // 1. The chain rule, checked against finite differences
        double a0 = 0.7, b0 = -1.3;
        Scalar a = new Scalar(a0), b = new Scalar(b0);
        Scalar f = a.mul(b).add(a.pow(2)).tanh(); // f = tanh(a·b + a²)
        f.backward();
        double h = 1e-6;
        double dfda = (g(a0 + h, b0) - g(a0 - h, b0)) / (2 * h), dfdb = (g(a0, b0 + h) - g(a0, b0 - h)) / (2 * h);
        double maxErr = Math.max(Math.abs(a.grad - dfda), Math.abs(b.grad - dfdb));
        out.printf("1. f = tanh(a*b + a^2) at a=%.1f, b=%.1f: df/da = %.6f (finite difference %.6f), df/db = %.6f (%.6f)%n",
                a0, b0, a.grad, dfda, b.grad, dfdb);

        // 2. A node used twice: b = a + a; c = b * b. dc/da = 2b * 2 = 8a
        Scalar x = new Scalar(3);
        Scalar y = x.add(x);
        Scalar c = y.mul(y);
        c.backward();
        double naive = naiveReuseGradient(3);
        out.printf("2. b = a + a, c = b*b at a=3: dc/da = %.1f (exact 8a = 24); overwriting instead of adding gives %.1f%n",
                x.grad, naive);

        // 3. Why the topological order must not be recursive
        int n = 200_000;
        Scalar chain = new Scalar(1);
        for (int i = 0; i < n; i++) chain = chain.mul(1.0000001);
        boolean overflowed = false;
        try {
            recursiveOrder(chain, new HashSet<>(), new ArrayList<>());
        } catch (StackOverflowError e) {
            overflowed = true;
        }
        chain.backward(); // the iterative order copes
        out.printf("3. a chain of %d multiplications: recursive ordering %s; iterative ordering found %d nodes%n",
                n, overflowed ? "overflowed the stack" : "survived (large stack)", chain.topologicalOrder().size());

        // 4. Train a tiny network (2 -> 8 -> 1, tanh) to separate two interleaved half-moons
        Generator gen = new Generator(1);
        List<double[]> points = new ArrayList<>();
        List<Double> labels = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            double t = Math.PI * gen.nextDouble();
            boolean upper = i % 2 == 0;
            double px = upper ? Math.cos(t) : 1 - Math.cos(t), py = upper ? Math.sin(t) : 0.5 - Math.sin(t);
            points.add(new double[] {px + 0.1 * gen.nextGaussian(), py + 0.1 * gen.nextGaussian()});
            labels.add(upper ? 1.0 : -1.0);
        }
        Mlp net = new Mlp(gen, 2, 8, 1);
        double[] losses = new double[trainingSteps];
        for (int step = 0; step < trainingSteps; step++) {
            Scalar loss = new Scalar(0);
            for (int i = 0; i < points.size(); i++) {
                Scalar pred = net.forward(points.get(i));
                loss = loss.add(pred.sub(new Scalar(labels.get(i))).pow(2)); // squared error
            }
            loss = loss.mul(1.0 / points.size());
            loss.backward();
            double lr = 0.2;
            for (Scalar p : net.parameters()) p.data -= lr * p.grad;
            losses[step] = loss.data;
            if (step % Math.max(1, trainingSteps / 5) == 0 || step == trainingSteps - 1)
                out.printf("4. step %4d  loss %.4f%n", step, loss.data);
        }
        int correct = 0;
        for (int i = 0; i < points.size(); i++)
            if (Math.signum(net.forward(points.get(i)).data) == labels.get(i)) correct++;
        double acc = correct / (double) points.size();
        Path plot = Charts.lines(outDir.resolve("loss.png"), "Chapter 1: training a tiny MLP on two moons", "step",
                "mean squared error", false, Charts.Series.of("loss", losses));
        out.printf("   accuracy %.1f%%, loss curve written to %s%n", 100 * acc, plot);
        return new Result(maxErr, x.grad, naive, overflowed, n, losses[0], losses[trainingSteps - 1], acc, plot);
    }

    private static double g(double a, double b) {
        return Math.tanh(a * b + a * a);
    }

    /** What the gradient of c = (a+a)² would be if the backward step of "+" assigned instead of adding. */
    private static double naiveReuseGradient(double a) {
        double b = a + a;
        double dcdb = 2 * b;
        double gradA = 0;
        gradA = dcdb; // first use of a in b = a + a
        gradA = dcdb; // second use overwrites the first instead of adding to it
        return gradA;
    }

    /** The textbook recursive depth-first search, kept to show how it fails on deep graphs. */
    static void recursiveOrder(Scalar node, Set<Scalar> visited, List<Scalar> order) {
        if (!visited.add(node)) return;
        for (Scalar p : node.parents) recursiveOrder(p, visited, order);
        order.add(node);
    }

    /** A multi-layer perceptron of Scalars: tanh hidden layers, a linear output. */
    static final class Mlp {
        final List<Scalar[][]> weights = new ArrayList<>();
        final List<Scalar[]> biases = new ArrayList<>();

        Mlp(Generator g, int... sizes) {
            for (int l = 0; l + 1 < sizes.length; l++) {
                Scalar[][] w = new Scalar[sizes[l + 1]][sizes[l]];
                Scalar[] bias = new Scalar[sizes[l + 1]];
                for (int o = 0; o < w.length; o++) {
                    for (int i = 0; i < w[o].length; i++) w[o][i] = new Scalar(g.nextGaussian() / Math.sqrt(sizes[l]));
                    bias[o] = new Scalar(0);
                }
                weights.add(w);
                biases.add(bias);
            }
        }

        Scalar forward(double[] input) {
            Scalar[] act = new Scalar[input.length];
            for (int i = 0; i < input.length; i++) act[i] = new Scalar(input[i]);
            for (int l = 0; l < weights.size(); l++) {
                Scalar[][] w = weights.get(l);
                Scalar[] next = new Scalar[w.length];
                for (int o = 0; o < w.length; o++) {
                    Scalar sum = biases.get(l)[o];
                    for (int i = 0; i < act.length; i++) sum = sum.add(w[o][i].mul(act[i]));
                    next[o] = l + 1 < weights.size() ? sum.tanh() : sum;
                }
                act = next;
            }
            return act[0];
        }

        List<Scalar> parameters() {
            List<Scalar> ps = new ArrayList<>();
            for (int l = 0; l < weights.size(); l++) {
                for (Scalar[] row : weights.get(l)) ps.addAll(List.of(row));
                ps.addAll(List.of(biases.get(l)));
            }
            return ps;
        }
    }
}

package gradwerk.tutorials;

import gradwerk.autograd.NoGrad;
import gradwerk.autograd.Variable;
import gradwerk.ddanet.plot.Charts;
import gradwerk.nn.Module;
import gradwerk.nn.Parameter;
import gradwerk.nn.layers.Linear;
import gradwerk.nn.loss.CrossEntropy;
import gradwerk.nn.optim.Adam;
import gradwerk.nn.optim.Optimizer;
import gradwerk.nn.optim.SGD;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Chapter 5: modules and optimisers. A small network classifies three interleaved spirals; the same initial
 * weights are trained with SGD, SGD with momentum and Adam, and the three loss curves go on one plot.
 */
public final class Ch05ModulesOptimisers {
    /** One optimiser's run: the loss at every step, the final training accuracy, and the trained model. */
    public record Run(String name, double[] losses, double accuracy, Module model) {}

    public record Result(String modelTree, long parameterCount, List<Run> runs, double adamFirstStepMin,
                         double adamFirstStepMax, Path plot, Path regions) {
        public Run run(String name) {
            return runs.stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
        }
    }

    public static void main(String[] args) {
        run(System.out, Path.of(args.length > 0 ? args[0] : "out/tutorial-05"), 400);
    }

    /** A two-hidden-layer perceptron: a module made of modules. */
    static final class Mlp extends Module {
        final Linear fc1, fc2, out;

        Mlp(int in, int hidden, int classes, Generator g) {
            fc1 = registerModule("fc1", new Linear(in, hidden, g));
            fc2 = registerModule("fc2", new Linear(hidden, hidden, g));
            out = registerModule("out", new Linear(hidden, classes, g));
        }

        @Override
        public Variable forward(Variable x) {
            Variable h = fc1.forward(x).relu();
            h = fc2.forward(h).relu();
            return out.forward(h); // logits: one score per class
        }
    }

    public static Result run(PrintStream out, Path outDir, int steps) {
        Tensor[] data = spirals(new Generator(3), 3, 100);
        Tensor x = data[0], labels = data[1];

        Mlp probe = new Mlp(2, 32, 3, new Generator(5));
        out.println("1. the model: " + probe);
        for (Map.Entry<String, Parameter> e : probe.namedParameters().entrySet())
            out.printf(Locale.ROOT, "   %-12s %s%n", e.getKey(), java.util.Arrays.toString(e.getValue().value().shape()));
        out.println("   " + probe.parameterCount() + " parameters");

        // Adam's first step: m/√v = g/|g|, so every weight moves by lr (whatever the size of its gradient)
        Mlp first = new Mlp(2, 32, 3, new Generator(5));
        List<Tensor> before = first.parameters().stream().map(p -> p.value().copy()).toList();
        Adam adam = new Adam(first.parameters(), 0.01);
        CrossEntropy.crossEntropy(first.forward(x), labels).backward();
        adam.step();
        double minMove = Double.POSITIVE_INFINITY, maxMove = 0;
        for (int i = 0; i < before.size(); i++) {
            Parameter p = first.parameters().get(i);
            double[] moved = p.value().sub(before.get(i)).abs().toDoubleArray(), g = p.grad().toDoubleArray();
            for (int k = 0; k < moved.length; k++) {
                if (Math.abs(g[k]) < 1e-6) continue; // a weight with no gradient does not move
                minMove = Math.min(minMove, moved[k]);
                maxMove = Math.max(maxMove, moved[k]);
            }
        }
        out.printf(Locale.ROOT, "%n2. Adam's first step (lr 0.01) moved every weight with a gradient by %.5f to %.5f%n",
                minMove, maxMove);

        // The same start, three optimisers
        Map<String, Function<List<Parameter>, Optimizer>> optimisers = new LinkedHashMap<>();
        optimisers.put("SGD lr 0.1", ps -> new SGD(ps, 0.1));
        optimisers.put("SGD lr 0.1, momentum 0.9", ps -> new SGD(ps, 0.1, 0.9, 0, 0, false));
        optimisers.put("Adam lr 0.01", ps -> new Adam(ps, 0.01));
        List<Run> runs = new ArrayList<>();
        for (var e : optimisers.entrySet()) runs.add(train(e.getKey(), e.getValue(), x, labels, steps));

        out.printf(Locale.ROOT, "%n3. full-batch training on %d points, cross-entropy loss%n   %5s", x.size(0), "step");
        for (Run r : runs) out.printf(Locale.ROOT, " %26s", r.name());
        out.println();
        for (int s = 0; s < steps; s += steps / 8) printRow(out, s, runs);
        printRow(out, steps - 1, runs);
        out.printf("   %5s", "acc.");
        for (Run r : runs) out.printf(Locale.ROOT, " %25.1f%%", 100 * r.accuracy());
        out.println();

        Path plot = Charts.lines(outDir.resolve("loss.png"), "Chapter 5: one network, three optimisers", "step",
                "cross-entropy loss", true, runs.stream().map(r -> Charts.Series.of(r.name(), r.losses()))
                        .toArray(Charts.Series[]::new));
        Path regions = drawRegions(outDir.resolve("regions.png"), runs, x, labels);
        out.println("   loss curves written to " + plot + ", decision regions to " + regions);
        return new Result(probe.toString(), probe.parameterCount(), runs, minMove, maxMove, plot, regions);
    }

    /** The training loop: forward, loss, zero the gradients, backward, step. */
    static Run train(String name, Function<List<Parameter>, Optimizer> make, Tensor x, Tensor labels, int steps) {
        Mlp model = new Mlp(2, 32, 3, new Generator(5)); // the same initial weights for every optimiser
        Optimizer opt = make.apply(model.parameters());
        double[] losses = new double[steps];
        for (int step = 0; step < steps; step++) {
            Variable loss = CrossEntropy.crossEntropy(model.forward(x), labels);
            opt.zeroGrad();
            loss.backward();
            opt.step();
            losses[step] = loss.item();
        }
        double accuracy;
        try (var _ = NoGrad.enter()) {
            accuracy = model.forward(x).value().argmax(1, false).eq(labels).mean().item();
        }
        return new Run(name, losses, accuracy, model);
    }

    /**
     * The plane [-1.2, 1.2]² coloured by the class each trained model predicts, one panel per optimiser, with the
     * training points on top.
     */
    static Path drawRegions(Path png, List<Run> runs, Tensor x, Tensor labels) {
        int size = 240, gap = 10;
        int[] light = {0xF4C7C3, 0xC6DCF5, 0xCDEBC8}, dark = {0xC0392B, 0x1F5FA8, 0x2E8B37};
        var img = new java.awt.image.BufferedImage(runs.size() * (size + gap) - gap, size, java.awt.image.BufferedImage.TYPE_INT_RGB);
        float[] grid = new float[2 * size * size];
        for (int r = 0; r < size; r++)
            for (int c = 0; c < size; c++) {
                grid[2 * (r * size + c)] = (float) (-1.2 + 2.4 * c / (size - 1));
                grid[2 * (r * size + c) + 1] = (float) (1.2 - 2.4 * r / (size - 1));
            }
        Tensor plane = Tensor.of(grid, size * size, 2);
        float[] pts = x.toFloatArray(), cls = labels.toFloatArray();
        for (int m = 0; m < runs.size(); m++) {
            double[] predicted;
            try (var _ = NoGrad.enter()) {
                predicted = runs.get(m).model().forward(plane).value().argmax(1, false).toDoubleArray();
            }
            int left = m * (size + gap);
            for (int i = 0; i < predicted.length; i++) img.setRGB(left + i % size, i / size, light[(int) predicted[i]]);
            for (int i = 0; i < cls.length; i++) {
                int c = (int) Math.round((pts[2 * i] + 1.2) / 2.4 * (size - 1)), r = (int) Math.round((1.2 - pts[2 * i + 1]) / 2.4 * (size - 1));
                for (int dr = -1; dr <= 1; dr++)
                    for (int dc = -1; dc <= 1; dc++)
                        if (r + dr >= 0 && r + dr < size && c + dc >= 0 && c + dc < size)
                            img.setRGB(left + c + dc, r + dr, dark[(int) cls[i]]);
            }
        }
        for (int m = 1; m < runs.size(); m++)
            for (int g = 0; g < gap; g++)
                for (int r = 0; r < size; r++) img.setRGB(m * (size + gap) - gap + g, r, 0xFFFFFF);
        try {
            java.nio.file.Files.createDirectories(png.getParent());
            javax.imageio.ImageIO.write(img, "png", png.toFile());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return png;
    }

    private static void printRow(PrintStream out, int step, List<Run> runs) {
        out.printf(Locale.ROOT, "   %5d", step);
        for (Run r : runs) out.printf(Locale.ROOT, " %26.4f", r.losses()[step]);
        out.println();
    }

    /**
     * {@code classes} interleaved spiral arms of {@code perClass} points each (the classic toy problem of
     * CS231n): points [N, 2] and labels [N] (class indices as floats).
     */
    static Tensor[] spirals(Generator g, int classes, int perClass) {
        int n = classes * perClass;
        float[] pts = new float[2 * n], lab = new float[n];
        for (int c = 0; c < classes; c++)
            for (int i = 0; i < perClass; i++) {
                double r = (double) i / perClass, angle = c * 2 * Math.PI / classes + 4 * r + 0.2 * g.nextGaussian();
                int k = c * perClass + i;
                pts[2 * k] = (float) (r * Math.sin(angle));
                pts[2 * k + 1] = (float) (r * Math.cos(angle));
                lab[k] = c;
            }
        return new Tensor[] {Tensor.of(pts, n, 2), Tensor.of(lab, n)};
    }
}

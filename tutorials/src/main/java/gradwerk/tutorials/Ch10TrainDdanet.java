package gradwerk.tutorials;

import gradwerk.ddanet.data.CtSlice;
import gradwerk.ddanet.plot.Charts;
import gradwerk.ddanet.plot.Overlay;
import gradwerk.ddanet.train.CtData;
import gradwerk.ddanet.train.EpochMetrics;
import gradwerk.ddanet.train.EvalResult;
import gradwerk.ddanet.train.Evaluator;
import gradwerk.ddanet.train.ModelFactory;
import gradwerk.ddanet.train.RunCheckpoint;
import gradwerk.ddanet.train.TrainConfig;
import gradwerk.ddanet.train.Trainer;
import gradwerk.nn.Module;
import gradwerk.nn.metrics.ConfusionMatrix;
import gradwerk.tensor.Device;
import gradwerk.tensor.Tensor;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Chapter 10: training DDANet on CT. The synthetic phantom and its labels, Dice by hand against the library's
 * confusion matrix, and the three models (U-Net, CCA, DDANet) trained by the library's {@link Trainer} at a tiny
 * size on the phantom, evaluated on its test split, with an overlay of one prediction.
 */
public final class Ch10TrainDdanet {
    /** Settings: epochs, training slices, image size S and base channels of the tiny models. */
    public record Settings(int epochs, int trainSlices, int size, int baseChannels) {
        public static Settings full() { return new Settings(8, 16, 32, 4); }
        public static Settings quick() { return new Settings(3, 6, 32, 2); }

        /** {@link #quick} with {@code -Dgradwerk.tutorial.quick=true}, else {@link #full}. */
        public static Settings fromSystemProperties() {
            return Boolean.getBoolean("gradwerk.tutorial.quick") ? quick() : full();
        }

        TrainConfig config(String model) {
            return new TrainConfig(model, TrainConfig.SYNTHETIC, epochs, 2, size, baseChannels, 7, 3e-3,
                    TrainConfig.WEIGHT_DECAY, true, new TrainConfig.Synthetic(7, trainSlices, 4, 4, 64));
        }
    }

    /** One trained model: its parameter count, per-epoch history, and global Dice on the test split. */
    public record Run(String model, long parameters, List<EpochMetrics> history, EvalResult test, double secondsPerStep) {}

    /** @param dice Dice of the hand example: by hand, by ConfusionMatrix */
    public record Result(long[] classCounts, double[] dice, List<Run> runs, Path phantomPng, Path lossPng, Path overlayPng) {
        public Run run(String model) { return runs.stream().filter(r -> r.model().equals(model)).findFirst().orElseThrow(); }
    }

    public static void main(String[] args) {
        run(System.out, Path.of(args.length > 0 ? args[0] : "out/tutorial-10"), Settings.full());
    }

    public static Result run(PrintStream out, Path outDir, Settings s) {
        // 1. the data: phantom slices with exact labels
        CtData data = CtData.of(s.config("ddanet"));
        List<CtSlice> train = data.load("train");
        long[] counts = new long[CtSlice.NUM_CLASSES];
        for (CtSlice c : train) for (int k = 0; k < counts.length; k++) counts[k] += c.count(k);
        long all = counts[0] + counts[1] + counts[2];
        out.println("1. " + data.describe());
        out.printf(Locale.ROOT, "   training pixels: background %.2f%%, GGO %.2f%%, consolidation %.2f%%%n",
                100.0 * counts[0] / all, 100.0 * counts[1] / all, 100.0 * counts[2] / all);
        CtSlice first = train.getFirst();
        Path phantom = Overlay.write(outDir.resolve("phantom.png"), first.height(), first.width(), first.image(),
                first.labels(), first.labels(), first.id() + ": labels (GGO, consolidation)");
        out.println("   one slice with its labels: " + phantom);

        // 2. Dice by hand on eight pixels, against the library's confusion matrix
        float[] target = {0, 1, 1, 1, 0, 0, 2, 1}, predicted = {0, 1, 1, 0, 1, 0, 2, 1};
        long tp = 0, fp = 0, fn = 0;
        for (int i = 0; i < target.length; i++) {
            if (predicted[i] == 1 && target[i] == 1) tp++;
            if (predicted[i] == 1 && target[i] != 1) fp++;
            if (predicted[i] != 1 && target[i] == 1) fn++;
        }
        double hand = 2.0 * tp / (2 * tp + fp + fn);
        double lib = new ConfusionMatrix(CtSlice.NUM_CLASSES).add(Tensor.of(predicted), Tensor.of(target)).dice(CtSlice.GGO);
        out.printf(Locale.ROOT, "%n2. Dice of class 1 on eight pixels: TP %d, FP %d, FN %d -> 2TP/(2TP+FP+FN) = %.4f;"
                + " ConfusionMatrix.dice(1) = %.4f%n", tp, fp, fn, hand, lib);

        // 3. the three models, trained by the library's Trainer and evaluated on the test split
        out.printf(Locale.ROOT, "%n3. training at %dx%d, base channels %d, %d epochs of %d slices (batch 2), Adam lr 3e-3"
                + " with cosine decay, augmentation on%n", s.size(), s.size(), s.baseChannels(), s.epochs(), s.trainSlices());
        out.println("   model   parameters  train loss (first -> last epoch)  val mean Dice  test Dice GGO  consolidation  s/step");
        List<Run> runs = new ArrayList<>();
        Path overlay = null;
        List<CtSlice> test = data.load("test");
        for (String model : List.of("unet", "cca", "ddanet")) {
            Path dir = outDir.resolve("run-" + model);
            deleteRun(dir);
            Trainer.Result r = new Trainer(dir, Device.CPU, ModelFactory.MODELS, new PrintStream(OutputStream.nullOutputStream()), false)
                    .train(s.config(model), 0);
            RunCheckpoint.Loaded best = RunCheckpoint.read(r.out().resolve(RunCheckpoint.BEST));
            Module net = RunCheckpoint.model(best, ModelFactory.MODELS, Device.CPU);
            Evaluator ev = new Evaluator(net, Device.CPU, best.standardizer(), s.size(), 2);
            EvalResult e = ev.evaluate("test", test, false);
            List<EpochMetrics> h = r.history();
            runs.add(new Run(model, net.parameterCount(), h, e, r.secondsPerStep()));
            out.printf(Locale.ROOT, "   %-7s %10d  %13.3f -> %.3f %16.3f %14.3f %14.3f %7.3f%n", model, net.parameterCount(),
                    h.getFirst().trainLoss(), h.getLast().trainLoss(), best.best().score(), e.dice(CtSlice.GGO),
                    e.dice(CtSlice.CONSOLIDATION), r.secondsPerStep());
            if (model.equals("ddanet")) {
                CtSlice t = test.getFirst();
                overlay = Overlay.write(outDir.resolve("overlay.png"), t.height(), t.width(), t.image(), ev.predict(t),
                        t.labels(), "tiny DDANet on " + t.id() + " (filled: prediction, outline: truth)");
            }
        }
        Path loss = Charts.lines(outDir.resolve("loss.png"), "Chapter 10: tiny models on the synthetic phantom", "epoch",
                "train loss (cross-entropy + Dice)", false, runs.stream().map(r -> new Charts.Series(r.model(),
                        r.history().stream().mapToDouble(EpochMetrics::epoch).toArray(),
                        r.history().stream().mapToDouble(EpochMetrics::trainLoss).toArray())).toArray(Charts.Series[]::new));
        out.println("   loss curves: " + loss + "; a DDANet prediction: " + overlay);
        return new Result(counts, new double[] {hand, lib}, runs, phantom, loss, overlay);
    }

    /** The Trainer refuses to overwrite a run: a rerun of the chapter starts its runs afresh. */
    private static void deleteRun(Path dir) {
        try {
            if (!java.nio.file.Files.exists(dir)) return;
            try (var files = java.nio.file.Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) java.nio.file.Files.delete(p);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}

package gradwerk.ddanet.train;

import gradwerk.autograd.Variable;
import gradwerk.ddanet.data.CtSlice;
import gradwerk.ddanet.data.DatasetStats;
import gradwerk.ddanet.model.Models;
import gradwerk.ddanet.plot.Charts;
import gradwerk.ddanet.plot.Overlay;
import gradwerk.nn.Module;
import gradwerk.nn.data.Batch;
import gradwerk.nn.data.DataLoader;
import gradwerk.nn.data.Epoch;
import gradwerk.nn.data.GridSampleWarp;
import gradwerk.nn.data.RandomAffine;
import gradwerk.nn.data.RandomTransform;
import gradwerk.nn.data.Sample;
import gradwerk.nn.data.Transforms;
import gradwerk.nn.io.Checkpoint;
import gradwerk.nn.metrics.ConfusionMatrix;
import gradwerk.nn.optim.Adam;
import gradwerk.nn.optim.LrSchedule;
import gradwerk.nn.optim.Optimizer;
import gradwerk.nn.optim.Schedules;
import gradwerk.tensor.Device;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.TensorScope;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The training loop of the protocol (see {@code ddanet/TRAINING.md}):
 * <ul>
 *   <li>data: the training slices at S×S (area down-sampling, masks nearest), standardised with their own mean
 *       and std; augmentation: horizontal flip (p = 0.5), then a random affine warp (rotation ±10°, scale 0.9–1.1,
 *       translation ±5%; bilinear image, nearest mask, zero padding), then standardisation; shuffled per epoch;</li>
 *   <li>loss: cross-entropy + soft Dice over GGO and consolidation ({@link TrainLoss});</li>
 *   <li>optimiser: Adam (lr 1e-3, L2 weight decay 1e-4), learning rate set every step by a cosine decay from lr to 0
 *       over all steps of all epochs;</li>
 *   <li>after every epoch: validation by the evaluation protocol ({@link Evaluator}; native resolution),
 *       {@code metrics.csv}, the loss and Dice charts, {@code best.safetensors} when the val mean Dice (GGO,
 *       consolidation) improved, and {@code last.safetensors} (atomic) for resuming;</li>
 *   <li>at the end: overlays of the best model's predictions on the val slices.</li>
 * </ul>
 * Reproducible: the model's initial weights come from {@code Generator(seed)}, the batch order and the augmentation
 * of every sample are pure functions of (seed, epoch, index) ({@link DataLoader}), and everything else that changes
 * during training is in {@code last.safetensors}; so a run resumed from it continues bit-identically.
 */
public final class Trainer {
    /** Augmentation parameters of the protocol. */
    public static final double FLIP_P = 0.5, MAX_DEGREES = 10, MIN_SCALE = 0.9, MAX_SCALE = 1.1, MAX_TRANSLATE = 0.05;

    private final Path out;
    private final Device device;
    private final ModelFactory factory;
    private final PrintStream log;
    private final boolean progressBar;
    private Duration progressInterval = Duration.ofSeconds(20);

    /** What a run ended with. */
    public record Result(Path out, TrainConfig config, List<EpochMetrics> history, RunCheckpoint.Best best,
                         boolean finished, double secondsPerStep) {}

    public Trainer(Path out, Device device, ModelFactory factory, PrintStream log, boolean progressBar) {
        this.out = out;
        this.device = device;
        this.factory = factory;
        this.log = log;
        this.progressBar = progressBar;
    }

    /** Plain progress lines at most this often (when there is no terminal bar). */
    public Trainer progressInterval(Duration d) {
        progressInterval = d;
        return this;
    }

    public Path last() {
        return out.resolve(RunCheckpoint.LAST);
    }

    public Path best() {
        return out.resolve(RunCheckpoint.BEST);
    }

    /** A fresh run of {@code config}; {@code stopAfter} > 0 stops after that many epochs (as if killed). */
    public Result train(TrainConfig config, int stopAfter) {
        if (Files.exists(last()))
            throw new IllegalStateException(out + " already holds a run (" + RunCheckpoint.LAST
                    + "); continue it with --resume, or choose another --out");
        return run(config, null, stopAfter);
    }

    /** Continues the run in {@code out} from {@code last.safetensors}. */
    public Result resume(int stopAfter) {
        if (!Files.exists(last()))
            throw new IllegalStateException(out + ": nothing to resume (no " + RunCheckpoint.LAST + "); start without --resume");
        RunCheckpoint.Loaded l = RunCheckpoint.read(last());
        if (!"last".equals(l.kind()))
            throw new IllegalArgumentException(last() + ": not a resumable checkpoint (kind '" + l.kind() + "')");
        return run(l.config(), l, stopAfter);
    }

    private Result run(TrainConfig c, RunCheckpoint.Loaded from, int stopAfter) {
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot create the output folder (" + e.getMessage() + ")", e);
        }
        // ---- data
        CtData data = CtData.of(c);
        List<CtSlice> train = CtData.atSize(data.load("train"), c.size());
        List<CtSlice> val = data.load("val");
        Standardizer std = from != null ? from.standardizer() : Standardizer.of(DatasetStats.of(train));
        RandomTransform<Sample> aug = c.augment()
                ? Transforms.randomHorizontalFlip(FLIP_P)
                        .andThen(Transforms.randomAffine(new RandomAffine(MAX_DEGREES, MIN_SCALE, MAX_SCALE, MAX_TRANSLATE),
                                new GridSampleWarp()))
                        .andThen(std.transform())
                : std.transform();
        DataLoader<Sample, Batch> loader = DataLoader.builder(CtData.dataset(train), Batch::stack)
                .batchSize(c.batch()).shuffle(true).seed(c.seed()).prefetch(2).transform(aug).build();

        // ---- model, optimiser, schedule
        Generator modelRng = new Generator(c.seed());
        Module model = factory.create(c.model(), c.modelConfig(), modelRng);
        model.to(device);
        Optimizer opt = new Adam(model.parameters(), c.lr(), 0.9, 0.999, 1e-8, c.weightDecay());
        int perEpoch = loader.batchesPerEpoch();
        LrSchedule schedule = Schedules.cosine(c.lr(), 0, (long) perEpoch * c.epochs());
        Evaluator evaluator = new Evaluator(model, device, std, c.size(), c.batch());

        int start = 0;
        long step = 0;
        List<EpochMetrics> history = new ArrayList<>();
        RunCheckpoint.Best best = RunCheckpoint.Best.NONE;
        if (from != null) {
            RunCheckpoint.load(from, model);
            try {
                opt.loadState(from.checkpoint().optimizerTensors(), from.checkpoint().optimizerScalars());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(from.file() + ": optimiser state does not fit: "
                        + TrainConfig.firstLine(e.getMessage()), e);
            }
            from.checkpoint().restoreRng(RunCheckpoint.MODEL_RNG, modelRng);
            start = from.epoch();
            step = from.checkpoint().step();
            history.addAll(from.history());
            best = from.best();
        }

        log.printf(Locale.ROOT, "%s %s on %s, %s%n", from == null ? "training" : "resuming", Models.describe(model),
                device, data.describe());
        log.printf(Locale.ROOT, "  size %dx%d, batch %d, %d steps/epoch, epochs %s%d, Adam lr %s wd %s (cosine), "
                        + "augment %s, seed %d, standardised with %s%n", c.size(), c.size(), c.batch(), perEpoch,
                from == null ? "" : (start + 1) + "-", c.epochs(), c.lr(), c.weightDecay(), c.augment() ? "on" : "off",
                c.seed(), std);
        log.println("  writing to " + out.toAbsolutePath().normalize());

        int end = stopAfter > 0 ? Math.min(c.epochs(), start + stopAfter) : c.epochs();
        double stepSeconds = 0;
        long stepsTimed = 0;
        double epochSecondsSum = 0;
        for (int e = start; e < end; e++) {
            long t0 = System.nanoTime();
            model.train();
            double lossSum = 0, lr = opt.lr(), trainNanos = 0;
            int seen = 0;
            Duration runEta = e == start ? null
                    : Duration.ofMillis((long) (epochSecondsSum / (e - start) * (c.epochs() - e - 1) * 1000));
            String name = String.format(Locale.ROOT, "epoch %d/%d", e + 1, c.epochs());
            try (Epoch<Batch> batches = loader.epoch(e);
                 Progress p = Progress.start(name, train.size(), runEta, log, progressBar, progressInterval)) {
                for (Batch b : batches) {
                    long s0 = System.nanoTime();
                    double l;
                    try (TensorScope stepMemory = TensorScope.open("train step")) { // the step's tensors reused next step
                        Tensor x = b.inputs().to(device), y = b.targets().to(device);
                        Variable loss = TrainLoss.of(model.forward(x), y);
                        opt.zeroGrad();
                        loss.backward();
                        lr = schedule.lr(step);
                        opt.setLr(lr);
                        opt.step();
                        step++;
                        l = loss.item();
                        TensorScope.discard(b.inputs()); // the loader made them for this step alone: their arrays
                        TensorScope.discard(b.targets()); // serve a later batch (see DataLoader.loadBatch)
                    }
                    if (!Double.isFinite(l))
                        throw new IllegalStateException("training diverged: loss " + l + " at epoch " + (e + 1)
                                + ", step " + step + " (try a lower --lr)");
                    lossSum += l * b.size();
                    seen += b.size();
                    long dt = System.nanoTime() - s0;
                    trainNanos += dt;
                    stepSeconds += dt / 1e9;
                    stepsTimed++;
                    p.step(b.size(), lossSum / seen);
                }
            }
            EvalResult v = evaluator.evaluate("val", val, true);
            boolean improved = v.meanDice() > best.score();
            if (improved) best = new RunCheckpoint.Best(e + 1, v.meanDice());
            double seconds = (System.nanoTime() - t0) / 1e9;
            epochSecondsSum += seconds;
            EpochMetrics row = new EpochMetrics(e + 1, step, lr, lossSum / seen, v.loss(), v.dice(CtSlice.GGO),
                    v.dice(CtSlice.CONSOLIDATION), v.meanDice(), v.perSliceDice()[CtSlice.GGO],
                    v.perSliceDice()[CtSlice.CONSOLIDATION], improved, seconds, seen / (trainNanos / 1e9));
            history.add(row);
            try {
                if (improved) checkpoint(c, std, model, null, null, e + 1, step, history, best, "best").save(best());
                checkpoint(c, std, model, opt, modelRng, e + 1, step, history, best, "last").save(last());
                EpochMetrics.writeCsv(out.resolve("metrics.csv"), history);
            } catch (IOException ex) {
                throw new UncheckedIOException(out + ": cannot write checkpoint or metrics: " + ex.getMessage(), ex);
            }
            charts(history);
            log.printf(Locale.ROOT, "epoch %d/%d  train loss %.4f  val loss %.4f  val Dice GGO %.4f  cons %.4f  mean %.4f%s"
                            + "  %.1f s  %.2f img/s%n", e + 1, c.epochs(), row.trainLoss(), row.valLoss(), row.valDiceGgo(),
                    row.valDiceCons(), row.valDiceMean(), improved ? " (best)" : "", seconds, row.imagesPerSecond());
        }
        boolean finished = history.size() >= c.epochs();
        if (finished && Files.exists(best())) overlays(model, evaluator, val);
        return new Result(out, c, List.copyOf(history), best, finished, stepsTimed == 0 ? Double.NaN : stepSeconds / stepsTimed);
    }

    private static Checkpoint checkpoint(TrainConfig c, Standardizer std, Module model, Optimizer opt, Generator rng,
                                         int epoch, long step, List<EpochMetrics> history, RunCheckpoint.Best best,
                                         String kind) {
        Checkpoint.Builder b = Checkpoint.builder().model(model.stateDict()).epoch(epoch).step(step)
                .metadata(RunCheckpoint.CONFIG_KEY, c.toJson())
                .metadata(RunCheckpoint.STATS_KEY, std.encode())
                .metadata(RunCheckpoint.KIND_KEY, kind)
                .metadata(RunCheckpoint.HISTORY_KEY, EpochMetrics.toJson(history))
                .metadata(RunCheckpoint.BEST_KEY, best.encode());
        if (opt != null) b.optimizer(opt.stateTensors(), opt.stateScalars());
        if (rng != null) b.rng(RunCheckpoint.MODEL_RNG, rng.state());
        return b.build();
    }

    /** loss.png (train and val loss) and dice.png (val Dice per class, global and per slice). */
    private void charts(List<EpochMetrics> h) {
        double[] x = h.stream().mapToDouble(EpochMetrics::epoch).toArray();
        Charts.lines(out.resolve("loss.png"), "Loss (cross-entropy + Dice)", "epoch", "loss", false,
                new Charts.Series("train", x, h.stream().mapToDouble(EpochMetrics::trainLoss).toArray()),
                new Charts.Series("val", x, h.stream().mapToDouble(EpochMetrics::valLoss).toArray()));
        Charts.lines(out.resolve("dice.png"), "Validation Dice", "epoch", "Dice", false,
                new Charts.Series("GGO (global)", x, h.stream().mapToDouble(EpochMetrics::valDiceGgo).toArray()),
                new Charts.Series("consolidation (global)", x, h.stream().mapToDouble(EpochMetrics::valDiceCons).toArray()),
                new Charts.Series("mean (global)", x, h.stream().mapToDouble(EpochMetrics::valDiceMean).toArray()),
                new Charts.Series("GGO (per slice)", x, h.stream().mapToDouble(EpochMetrics::valSliceDiceGgo).toArray()),
                new Charts.Series("consolidation (per slice)", x, h.stream().mapToDouble(EpochMetrics::valSliceDiceCons).toArray()));
    }

    /** overlays/&lt;id&gt;.png for every val slice, from the best checkpoint's weights. */
    private void overlays(Module model, Evaluator evaluator, List<CtSlice> val) {
        RunCheckpoint.load(RunCheckpoint.read(best()), model);
        for (CtSlice s : val) {
            byte[] p = evaluator.predict(s);
            ConfusionMatrix m = new ConfusionMatrix(CtSlice.NUM_CLASSES).add(labelTensor(p, s), CtData.labels(s));
            String title = String.format(Locale.ROOT, "%s  Dice GGO %.3f  cons %.3f", s.id(), m.dice(1), m.dice(2));
            Overlay.write(overlayDir().resolve(s.id() + ".png"), s.height(), s.width(), s.image(), p, s.labels(), title);
        }
    }

    public Path overlayDir() {
        return out.resolve("overlays");
    }

    private static Tensor labelTensor(byte[] p, CtSlice s) {
        float[] f = new float[p.length];
        for (int i = 0; i < f.length; i++) f[i] = p[i];
        return Tensor.of(f, s.height(), s.width());
    }
}

package gradwerk.ddanet.train;

import gradwerk.ddanet.model.ModelConfig;
import gradwerk.nn.Module;
import gradwerk.nn.io.Checkpoint;
import gradwerk.tensor.Device;
import gradwerk.tensor.Generator;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The checkpoints of a training run: {@code last.safetensors} (written atomically at the end of every epoch, all
 * that {@code --resume} needs) and {@code best.safetensors} (the model of the epoch with the best val Dice). Both
 * are {@link Checkpoint}s — plain safetensors files with the model under {@code model.*} — with this metadata:
 * <ul>
 *   <li>{@value #CONFIG_KEY}: the run's {@link TrainConfig} as JSON (model name, width, size, data, seed, ...), so
 *       eval/predict rebuild the right model;</li>
 *   <li>{@value #STATS_KEY}: the training set's mean and std used to standardise inputs;</li>
 *   <li>{@value #KIND_KEY}: {@code last} or {@code best};</li>
 *   <li>{@value #HISTORY_KEY}: the metrics of every epoch so far (JSON), {@value #BEST_KEY}: the best epoch and its
 *       score ("epoch,score");</li>
 *   <li>and in {@code last} only: the optimiser's state and the RNG state of the generator the model was built
 *       with (stochastic layers draw from it).</li>
 * </ul>
 * The epoch stored is the number of epochs completed.
 */
public final class RunCheckpoint {
    private RunCheckpoint() {}

    public static final String CONFIG_KEY = "ddanet.config", STATS_KEY = "ddanet.stats", KIND_KEY = "ddanet.kind",
            HISTORY_KEY = "ddanet.history", BEST_KEY = "ddanet.best";
    /** The RNG name under which the model generator's state is saved. */
    public static final String MODEL_RNG = "model";
    public static final String LAST = "last.safetensors", BEST = "best.safetensors";

    /** The best epoch so far (0 = none yet) and its val mean Dice. */
    public record Best(int epoch, double score) {
        static final Best NONE = new Best(0, Double.NEGATIVE_INFINITY);

        String encode() {
            return epoch + "," + score;
        }

        static Best decode(String s, String source) {
            if (s == null) return NONE;
            String[] f = s.split(",");
            try {
                if (f.length == 2) return new Best(Integer.parseInt(f[0]), Double.parseDouble(f[1]));
            } catch (NumberFormatException e) {
                // below
            }
            throw new IllegalArgumentException(source + ": best-epoch record '" + s + "' is not 'epoch,score'");
        }
    }

    /** A checkpoint file read back with its run metadata. */
    public record Loaded(Path file, Checkpoint checkpoint, TrainConfig config, Standardizer standardizer,
                         List<EpochMetrics> history, Best best, String kind) {
        /** Completed epochs. */
        public int epoch() {
            return checkpoint.epoch();
        }
    }

    /**
     * Reads a checkpoint written by training. Every failure is one line naming the file: missing, not a
     * safetensors file, truncated, not a gradwerk training checkpoint, unreadable configuration.
     */
    public static Loaded read(Path file) {
        if (!Files.isRegularFile(file))
            throw new UncheckedIOException(new FileNotFoundException(file + ": no such checkpoint file"));
        Checkpoint c;
        try {
            c = Checkpoint.load(file);
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException(new FileNotFoundException(file + ": no such checkpoint file"));
        } catch (IOException e) {
            String m = TrainConfig.firstLine(e.getMessage());
            throw new UncheckedIOException(new IOException((m.startsWith(file.toString()) ? m : file + ": " + m)
                    + " (corrupt or not a checkpoint)", e));
        } catch (RuntimeException e) { // a reader bug or a pathological file: still one line
            throw new IllegalArgumentException(file + ": unreadable checkpoint (" + TrainConfig.firstLine(String.valueOf(e.getMessage())) + ")", e);
        }
        Map<String, String> meta = c.metadata();
        String json = meta.get(CONFIG_KEY);
        if (json == null)
            throw new IllegalArgumentException(file + ": not a DDANet training checkpoint (no " + CONFIG_KEY
                    + " metadata; it was not written by ./gradwerk train)");
        TrainConfig config = TrainConfig.fromJson(json, file.toString());
        if (meta.get(STATS_KEY) == null)
            throw new IllegalArgumentException(file + ": no data statistics (" + STATS_KEY + ") in the checkpoint");
        Standardizer st = Standardizer.decode(meta.get(STATS_KEY), file.toString());
        List<EpochMetrics> history = meta.containsKey(HISTORY_KEY)
                ? EpochMetrics.fromJson(meta.get(HISTORY_KEY), file.toString()) : List.of();
        return new Loaded(file, c, config, st, history, Best.decode(meta.get(BEST_KEY), file.toString()),
                meta.getOrDefault(KIND_KEY, "?"));
    }

    /**
     * Builds the model the checkpoint describes (on {@code device}) and loads its weights; a checkpoint whose
     * tensors do not fit the model is a one-line error naming the file and the first mismatch.
     */
    public static Module model(Loaded l, ModelFactory factory, Device device) {
        Module m = factory.create(l.config().model(), l.config().modelConfig(), new Generator(l.config().seed()));
        m.to(device);
        load(l, m);
        m.eval();
        return m;
    }

    /** Loads the saved weights into {@code model} (strict), as one line on failure. */
    static void load(Loaded l, Module model) {
        try {
            l.checkpoint().loadModelInto(model.stateDict(), true);
        } catch (IllegalArgumentException e) {
            String[] lines = e.getMessage().split("\n");
            long problems = java.util.Arrays.stream(lines).filter(s -> !s.startsWith("(")).count();
            String first = lines[0].replace("checkpoint " + l.file() + ": ", "");
            throw new IllegalArgumentException(l.file() + ": does not fit model '" + l.config().model() + "' "
                    + describe(l.config().modelConfig()) + ": " + first
                    + (problems > 1 ? " (and " + (problems - 1) + " more)" : ""), e);
        }
    }

    static String describe(ModelConfig c) {
        return "(base " + c.baseChannels() + ", size " + c.imageSize() + ")";
    }
}

package gradwerk.ddanet.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import gradwerk.ddanet.model.ModelConfig;
import gradwerk.ddanet.model.Models;

import java.util.Locale;

/**
 * Everything that defines a training run, stored as JSON in every checkpoint (metadata key
 * {@link RunCheckpoint#CONFIG_KEY}) so that {@code eval}, {@code predict} and {@code --resume} rebuild exactly the
 * same model and data pipeline.
 *
 * @param model        {@code unet}, {@code cca} or {@code ddanet} (see {@link Models})
 * @param data         {@code synthetic} or the path of a MedSeg-100 style folder
 * @param epochs       passes over the training set
 * @param batch        images per optimiser step
 * @param size         the square training/inference size S (slices are area down-sampled to S×S, masks nearest)
 * @param baseChannels channels of the first U-Net level (the model's width)
 * @param seed         seeds the model's initial weights, the shuffling and the augmentation
 * @param lr           Adam's initial learning rate (cosine decay to 0 over all steps)
 * @param weightDecay  Adam's L2 weight decay
 * @param augment      horizontal flip + random affine on the training slices
 * @param synthetic    how the synthetic data set is made (ignored for a folder)
 */
public record TrainConfig(String model, String data, int epochs, int batch, int size, int baseChannels, long seed,
                          double lr, double weightDecay, boolean augment, Synthetic synthetic) {

    /**
     * The synthetic data set: {@code train + val + test} phantom slices ({@link gradwerk.ddanet.data.SyntheticCt},
     * seeded with {@code seed}, consecutive indices in that order) drawn at {@code nativeSize}, the synthetic
     * counterpart of MedSeg's 512×512: training down-samples them to S and evaluation up-samples logits back.
     */
    public record Synthetic(long seed, int train, int val, int test, int nativeSize) {
        public Synthetic {
            if (train < 1 || val < 1 || test < 1)
                throw new IllegalArgumentException("synthetic data: train " + train + ", val " + val + " and test "
                        + test + " slices must each be >= 1");
            if (nativeSize < 16) throw new IllegalArgumentException("synthetic data: native size " + nativeSize + " < 16");
        }
    }

    /** The data argument that selects the built-in phantom. */
    public static final String SYNTHETIC = "synthetic";

    /** The protocol's optimiser settings: Adam, lr 1e-3, weight decay 1e-4. */
    public static final double LR = 1e-3, WEIGHT_DECAY = 1e-4;

    public TrainConfig {
        if (model == null || !Models.NAMES.contains(model.toLowerCase(Locale.ROOT)))
            throw new IllegalArgumentException("unknown model '" + model + "'; choose one of " + Models.NAMES);
        model = model.toLowerCase(Locale.ROOT);
        if (data == null || data.isBlank()) throw new IllegalArgumentException("no data: give 'synthetic' or a folder");
        if (epochs < 1) throw new IllegalArgumentException("--epochs " + epochs + " must be >= 1");
        if (batch < 1) throw new IllegalArgumentException("--batch " + batch + " must be >= 1");
        if (size < ModelConfig.BOTTLENECK_STRIDE || size % ModelConfig.BOTTLENECK_STRIDE != 0)
            throw new IllegalArgumentException("--size " + size + " must be a positive multiple of "
                    + ModelConfig.BOTTLENECK_STRIDE + " (the U-Net halves it " + ModelConfig.DOWNSAMPLINGS + " times)");
        if (baseChannels < 1) throw new IllegalArgumentException("--base-channels " + baseChannels + " must be >= 1");
        if (!(lr > 0 && Double.isFinite(lr))) throw new IllegalArgumentException("--lr " + lr + " must be > 0");
        if (!(weightDecay >= 0 && Double.isFinite(weightDecay)))
            throw new IllegalArgumentException("weight decay " + weightDecay + " must be >= 0");
        if (isSynthetic(data) && synthetic == null)
            throw new IllegalArgumentException("synthetic data needs its settings (counts, native size)");
    }

    public static boolean isSynthetic(String data) {
        return SYNTHETIC.equalsIgnoreCase(data);
    }

    public boolean syntheticData() {
        return isSynthetic(data);
    }

    /** The model's configuration: 1 input channel, 3 classes, this width and size, the models' other defaults. */
    public ModelConfig modelConfig() {
        return ModelConfig.defaults().withBaseChannels(baseChannels).withImageSize(size);
    }

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    public String toJson() {
        return GSON.toJson(this);
    }

    /** Parses {@link #toJson}; {@code source} names the file in messages. */
    public static TrainConfig fromJson(String json, String source) {
        try {
            TrainConfig c = GSON.fromJson(json, TrainConfig.class);
            if (c == null) throw new IllegalArgumentException(source + ": empty run configuration");
            return c;
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(source + ": unreadable run configuration (" + firstLine(e.getMessage()) + ")", e);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException(source + ": invalid run configuration: " + firstLine(e.getMessage()), e);
        }
    }

    static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}

package gradwerk.ddanet.train;

import gradwerk.ddanet.data.DatasetStats;
import gradwerk.nn.data.RandomTransform;
import gradwerk.nn.data.Sample;
import gradwerk.tensor.Tensor;

import java.util.Locale;

/**
 * {@code (x - mean) / std} with the <em>training</em> set's statistics ({@link DatasetStats}), applied the same
 * way (the same tensor ops) in training, validation, evaluation and prediction. Stored in every checkpoint, so
 * {@code eval} and {@code predict} standardise with the numbers the model was trained with.
 */
public record Standardizer(double mean, double std) {
    public Standardizer {
        if (!Double.isFinite(mean) || !(std > 0 && Double.isFinite(std)))
            throw new IllegalArgumentException("standardisation: mean " + mean + ", std " + std
                    + " (std must be finite and > 0)");
    }

    public static Standardizer of(DatasetStats s) {
        return new Standardizer(s.mean(), s.std());
    }

    public Tensor apply(Tensor image) {
        return image.sub(mean).div(std);
    }

    /** As the last step of the augmentation chain (after the geometric transforms, which pad with 0 = air). */
    public RandomTransform<Sample> transform() {
        return (s, g) -> new Sample(apply(s.input()), s.target());
    }

    /** "mean,std" with exact round-tripping doubles. */
    public String encode() {
        return Double.toString(mean) + "," + Double.toString(std);
    }

    public static Standardizer decode(String text, String source) {
        String[] f = text == null ? new String[0] : text.split(",");
        try {
            if (f.length == 2) return new Standardizer(Double.parseDouble(f[0].strip()), Double.parseDouble(f[1].strip()));
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(source + ": data statistics '" + text + "' are not 'mean,std'");
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "mean %.4f, std %.4f", mean, std);
    }
}

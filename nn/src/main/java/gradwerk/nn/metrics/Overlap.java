package gradwerk.nn.metrics;

/**
 * Dice and IoU from counts of true positives, false positives and false negatives.
 *
 * <p><b>The empty case.</b> When a class is absent from both prediction and target (tp = fp = fn = 0) both
 * scores are defined as <b>1</b>: predicting "none of this class" where there is none is a correct answer. (The
 * formula would give 0/0; returning 0 would punish a correct prediction, and NaN would poison every mean.) A class
 * absent from the target but predicted scores 0, as the formula says.
 */
public final class Overlap {
    private Overlap() {}

    /** 2·tp / (2·tp + fp + fn), or 1 when all three are 0. */
    public static double dice(long tp, long fp, long fn) {
        long denom = 2 * tp + fp + fn;
        return denom == 0 ? 1.0 : 2.0 * tp / denom;
    }

    /** tp / (tp + fp + fn), or 1 when all three are 0. */
    public static double iou(long tp, long fp, long fn) {
        long denom = tp + fp + fn;
        return denom == 0 ? 1.0 : (double) tp / denom;
    }

    /** Mean of {@code values[from..]}: e.g. from = 1 leaves out class 0 when it is the background. */
    public static double mean(double[] values, int from) {
        if (from < 0 || from >= values.length)
            throw new IllegalArgumentException("Overlap.mean: first class " + from + " out of range for "
                    + values.length + " classes");
        double s = 0;
        for (int i = from; i < values.length; i++) s += values[i];
        return s / (values.length - from);
    }
}

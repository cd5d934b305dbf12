package gradwerk.nn.metrics;

import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

/**
 * Dice and IoU computed <em>per image</em> and averaged over images: every image counts equally however many
 * pixels it has, and a small structure missed in one image costs that image's whole score. This is how medical
 * segmentation papers usually report Dice; {@link ConfusionMatrix} gives the global (pooled) variant.
 *
 * <p>A class absent from both an image's prediction and its target scores 1 for that image (see {@link Overlap}):
 * otherwise every image without, say, a tumour would drag the tumour Dice down for a correct "no tumour". Target
 * elements equal to the ignore index are left out of that image's counts, and an image with no labelled element
 * at all is skipped (it would score a meaningless 1 everywhere). Not thread-safe.
 */
public final class PerImageScores {
    private final int numClasses, ignoreIndex;
    private final double[] diceSum, iouSum;
    private int images;

    public PerImageScores(int numClasses) {
        this(numClasses, Labels.NO_IGNORE);
    }

    public PerImageScores(int numClasses, int ignoreIndex) {
        if (numClasses < 1) throw new IllegalArgumentException("PerImageScores: " + numClasses + " classes");
        if (ignoreIndex >= 0 && ignoreIndex < numClasses)
            throw new IllegalArgumentException("PerImageScores: ignore index " + ignoreIndex + " is a real class (0.."
                    + (numClasses - 1) + ")");
        this.numClasses = numClasses;
        this.ignoreIndex = ignoreIndex;
        this.diceSum = new double[numClasses];
        this.iouSum = new double[numClasses];
    }

    /** Adds one image's predicted and true label maps (same shape, e.g. [H,W] or a volume [D,H,W]). */
    public PerImageScores addImage(Tensor predicted, Tensor target) {
        Labels.requireSameShape("PerImageScores.addImage", predicted, target);
        int[] p = Labels.toClasses("PerImageScores.addImage: prediction", predicted, numClasses, Labels.NO_IGNORE);
        int[] t = Labels.toClasses("PerImageScores.addImage: target", target, numClasses, ignoreIndex);
        accumulate(p, t, 0, p.length);
        return this;
    }

    /** Adds a batch [N,...] of predicted and true label maps: N images. */
    public PerImageScores addBatch(Tensor predicted, Tensor target) {
        Labels.requireSameShape("PerImageScores.addBatch", predicted, target);
        if (predicted.rank() < 1)
            throw new IllegalArgumentException("PerImageScores.addBatch: a batch needs a first (image) dim, got "
                    + Shape.str(predicted.shape()));
        int n = predicted.size(0);
        int[] p = Labels.toClasses("PerImageScores.addBatch: prediction", predicted, numClasses, Labels.NO_IGNORE);
        int[] t = Labels.toClasses("PerImageScores.addBatch: target", target, numClasses, ignoreIndex);
        int per = n == 0 ? 0 : p.length / n;
        for (int i = 0; i < n; i++) accumulate(p, t, i * per, per);
        return this;
    }

    /** Adds a batch of logits [N,K,...] against targets [N,...]; predictions are the argmax over dim 1. */
    public PerImageScores addBatchLogits(Tensor logits, Tensor target) {
        if (logits.rank() < 2 || logits.size(1) != numClasses)
            throw new IllegalArgumentException("PerImageScores.addBatchLogits: logits " + Shape.str(logits.shape())
                    + " are not [N," + numClasses + ",...]");
        return addBatch(Labels.argmax(logits, 1), target);
    }

    private void accumulate(int[] p, int[] t, int from, int length) {
        long[] tp = new long[numClasses], fp = new long[numClasses], fn = new long[numClasses];
        int labelled = 0;
        for (int i = from; i < from + length; i++) {
            if (t[i] == ignoreIndex) continue;
            labelled++;
            if (p[i] == t[i]) tp[p[i]]++;
            else {
                fp[p[i]]++;
                fn[t[i]]++;
            }
        }
        if (labelled == 0) return; // nothing labelled: the image says nothing about any class, so it is not counted
        for (int k = 0; k < numClasses; k++) {
            diceSum[k] += Overlap.dice(tp[k], fp[k], fn[k]);
            iouSum[k] += Overlap.iou(tp[k], fp[k], fn[k]);
        }
        images++;
    }

    /** Images counted so far (images with no labelled element are not counted). */
    public int images() {
        return images;
    }

    /** Per-class Dice averaged over images (NaN before any image is added). */
    public double[] dice() {
        return average(diceSum);
    }

    /** Per-class IoU averaged over images (NaN before any image is added). */
    public double[] iou() {
        return average(iouSum);
    }

    /** Mean over classes {@code fromClass..K-1} of the per-image Dice. */
    public double meanDice(int fromClass) {
        return Overlap.mean(dice(), fromClass);
    }

    public double meanIou(int fromClass) {
        return Overlap.mean(iou(), fromClass);
    }

    private double[] average(double[] sums) {
        double[] out = new double[numClasses];
        for (int k = 0; k < numClasses; k++) out[k] = images == 0 ? Double.NaN : sums[k] / images;
        return out;
    }

    public void reset() {
        java.util.Arrays.fill(diceSum, 0);
        java.util.Arrays.fill(iouSum, 0);
        images = 0;
    }
}

package gradwerk.nn.metrics;

import gradwerk.tensor.Tensor;

/**
 * Counts of (true class, predicted class) pairs over every labelled element seen, accumulated batch by batch;
 * the <em>global</em> Dice and IoU of a class come from these totals (one TP/FP/FN tally over the whole set, so
 * large images weigh more than small ones). For the mean over images see {@link PerImageScores}.
 *
 * <p>Rows are the true class, columns the predicted class (scikit-learn's convention). Target elements equal to
 * the ignore index (e.g. 255 for "unlabelled") are skipped. Not thread-safe; use one per evaluation thread and
 * {@link #merge} them.
 */
public final class ConfusionMatrix {
    private final int numClasses, ignoreIndex;
    private final long[][] counts;

    public ConfusionMatrix(int numClasses) {
        this(numClasses, Labels.NO_IGNORE);
    }

    public ConfusionMatrix(int numClasses, int ignoreIndex) {
        if (numClasses < 1) throw new IllegalArgumentException("ConfusionMatrix: " + numClasses + " classes");
        if (ignoreIndex >= 0 && ignoreIndex < numClasses)
            throw new IllegalArgumentException("ConfusionMatrix: ignore index " + ignoreIndex + " is a real class (0.."
                    + (numClasses - 1) + ")");
        this.numClasses = numClasses;
        this.ignoreIndex = ignoreIndex;
        this.counts = new long[numClasses][numClasses];
    }

    public int numClasses() {
        return numClasses;
    }

    /** Adds predicted and true label maps of the same shape (any shape: one image, a batch, a volume). */
    public ConfusionMatrix add(Tensor predicted, Tensor target) {
        Labels.requireSameShape("ConfusionMatrix.add", predicted, target);
        int[] p = Labels.toClasses("ConfusionMatrix.add: prediction", predicted, numClasses, Labels.NO_IGNORE);
        int[] t = Labels.toClasses("ConfusionMatrix.add: target", target, numClasses, ignoreIndex);
        for (int i = 0; i < p.length; i++) if (t[i] != ignoreIndex) counts[t[i]][p[i]]++;
        return this;
    }

    /** Adds logits [N,K,H,W] against targets [N,H,W] (or [K,H,W] against [H,W]); see {@link Labels#argmax}. */
    public ConfusionMatrix addLogits(Tensor logits, Tensor target) {
        checkClasses("ConfusionMatrix.addLogits", logits, numClasses);
        return add(Labels.argmax(logits), target);
    }

    static void checkClasses(String op, Tensor logits, int numClasses) {
        if (logits.rank() >= 3 && logits.size(logits.rank() == 3 ? 0 : 1) != numClasses)
            throw new IllegalArgumentException(op + ": logits " + gradwerk.tensor.Shape.str(logits.shape()) + " have "
                    + logits.size(logits.rank() == 3 ? 0 : 1) + " classes, expected " + numClasses);
    }

    /** Adds another matrix's counts (e.g. from another thread or process). */
    public ConfusionMatrix merge(ConfusionMatrix other) {
        if (other.numClasses != numClasses)
            throw new IllegalArgumentException("ConfusionMatrix.merge: " + other.numClasses + " classes vs " + numClasses);
        for (int i = 0; i < numClasses; i++)
            for (int j = 0; j < numClasses; j++) counts[i][j] += other.counts[i][j];
        return this;
    }

    public void reset() {
        for (long[] row : counts) java.util.Arrays.fill(row, 0);
    }

    /** Elements of class {@code trueClass} predicted as {@code predictedClass}. */
    public long count(int trueClass, int predictedClass) {
        return counts[trueClass][predictedClass];
    }

    /** A copy of the counts, [true][predicted]. */
    public long[][] counts() {
        long[][] c = new long[numClasses][];
        for (int i = 0; i < numClasses; i++) c[i] = counts[i].clone();
        return c;
    }

    /** All counted elements. */
    public long total() {
        long s = 0;
        for (long[] row : counts) for (long v : row) s += v;
        return s;
    }

    public long truePositives(int k) {
        return counts[k][k];
    }

    /** Predicted k, truly something else (column k minus the diagonal). */
    public long falsePositives(int k) {
        long s = 0;
        for (int i = 0; i < numClasses; i++) if (i != k) s += counts[i][k];
        return s;
    }

    /** Truly k, predicted something else (row k minus the diagonal). */
    public long falseNegatives(int k) {
        long s = 0;
        for (int j = 0; j < numClasses; j++) if (j != k) s += counts[k][j];
        return s;
    }

    /** Global Dice of class k (1 if the class never occurred in prediction or target; see {@link Overlap}). */
    public double dice(int k) {
        return Overlap.dice(truePositives(k), falsePositives(k), falseNegatives(k));
    }

    /** Global IoU (Jaccard) of class k (1 if the class never occurred; see {@link Overlap}). */
    public double iou(int k) {
        return Overlap.iou(truePositives(k), falsePositives(k), falseNegatives(k));
    }

    /** Dice of every class. */
    public double[] dice() {
        double[] d = new double[numClasses];
        for (int k = 0; k < numClasses; k++) d[k] = dice(k);
        return d;
    }

    /** IoU of every class. */
    public double[] iou() {
        double[] d = new double[numClasses];
        for (int k = 0; k < numClasses; k++) d[k] = iou(k);
        return d;
    }

    /** Mean Dice over classes {@code fromClass..K-1} (1 to leave out a background class 0). */
    public double meanDice(int fromClass) {
        return Overlap.mean(dice(), fromClass);
    }

    public double meanIou(int fromClass) {
        return Overlap.mean(iou(), fromClass);
    }

    /** Fraction of counted elements predicted correctly (NaN before anything is added). */
    public double accuracy() {
        long correct = 0;
        for (int k = 0; k < numClasses; k++) correct += counts[k][k];
        long n = total();
        return n == 0 ? Double.NaN : (double) correct / n;
    }

    /** The matrix as a small table, true classes down, predicted across. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("true\\pred");
        for (int j = 0; j < numClasses; j++) sb.append(String.format("%10d", j));
        for (int i = 0; i < numClasses; i++) {
            sb.append(String.format("%n%9d", i));
            for (int j = 0; j < numClasses; j++) sb.append(String.format("%10d", counts[i][j]));
        }
        return sb.toString();
    }
}

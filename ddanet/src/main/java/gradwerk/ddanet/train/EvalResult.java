package gradwerk.ddanet.train;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import gradwerk.ddanet.data.CtSlice;
import gradwerk.nn.metrics.ConfusionMatrix;
import gradwerk.nn.metrics.Overlap;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The numbers of one evaluation (see {@link Evaluator}): the global confusion matrix over every pixel of the
 * split at native resolution, the per-slice Dice averaged over slices, each slice's own scores, and optionally the
 * loss at the training size.
 *
 * @param confusion      [true][predicted] pixel counts
 * @param perSliceDice   per class, the mean over slices of each slice's Dice
 * @param loss           mean loss per slice at the training size, NaN when not computed
 */
public record EvalResult(String split, int slices, long[][] confusion, double[] perSliceDice,
                         List<SliceScore> perSlice, double loss) {

    /** The names of the classes, as used in JSON and CSV columns. */
    public static final List<String> CLASS_NAMES = List.of("background", "ggo", "consolidation");

    /** One slice: its id, its Dice per class and its pixel counts. */
    public record SliceScore(String id, double[] dice, long[] truePixels, long[] predictedPixels) {
        static SliceScore of(String id, ConfusionMatrix m) {
            int k = m.numClasses();
            long[] t = new long[k], p = new long[k];
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++) {
                    t[i] += m.count(i, j);
                    p[j] += m.count(i, j);
                }
            return new SliceScore(id, m.dice(), t, p);
        }
    }

    public long truePositives(int k) {
        return confusion[k][k];
    }

    public long falsePositives(int k) {
        long s = 0;
        for (int i = 0; i < confusion.length; i++) if (i != k) s += confusion[i][k];
        return s;
    }

    public long falseNegatives(int k) {
        long s = 0;
        for (int j = 0; j < confusion.length; j++) if (j != k) s += confusion[k][j];
        return s;
    }

    /** Global Dice of class k: one TP/FP/FN tally over all pixels of the split. */
    public double dice(int k) {
        return Overlap.dice(truePositives(k), falsePositives(k), falseNegatives(k));
    }

    /** Global IoU of class k. */
    public double iou(int k) {
        return Overlap.iou(truePositives(k), falsePositives(k), falseNegatives(k));
    }

    /** Mean of the global GGO and consolidation Dice: what selects the best checkpoint. */
    public double meanDice() {
        return (dice(CtSlice.GGO) + dice(CtSlice.CONSOLIDATION)) / 2;
    }

    /** Mean of the per-slice GGO and consolidation Dice. */
    public double meanPerSliceDice() {
        return (perSliceDice[CtSlice.GGO] + perSliceDice[CtSlice.CONSOLIDATION]) / 2;
    }

    public long pixels() {
        long s = 0;
        for (long[] row : confusion) for (long v : row) s += v;
        return s;
    }

    /** One line: "GGO Dice 0.712, consolidation Dice 0.655 (global); per slice 0.640 / 0.580". */
    public String summary() {
        return String.format(Locale.ROOT, "GGO Dice %.4f, consolidation Dice %.4f, mean %.4f (global over %d slices);"
                        + " per-slice mean GGO %.4f, consolidation %.4f", dice(CtSlice.GGO), dice(CtSlice.CONSOLIDATION),
                meanDice(), slices, perSliceDice[CtSlice.GGO], perSliceDice[CtSlice.CONSOLIDATION]);
    }

    /** The result as JSON; {@code header} entries (checkpoint, data, model, ...) come first. */
    public String toJson(Map<String, Object> header) {
        JsonObject o = new JsonObject();
        header.forEach((k, v) -> {
            if (v instanceof Number n) o.addProperty(k, n);
            else if (v instanceof Boolean b) o.addProperty(k, b);
            else o.addProperty(k, String.valueOf(v));
        });
        o.addProperty("split", split);
        o.addProperty("slices", slices);
        o.addProperty("pixels", pixels());
        JsonObject global = new JsonObject(), perSliceMean = new JsonObject(), counts = new JsonObject();
        for (int k = 1; k < CLASS_NAMES.size(); k++) {
            String name = CLASS_NAMES.get(k);
            global.addProperty(name, dice(k));
            perSliceMean.addProperty(name, perSliceDice[k]);
            JsonObject c = new JsonObject();
            c.addProperty("tp", truePositives(k));
            c.addProperty("fp", falsePositives(k));
            c.addProperty("fn", falseNegatives(k));
            c.addProperty("true_pixels", truePositives(k) + falseNegatives(k));
            c.addProperty("predicted_pixels", truePositives(k) + falsePositives(k));
            c.addProperty("iou", iou(k));
            counts.add(name, c);
        }
        global.addProperty("mean", meanDice());
        perSliceMean.addProperty("mean", meanPerSliceDice());
        o.add("dice_global", global);
        o.add("dice_per_slice_mean", perSliceMean);
        o.add("counts", counts);
        JsonArray matrix = new JsonArray();
        for (long[] row : confusion) {
            JsonArray r = new JsonArray();
            for (long v : row) r.add(v);
            matrix.add(r);
        }
        o.add("confusion_true_by_predicted", matrix);
        if (!Double.isNaN(loss)) o.addProperty("loss", loss);
        JsonArray list = new JsonArray();
        for (SliceScore s : perSlice) {
            JsonObject e = new JsonObject();
            e.addProperty("id", s.id());
            for (int k = 1; k < CLASS_NAMES.size(); k++) {
                e.addProperty("dice_" + CLASS_NAMES.get(k), s.dice()[k]);
                e.addProperty(CLASS_NAMES.get(k) + "_px", s.truePixels()[k]);
                e.addProperty(CLASS_NAMES.get(k) + "_predicted_px", s.predictedPixels()[k]);
            }
            list.add(e);
        }
        o.add("per_slice", list);
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeSpecialFloatingPointValues()
                .create().toJson(o) + "\n";
    }
}

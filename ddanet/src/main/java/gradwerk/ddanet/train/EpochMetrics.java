package gradwerk.ddanet.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;
import gradwerk.nn.io.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * One row of {@code metrics.csv}: what happened in one epoch. Everything except {@code seconds} and
 * {@code imagesPerSecond} is a deterministic function of the run's configuration, so an uninterrupted run and a
 * resumed one write the same values (the resume test checks exactly that).
 *
 * @param epoch             1-based epoch number
 * @param step              optimiser steps so far (after this epoch)
 * @param lr                the learning rate of the epoch's last step
 * @param trainLoss         mean training loss per image over the epoch (augmented S×S data)
 * @param valLoss           mean loss per val slice at S×S (no augmentation)
 * @param valDiceGgo        global GGO Dice on val at native resolution (see {@link Evaluator})
 * @param valDiceCons       global consolidation Dice on val
 * @param valDiceMean       mean of the two: the checkpoint-selection score
 * @param valSliceDiceGgo   mean per-slice GGO Dice on val
 * @param valSliceDiceCons  mean per-slice consolidation Dice on val
 * @param best              whether this epoch wrote {@code best.safetensors}
 * @param seconds           wall time of the epoch (training and validation)
 * @param imagesPerSecond   training images per second (training steps only)
 */
public record EpochMetrics(int epoch, long step, double lr, double trainLoss, double valLoss, double valDiceGgo,
                           double valDiceCons, double valDiceMean, double valSliceDiceGgo, double valSliceDiceCons,
                           boolean best, double seconds, double imagesPerSecond) {

    /** The CSV header, in column order. */
    public static final String HEADER = "epoch,step,lr,train_loss,val_loss,val_dice_ggo,val_dice_consolidation,"
            + "val_dice_mean,val_slice_dice_ggo,val_slice_dice_consolidation,best,seconds,images_per_s";

    /** The row as CSV (doubles in shortest round-tripping form, so equal values print equally). */
    public String csv() {
        return epoch + "," + step + "," + lr + "," + trainLoss + "," + valLoss + "," + valDiceGgo + "," + valDiceCons
                + "," + valDiceMean + "," + valSliceDiceGgo + "," + valSliceDiceCons + "," + (best ? 1 : 0) + ","
                + String.format(Locale.ROOT, "%.3f,%.3f", seconds, imagesPerSecond);
    }

    /** The same row without the timing columns (for comparing runs). */
    public EpochMetrics withoutTiming() {
        return new EpochMetrics(epoch, step, lr, trainLoss, valLoss, valDiceGgo, valDiceCons, valDiceMean,
                valSliceDiceGgo, valSliceDiceCons, best, 0, 0);
    }

    /** Writes {@code metrics.csv} (header + rows) atomically. */
    public static void writeCsv(Path file, List<EpochMetrics> rows) throws IOException {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        for (EpochMetrics r : rows) sb.append(r.csv()).append('\n');
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, ch -> {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) ch.write(b);
        });
    }

    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

    /** The history as compact JSON (kept in {@code last.safetensors} so a resume does not depend on the CSV). */
    public static String toJson(List<EpochMetrics> rows) {
        return GSON.toJson(rows);
    }

    public static List<EpochMetrics> fromJson(String json, String source) {
        try {
            List<EpochMetrics> rows = GSON.fromJson(json, new TypeToken<List<EpochMetrics>>() {}.getType());
            return rows == null ? List.of() : List.copyOf(rows);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(source + ": unreadable metrics history ("
                    + TrainConfig.firstLine(e.getMessage()) + ")", e);
        }
    }
}

package gradwerk.ddanet.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import gradwerk.ddanet.data.CtSlice;
import gradwerk.ddanet.data.GrayPng;
import gradwerk.ddanet.data.SyntheticCt;
import gradwerk.ddanet.train.EpochMetrics;
import gradwerk.nn.io.Checkpoint;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CLI end to end on tiny synthetic data (8 train / 2 val / 2 test slices drawn at 64×64, trained at 32×32) and
 * a narrow DDANet (4 base channels): train, resume, eval, predict, attention.
 */
class CliTrainTest {
    @TempDir
    static Path dir;
    static Path run;
    static Cli trained;

    static String[] tinyTrain(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--model", "ddanet", "--data", "synthetic", "--epochs", "2",
                "--size", "32", "--base-channels", "4", "--batch", "4", "--synthetic-slices", "8,2,2", "--seed", "3",
                "--out", out.toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @BeforeAll
    static void trainOnce() {
        run = dir.resolve("run");
        trained = Cli.run(tinyTrain(run));
        assertEquals(0, trained.code(), trained.err());
    }

    @Test
    void trainWritesMetricsCheckpointsAndPlotsAndSaysWhere() throws Exception {
        for (String f : List.of("metrics.csv", "last.safetensors", "best.safetensors", "loss.png", "dice.png"))
            assertTrue(Files.size(run.resolve(f)) > 0, f);
        List<String> csv = Files.readAllLines(run.resolve("metrics.csv"));
        assertEquals(EpochMetrics.HEADER, csv.getFirst());
        assertEquals(List.of("epoch", "step", "lr", "train_loss", "val_loss", "val_dice_ggo", "val_dice_consolidation",
                "val_dice_mean", "val_slice_dice_ggo", "val_slice_dice_consolidation", "best", "seconds", "images_per_s"),
                Arrays.asList(csv.getFirst().split(",")));
        assertEquals(3, csv.size());
        assertTrue(csv.get(2).startsWith("2,4,"), csv.get(2)); // epoch 2 ends at step 4 (2 steps of 4 images per epoch)
        try (var s = Files.list(run.resolve("overlays"))) {
            assertEquals(2, s.count());
        }
        assertTrue(trained.out().contains("plots:") && trained.out().contains(run.resolve("loss.png").toAbsolutePath().normalize().toString()),
                trained.out());
        assertTrue(trained.out().contains("epoch 2/2"), trained.out());
    }

    @Test
    void killedAndResumedEqualsTheStraightRun() throws Exception {
        Path b = dir.resolve("resumed");
        Cli first = Cli.run(tinyTrain(b, "--stop-after", "1"));
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().contains("--resume"), first.out());
        assertEquals(2, Files.readAllLines(b.resolve("metrics.csv")).size());
        Cli second = Cli.run("train", "--resume", "--out", b.toString());
        assertEquals(0, second.code(), second.err());
        assertTrue(second.out().contains("resuming"), second.out());

        // Resumed in the same JVM as the straight run (ResumeExactTest does it in fresh JVMs): every value but the timings
        List<String> straight = Files.readAllLines(run.resolve("metrics.csv")), resumed = Files.readAllLines(b.resolve("metrics.csv"));
        assertEquals(straight.stream().map(ResumeExactTest::noTiming).toList(), resumed.stream().map(ResumeExactTest::noTiming).toList());
        for (String f : List.of("last.safetensors", "best.safetensors")) {
            Checkpoint x = Checkpoint.load(run.resolve(f)), y = Checkpoint.load(b.resolve(f));
            assertEquals(x.epoch(), y.epoch(), f);
            assertEquals(x.step(), y.step(), f);
            assertEquals(x.model().keySet(), y.model().keySet());
            for (Map.Entry<String, Tensor> e : x.model().entrySet()) {
                float[] p = e.getValue().toFloatArray(), q = y.model().get(e.getKey()).toFloatArray();
                for (int i = 0; i < p.length; i++)
                    assertEquals(p[i], q[i], f + ": " + e.getKey() + "[" + i + "]");
            }
        }
    }

    @Test
    void resumeRefusesContradictingOptionsAndFinishedRunsJustReport() {
        Cli r = Cli.run("train", "--resume", "--out", run.toString(), "--epochs", "5");
        assertEquals(2, r.code());
        assertTrue(r.errorLine().contains("--epochs 2"), r.err());
        Cli again = Cli.run(tinyTrain(run));
        assertEquals(2, again.code());
        assertTrue(again.errorLine().contains("already holds a run"), again.err());
    }

    @Test
    void evalPrintsDiceAndWritesJson() throws Exception {
        Path json = dir.resolve("eval.json");
        Cli r = Cli.run("eval", "--checkpoint", run.resolve("best.safetensors").toString(), "--split", "test",
                "--out", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("GGO Dice") && r.out().contains("consolidation Dice"), r.out());
        JsonObject o = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals("test", o.get("split").getAsString());
        assertEquals("ddanet", o.get("model").getAsString());
        assertEquals(2, o.get("slices").getAsInt());
        assertEquals(2 * 64 * 64, o.get("pixels").getAsLong());   // evaluated at the native 64×64, not at 32×32
        assertEquals("64x64", o.get("eval_size").getAsString());
        assertTrue(o.get("checkpoint").getAsString().endsWith("best.safetensors"));
        for (String k : List.of("dice_global", "dice_per_slice_mean")) {
            JsonObject d = o.getAsJsonObject(k);
            for (String c : List.of("ggo", "consolidation", "mean")) {
                double v = d.get(c).getAsDouble();
                assertTrue(v >= 0 && v <= 1, k + "." + c + " = " + v);
            }
        }
        JsonObject ggo = o.getAsJsonObject("counts").getAsJsonObject("ggo");
        long tp = ggo.get("tp").getAsLong(), fp = ggo.get("fp").getAsLong(), fn = ggo.get("fn").getAsLong();
        double dice = 2.0 * tp + fp + fn == 0 ? 1 : 2.0 * tp / (2.0 * tp + fp + fn);
        assertEquals(dice, o.getAsJsonObject("dice_global").get("ggo").getAsDouble(), 1e-12);
        // the true GGO pixels are those of the two test slices at 64×64 (indices 10 and 11 of the data seed)
        SyntheticCt ct = new SyntheticCt(TrainCommand.SYNTHETIC_DATA_SEED);
        assertEquals(ct.generate(10, 64).count(CtSlice.GGO) + ct.generate(11, 64).count(CtSlice.GGO), tp + fn);
        assertEquals(2, o.getAsJsonArray("per_slice").size());
    }

    @Test
    void predictAndAttentionWritePngs() throws Exception {
        CtSlice s = new SyntheticCt(TrainCommand.SYNTHETIC_DATA_SEED).generate(8, 64);
        Path img = dir.resolve("slice.png"), mask = dir.resolve("mask.png");
        GrayPng.writeIntensities(img, 64, 64, s.image());
        GrayPng.writeLabels(mask, 64, 64, s.labels());
        Path out = dir.resolve("pred.png"), labels = dir.resolve("labels.png");
        Cli p = Cli.run("predict", "--checkpoint", run.resolve("best.safetensors").toString(), "--image", img.toString(),
                "--mask", mask.toString(), "--labels-out", labels.toString(), "--out", out.toString());
        assertEquals(0, p.code(), p.err());
        BufferedImage overlay = ImageIO.read(out.toFile());
        assertTrue(overlay.getWidth() >= 64 && overlay.getHeight() > overlay.getWidth(), "legend above the image");
        assertEquals(64, GrayPng.read(labels, GrayPng.Mode.EXACT).height());

        Path att = dir.resolve("att.png");
        Cli a = Cli.run("attention", "--checkpoint", run.resolve("best.safetensors").toString(), "--image", img.toString(),
                "--pixel", "20,30", "--out", att.toString());
        assertEquals(0, a.code(), a.err());
        assertTrue(a.out().contains("slot") && a.out().contains("weight"), a.out());
        assertTrue(ImageIO.read(att.toFile()).getWidth() >= 512);
        Cli outside = Cli.run("attention", "--checkpoint", run.resolve("best.safetensors").toString(), "--image",
                img.toString(), "--pixel", "70,3", "--out", att.toString());
        assertEquals(2, outside.code());
        assertTrue(outside.errorLine().contains("outside"), outside.err());
    }
}

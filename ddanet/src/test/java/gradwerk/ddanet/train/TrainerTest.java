package gradwerk.ddanet.train;

import gradwerk.ddanet.cli.Main;
import gradwerk.tensor.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training loop through its Java API, with a model factory of our own (a two-level miniature U-Net): the files
 * of a run, what a checkpoint records, and a checkpoint that does not fit the model its config names.
 * (Resuming is tested through the CLI: {@code CliTrainTest}, {@code ResumeExactTest}.)
 */
class TrainerTest {
    @TempDir
    Path dir;

    static TrainConfig tiny(int epochs) {
        return new TrainConfig("unet", "synthetic", epochs, 2, 32, 4, 7, 1e-2, 1e-4, true,
                new TrainConfig.Synthetic(7, 6, 2, 2, 64));
    }

    @Test
    void aRunWritesMetricsCheckpointsChartsAndOverlays() throws Exception {
        Path out = dir.resolve("run");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Trainer t = new Trainer(out, Device.CPU, TinyModel.FACTORY, new PrintStream(log, true, StandardCharsets.UTF_8), false);
        Trainer.Result r = t.train(tiny(1), 0);
        assertTrue(r.finished());
        List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        assertEquals(EpochMetrics.HEADER, csv.get(0));
        assertEquals(2, csv.size());
        for (String f : List.of("last.safetensors", "best.safetensors", "loss.png", "dice.png"))
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        try (var s = Files.list(out.resolve("overlays"))) {
            assertEquals(2, s.filter(p -> p.toString().endsWith(".png")).count());
        }
        RunCheckpoint.Loaded best = RunCheckpoint.read(out.resolve("best.safetensors"));
        assertEquals(tiny(1), best.config());
        assertEquals("best", best.kind());
        assertEquals(1, best.epoch());
        assertEquals(1, best.history().size());
        assertTrue(best.checkpoint().optimizerTensors().isEmpty(), "best holds the model only");
        RunCheckpoint.Loaded last = RunCheckpoint.read(out.resolve("last.safetensors"));
        assertFalse(last.checkpoint().optimizerTensors().isEmpty());
        assertTrue(last.checkpoint().rngStates().containsKey(RunCheckpoint.MODEL_RNG));
        assertEquals(best.standardizer(), last.standardizer());
        assertTrue(r.secondsPerStep() > 0);
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("epoch 1/1"));

        // The config says "unet", but the tensors are the miniature model's: eval must say so in one line.
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Main.run("eval", "--checkpoint", out.resolve("best.safetensors").toString());
        } finally {
            System.setErr(oldErr);
        }
        String e = err.toString(StandardCharsets.UTF_8).strip();
        assertEquals(2, code, e);
        assertFalse(e.contains("\n"), e);
        assertTrue(e.contains("best.safetensors") && e.contains("does not fit model 'unet'"), e);
    }
}

package gradwerk.ddanet.train;

import gradwerk.nn.io.Checkpoint;
import gradwerk.tensor.Device;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The training loop on a tiny model and tiny synthetic data: outputs, and a resumed run equal to a straight one. */
class TrainerTest {
    @TempDir
    Path dir;

    static TrainConfig tiny(int epochs) {
        return new TrainConfig("unet", "synthetic", epochs, 2, 32, 4, 7, 1e-2, 1e-4, true,
                new TrainConfig.Synthetic(7, 6, 2, 2, 64));
    }

    static Trainer trainer(Path out) {
        return new Trainer(out, Device.CPU, TinyModel.FACTORY, new PrintStream(new ByteArrayOutputStream()), false);
    }

    @Test
    void resumingAfterAnEpochReproducesTheStraightRunExactly() throws Exception {
        Trainer.Result straight = trainer(dir.resolve("a")).train(tiny(2), 0);
        assertTrue(straight.finished());

        Trainer.Result first = trainer(dir.resolve("b")).train(tiny(2), 1);   // "killed" after epoch 1
        assertFalse(first.finished());
        assertEquals(1, first.history().size());
        Trainer.Result resumed = trainer(dir.resolve("b")).resume(0);
        assertTrue(resumed.finished());

        assertEquals(straight.history().stream().map(EpochMetrics::withoutTiming).toList(),
                resumed.history().stream().map(EpochMetrics::withoutTiming).toList());
        assertEquals(straight.best(), resumed.best());
        for (String file : List.of(RunCheckpoint.LAST, RunCheckpoint.BEST)) {
            Map<String, Tensor> a = Checkpoint.load(dir.resolve("a").resolve(file)).model();
            Map<String, Tensor> b = Checkpoint.load(dir.resolve("b").resolve(file)).model();
            assertEquals(a.keySet(), b.keySet());
            for (String k : a.keySet()) assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), file + " " + k);
        }
        Checkpoint la = Checkpoint.load(dir.resolve("a").resolve(RunCheckpoint.LAST));
        Checkpoint lb = Checkpoint.load(dir.resolve("b").resolve(RunCheckpoint.LAST));
        assertEquals(la.optimizerScalars(), lb.optimizerScalars());
        for (String k : la.optimizerTensors().keySet())
            assertArrayEquals(la.optimizerTensors().get(k).toFloatArray(), lb.optimizerTensors().get(k).toFloatArray(), k);
        // the CSV of the resumed run has both epochs, with the same values apart from the timing columns
        List<String> ca = Files.readAllLines(dir.resolve("a/metrics.csv")), cb = Files.readAllLines(dir.resolve("b/metrics.csv"));
        assertEquals(3, cb.size());
        for (int i = 0; i < ca.size(); i++)
            assertEquals(withoutTiming(ca.get(i)), withoutTiming(cb.get(i)));
    }

    private static String withoutTiming(String csvLine) {
        String[] f = csvLine.split(",");
        return String.join(",", Arrays.copyOf(f, f.length - 2));
    }

    @Test
    void aRunWritesMetricsCheckpointsChartsAndOverlays() throws Exception {
        Path out = dir.resolve("run");
        Trainer.Result r = trainer(out).train(tiny(1), 0);
        List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        assertEquals(EpochMetrics.HEADER, csv.get(0));
        assertEquals(2, csv.size());
        for (String f : List.of("last.safetensors", "best.safetensors", "loss.png", "dice.png"))
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        try (var s = Files.list(out.resolve("overlays"))) {
            assertEquals(2, s.filter(p -> p.toString().endsWith(".png")).count());
        }
        RunCheckpoint.Loaded l = RunCheckpoint.read(out.resolve("best.safetensors"));
        assertEquals(tiny(1), l.config());
        assertEquals("best", l.kind());
        assertEquals(1, l.epoch());
        assertTrue(r.secondsPerStep() > 0);
    }
}

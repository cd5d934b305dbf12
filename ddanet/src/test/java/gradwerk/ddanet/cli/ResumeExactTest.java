package gradwerk.ddanet.cli;

import gradwerk.nn.io.Checkpoint;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "Killed and restarted with --resume, it continues where it stopped", checked the way it happens: separate JVMs.
 * One trains 2 epochs straight; another stops after epoch 1 (as if killed) and a third resumes it. Every value in
 * metrics.csv (but the timings) and every tensor of both checkpoints (model and optimiser) must be identical.
 *
 * <p>The JVMs run the default (Vector API, multi-threaded) kernels: their reductions add lanes and per-thread
 * partial sums in a fixed order, so the same inputs give the same bits however far the JIT has got.
 */
class ResumeExactTest {
    @TempDir
    Path dir;

    private static void gradwerk(Path log, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        assertEquals(0, p.exitValue(), () -> String.join(" ", args) + " failed:\n" + read(log));
    }

    private static String read(Path f) {
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    void resumedRunIsBitIdenticalToTheStraightRun() throws Exception {
        Path a = dir.resolve("straight"), b = dir.resolve("resumed");
        gradwerk(dir.resolve("a.log"), CliTrainTest.tinyTrain(a));
        gradwerk(dir.resolve("b1.log"), CliTrainTest.tinyTrain(b, "--stop-after", "1"));
        assertEquals(2, Files.readAllLines(b.resolve("metrics.csv")).size(), read(dir.resolve("b1.log")));
        gradwerk(dir.resolve("b2.log"), "train", "--resume", "--out", b.toString());
        assertTrue(read(dir.resolve("b2.log")).contains("resuming"));

        List<String> x = Files.readAllLines(a.resolve("metrics.csv")), y = Files.readAllLines(b.resolve("metrics.csv"));
        assertEquals(3, x.size());
        assertEquals(x.stream().map(ResumeExactTest::noTiming).toList(), y.stream().map(ResumeExactTest::noTiming).toList());
        for (String f : List.of("last.safetensors", "best.safetensors")) {
            Checkpoint p = Checkpoint.load(a.resolve(f)), q = Checkpoint.load(b.resolve(f));
            assertEquals(p.epoch(), q.epoch(), f);
            assertEquals(p.step(), q.step(), f);
            same(f + " model", p.model(), q.model());
            same(f + " optimiser", p.optimizerTensors(), q.optimizerTensors());
            assertEquals(p.optimizerScalars(), q.optimizerScalars(), f);
            assertEquals(p.rngStates().keySet(), q.rngStates().keySet());
            for (String k : p.rngStates().keySet()) assertArrayEquals(p.rng(k), q.rng(k), f + " rng " + k);
        }
    }

    private static void same(String what, Map<String, Tensor> p, Map<String, Tensor> q) {
        assertEquals(p.keySet(), q.keySet(), what);
        for (String k : p.keySet()) assertArrayEquals(p.get(k).toFloatArray(), q.get(k).toFloatArray(), what + " " + k);
    }

    static String noTiming(String line) {
        String[] f = line.split(",");
        return String.join(",", Arrays.copyOf(f, f.length - 2));
    }
}

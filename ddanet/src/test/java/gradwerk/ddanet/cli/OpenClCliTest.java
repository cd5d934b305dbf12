package gradwerk.ddanet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import gradwerk.ddanet.data.CtSlice;
import gradwerk.ddanet.data.GrayPng;
import gradwerk.ddanet.data.SyntheticCt;
import gradwerk.tensor.opencl.OpenClPlatforms;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI on OpenCL: {@code train --device opencl} trains a tiny DDANet there, {@code eval} and {@code predict}
 * with {@code --device opencl} agree with the same commands on the CPU, and what goes wrong (a device index that
 * does not exist, no OpenCL platform, a kernel that does not compile) is a short message with an exit code, never
 * a stack trace. The last two run the CLI in a fresh JVM, since the OpenCL state of a JVM is set up once.
 *
 * <p>Without an OpenCL platform the tests are skipped with a one-line reason, except with {@code CI=true}, where
 * they fail (the rule of every OpenCL test).
 */
class OpenClCliTest {
    @TempDir
    static Path dir;
    static Path run;
    static Cli trained;

    static void requireOpenCl() {
        Optional<String> reason = OpenClPlatforms.unavailableReason();
        if (reason.isPresent()) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) fail("CI=true, so OpenCL must work here, but: " + reason.get());
            Assumptions.abort("no OpenCL: " + reason.get());
        }
    }

    @BeforeAll
    static void trainOnOpenCl() {
        requireOpenCl();
        run = dir.resolve("run");
        trained = Cli.run("train", "--device", "opencl", "--model", "ddanet", "--data", "synthetic", "--epochs", "1",
                "--size", "32", "--base-channels", "4", "--batch", "4", "--synthetic-slices", "4,2,2", "--seed", "3",
                "--out", run.toString());
        assertEquals(0, trained.code(), trained.err());
    }

    @Test
    void trainRunsOnTheOpenClDevice() throws IOException {
        assertTrue(trained.out().contains(" on opencl:"), trained.out());
        assertTrue(trained.out().contains("epoch 1/1"), trained.out());
        assertTrue(Files.size(run.resolve("best.safetensors")) > 0);
    }

    @Test
    void evalOnOpenClAgreesWithTheCpu() throws IOException {
        JsonObject cl = eval("opencl"), cpu = eval("cpu");
        for (String c : List.of("ggo", "consolidation", "mean"))
            assertEquals(cpu.getAsJsonObject("dice_global").get(c).getAsDouble(),
                    cl.getAsJsonObject("dice_global").get(c).getAsDouble(), 2e-3, c);
        for (String c : List.of("ggo", "consolidation")) { // a few argmax ties may fall the other way in float32
            JsonObject a = cpu.getAsJsonObject("counts").getAsJsonObject(c), b = cl.getAsJsonObject("counts").getAsJsonObject(c);
            long tpA = a.get("tp").getAsLong(), tpB = b.get("tp").getAsLong();
            assertTrue(Math.abs(tpA - tpB) <= 4, c + " true positives: " + tpB + " on OpenCL vs " + tpA + " on the CPU");
        }
    }

    private JsonObject eval(String device) throws IOException {
        Path json = dir.resolve("eval-" + device + ".json");
        Cli r = Cli.run("eval", "--checkpoint", run.resolve("best.safetensors").toString(), "--split", "test",
                "--device", device, "--out", json.toString());
        assertEquals(0, r.code(), r.err());
        return JsonParser.parseString(Files.readString(json)).getAsJsonObject();
    }

    @Test
    void predictOnOpenClAgreesWithTheCpu() throws IOException {
        CtSlice s = new SyntheticCt(TrainCommand.SYNTHETIC_DATA_SEED).generate(8, 64);
        Path img = dir.resolve("slice.png");
        GrayPng.writeIntensities(img, 64, 64, s.image());
        int[] cl = predict(img, "opencl"), cpu = predict(img, "cpu");
        int differ = 0;
        for (int i = 0; i < 64 * 64; i++) if (cl[i] != cpu[i]) differ++;
        assertTrue(differ <= 8, differ + " of 4096 predicted pixels differ between OpenCL and the CPU");
    }

    private int[] predict(Path img, String device) throws IOException {
        Path labels = dir.resolve("labels-" + device + ".png");
        Cli p = Cli.run("predict", "--checkpoint", run.resolve("best.safetensors").toString(), "--image", img.toString(),
                "--labels-out", labels.toString(), "--out", dir.resolve("pred-" + device + ".png").toString(),
                "--device", device);
        assertEquals(0, p.code(), p.err());
        return GrayPng.read(labels, GrayPng.Mode.EXACT).values();
    }

    @Test
    void aDeviceIndexThatDoesNotExistIsOneLine() {
        Cli r = Cli.run("eval", "--checkpoint", run.resolve("best.safetensors").toString(), "--device", "opencl:99");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.errorLine().contains("no OpenCL device opencl:99"), r.err());
    }

    @Test
    void aKernelBuildErrorIsOneLineFollowedByTheCompilerLog() throws Exception {
        Result r = freshJvm(List.of("-Dgradwerk.opencl.buildOptions=-DGW_FAIL_BUILD=1"), Map.of(),
                "eval", "--checkpoint", run.resolve("best.safetensors").toString(), "--device", "opencl");
        assertEquals(3, r.exit, r.output);
        String first = r.output.lines().filter(l -> l.startsWith("gradwerk eval:")).findFirst().orElseThrow(() -> new AssertionError(r.output));
        assertTrue(first.contains("building OpenCL program") && first.contains("--device cpu"), first);
        assertTrue(r.output.lines().anyMatch(l -> l.startsWith("  | ") && l.contains("GW_FAIL_BUILD")), r.output);
        assertNoCrash(r);
    }

    @Test
    void noOpenClPlatformIsOneLineWithAnInstallHint(@TempDir Path emptyVendors) throws Exception {
        Result r = freshJvm(List.of(), Map.of("OCL_ICD_VENDORS", emptyVendors.toString()),
                "eval", "--checkpoint", run.resolve("best.safetensors").toString(), "--device", "opencl");
        assertEquals(3, r.exit, r.output);
        List<String> errors = r.output.lines().filter(l -> l.startsWith("gradwerk")).toList();
        assertEquals(1, errors.size(), r.output);
        assertTrue(errors.getFirst().contains("no OpenCL platform found") && errors.getFirst().contains("apt-get install"), r.output);
        assertNoCrash(r);

        Result devices = freshJvm(List.of(), Map.of("OCL_ICD_VENDORS", emptyVendors.toString()), "devices");
        assertEquals(0, devices.exit, devices.output);
        assertTrue(devices.output.contains("opencl    not available: no OpenCL platform found"), devices.output);
    }

    private record Result(int exit, String output) {}

    /** The CLI in a new JVM with extra JVM options and environment; stdout and stderr together. */
    private static Result freshJvm(List<String> jvmOptions, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM hung");
        return new Result(p.exitValue(), out);
    }

    private static void assertNoCrash(Result r) {
        assertFalse(r.output.contains("Exception in thread"), r.output);
        assertFalse(r.output.contains("\tat "), r.output);
        assertFalse(r.output.contains("hs_err"), r.output);
    }
}

package gradwerk.ddanet.cli;

import gradwerk.tensor.cpu.Parallel;
import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the benchmark commands share: finding the Python reference scripts in {@code tools/}, checking that
 * Debian's python has a module, and starting a script with the machine's OpenBLAS tuning variables removed
 * (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE mis-describe this CPU and slow numpy and PyTorch down).
 */
final class BenchTools {
    /** The python the reference scripts run with (Debian's, which has numpy and PyTorch). */
    static final String PYTHON = "/usr/bin/python3";
    private static final Pattern GFLOPS = Pattern.compile("gflops=([0-9.]+)");

    private BenchTools() {}

    /**
     * One line that says what heap the benchmark runs on, so that a pasted result carries it: the launcher gives
     * kernel benchmarks a fixed, pre-touched heap, and a heap that still grows makes the rounds in which it grows
     * slow (fresh memory costs about 1 GB/s to touch on a VM).
     */
    static String heapLine() {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        boolean touched = Boolean.parseBoolean(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                .getVMOption("AlwaysPreTouch").getValue());
        long initMb = heap.getInit() >> 20, maxMb = heap.getMax() >> 20;
        return "# jvm heap: initial " + initMb + " MB, max " + maxMb + " MB, "
                + (initMb == maxMb && touched ? "fixed and pre-touched"
                : "grows on demand (rounds in which it grows are slower)");
    }

    /** tools/&lt;name&gt; in the working directory or one of its parents (the launcher runs from the checkout). */
    static Optional<Path> script(String name) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path p = dir.resolve("tools").resolve(name);
            if (Files.isRegularFile(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    /** Whether {@code python -c 'import module'} succeeds (within a minute). */
    static boolean hasModule(String python, String module) {
        if (!Files.isExecutable(Path.of(python))) return false;
        try {
            Process p = builder(List.of(python, "-c", "import " + module)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A process builder for command with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from its environment. */
    static ProcessBuilder builder(List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("OPENBLAS_CORETYPE");
        pb.environment().remove("OPENBLAS_L2_SIZE");
        return pb;
    }

    /** Runs command to completion and returns its stdout lines (stderr passes through); fails on a non-zero exit. */
    static List<String> run(List<String> command) {
        try {
            Process p = builder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            List<String> lines = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) lines.add(line);
            }
            int rc = p.waitFor();
            if (rc != 0) throw new IllegalStateException(String.join(" ", command) + " exited with " + rc);
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The number after {@code gflops=} in a benchmark line, or NaN. */
    static double gflops(String line) {
        Matcher m = GFLOPS.matcher(line);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    /** The value of a {@code --threads} option: all cores when absent; at least 1. */
    static int threads(Integer option) {
        int t = option == null ? Parallel.threads() : option;
        if (t < 1) throw new IllegalArgumentException("--threads " + t + " must be >= 1");
        return t;
    }

    /** The number after {@code key=} in a benchmark line, or NaN. */
    static double number(String line, String key) {
        Matcher m = Pattern.compile("(?:^|\\s)" + Pattern.quote(key) + "=([-0-9.eE]+)").matcher(line);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).filter(v -> !Double.isNaN(v)).sorted().toArray();
        if (a.length == 0) return Double.NaN;
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }
}

package gradwerk.ddanet.cli;

import gradwerk.tensor.cpu.Parallel;
import gradwerk.tensor.nn.ConvBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code ./gradwerk bench conv2d}: float32 conv2d GFLOPS (forward, and forward + input and weight gradients) for
 * every 3×3 convolution of the U-Net ({@link ConvBench#UNET}), and, when Debian's PyTorch is installed, PyTorch's
 * for the same shapes in the same run: {@code tools/bench_conv_pytorch.py --serve} runs next to this JVM and
 * measures each shape right after gradwerk does, so that both see the same machine load. With several rounds the
 * summary gives medians, and ratios as the median of each round's ratio.
 */
@Command(name = "conv2d", mixinStandardHelpOptions = true,
        description = "conv2d GFLOPS (fwd, fwd+bwd) on the U-Net's shapes, side by side with PyTorch when installed.")
final class BenchConvCommand implements Callable<Integer> {
    @Option(names = "--rounds", defaultValue = "5", description = "interleaved rounds, gradwerk then PyTorch per shape;"
            + " the summary is the median of the per-round ratios (default: ${DEFAULT-VALUE}: single rounds move ±30 %% here)")
    int rounds;

    @Option(names = "--reps", defaultValue = "7", description = "timed runs per measurement, median (default: ${DEFAULT-VALUE})")
    int reps;

    @Option(names = "--warmup", defaultValue = "3", description = "untimed fwd+bwd runs per shape (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--warmup-rounds", defaultValue = "1", description = "untimed rounds over all shapes before the"
            + " timed ones, gradwerk only (default: ${DEFAULT-VALUE}): the JIT compiles, the heap grows to its working size")
    int warmupRounds;

    @Option(names = "--filter", defaultValue = "", description = "only shapes whose line contains this, e.g. hw=16")
    String filter;

    @Option(names = "--threads", description = "threads for both (default: all cores)")
    Integer threads;

    @Option(names = "--no-pytorch", description = "skip the PyTorch comparison")
    boolean noPytorch;

    @Option(names = "--compare-pytorch", description = "compare with PyTorch (the default; accepted for symmetry with the other benchmarks)")
    boolean comparePytorch;

    /** Per shape and side, the GFLOPS of each round: {fwd, fwd+bwd}. */
    private final Map<String, List<double[]>> ours = new LinkedHashMap<>(), theirs = new LinkedHashMap<>();

    @Override
    public Integer call() throws IOException {
        if (rounds < 1 || reps < 1 || warmup < 0 || warmupRounds < 0)
            throw new IllegalArgumentException("--rounds and --reps must be >= 1, --warmup and --warmup-rounds >= 0");
        int t = BenchTools.threads(threads);
        List<int[]> shapes = ConvBench.select(ConvBench.UNET, filter);
        if (shapes.isEmpty()) throw new IllegalArgumentException("--filter '" + filter + "' matches no shape");
        Optional<Path> script = BenchTools.script("bench_conv_pytorch.py");
        boolean torch = !noPytorch && script.isPresent() && BenchTools.hasModule(BenchTools.PYTHON, "torch");
        if (!noPytorch && !torch)
            System.out.println("# pytorch: skipped (needs " + BenchTools.PYTHON + " with torch and tools/bench_conv_pytorch.py)");
        int saved = Parallel.threads();
        Parallel.setThreads(t);
        Process py = null;
        try {
            BufferedReader pyOut = null;
            Writer pyIn = null;
            if (torch) {
                py = BenchTools.builder(List.of(BenchTools.PYTHON, script.get().toString(), String.valueOf(reps),
                        String.valueOf(warmup), "--threads", String.valueOf(t), "--serve"))
                        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
                pyOut = new BufferedReader(new InputStreamReader(py.getInputStream(), StandardCharsets.UTF_8));
                pyIn = new OutputStreamWriter(py.getOutputStream(), StandardCharsets.UTF_8);
                System.out.println(pyOut.readLine()); // its header
            }
            System.out.println(ConvBench.header(reps, warmup));
            System.out.println(BenchTools.heapLine());
            // Untimed rounds first. A fresh JVM is not yet in the state a training run is in after its first steps:
            // kernels still being compiled, and the heap still growing (G1 sizes it from the allocation rate; while
            // it grows, allocations land in memory the process has never touched). Measured with 4 shapes per round
            // (2026-11-27): 16->16 @ 256² ran at 20-27 GFLOPS in the rounds where the heap grew by 200-600 MB and
            // at 70-95 in the others; with a fixed, pre-touched heap, at 70-95 in every round. So the launcher
            // now gives this command such a heap (see ./gradwerk), and the heap line above says which one it got.
            for (int r = 1; r <= warmupRounds; r++) {
                System.out.println("# warm-up round " + r + "/" + warmupRounds + " (untimed)");
                for (int[] s : shapes) ConvBench.measure(s, 1, warmup);
            }
            for (int r = 1; r <= rounds; r++) {
                System.out.println("# round " + r + "/" + rounds);
                for (int[] s : shapes) {
                    ConvBench.Result res = ConvBench.measure(s, reps, warmup);
                    System.out.println(res.lines().lines().map(l -> "gradwerk " + l).reduce((a, b) -> a + "\n" + b).orElse(""));
                    ours.computeIfAbsent(res.shape(), k -> new ArrayList<>()).add(new double[] {res.fwd(), res.fwdBwd()});
                    if (torch) theirs.computeIfAbsent(res.shape(), k -> new ArrayList<>()).add(pytorch(s, pyIn, pyOut));
                }
            }
            summary(torch);
        } finally {
            Parallel.setThreads(saved);
            if (py != null) {
                py.getOutputStream().close();
                try {
                    py.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        return 0;
    }

    /** Asks the PyTorch process to measure shape s; echoes its lines and returns {fwd, fwd+bwd}. */
    private static double[] pytorch(int[] s, Writer in, BufferedReader out) {
        try {
            in.write(s[0] + "," + s[1] + "," + s[2] + "," + s[3] + "," + s[4] + "," + s[5] + "\n");
            in.flush();
            double fwd = Double.NaN, both = Double.NaN;
            for (int i = 0; i < 4; ) {
                String line = out.readLine();
                if (line == null) throw new IllegalStateException("bench_conv_pytorch.py ended early");
                System.out.println("pytorch  " + line);
                if (line.startsWith("#")) continue;
                if (line.startsWith("conv2d fwd ")) fwd = BenchTools.gflops(line);
                if (line.startsWith("conv2d fwd+bwd ")) both = BenchTools.gflops(line);
                i++;
            }
            return new double[] {fwd, both};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void summary(boolean torch) {
        System.out.println();
        System.out.println("# summary: GFLOPS, median of " + rounds + " round(s)"
                + (torch ? "; ratio = gradwerk / PyTorch, median of the per-round ratios" : ""));
        System.out.println(torch
                ? String.format(Locale.ROOT, "%-28s %9s %9s %9s %9s %7s %7s", "shape", "gw fwd", "gw f+b", "pt fwd",
                "pt f+b", "r fwd", "r f+b")
                : String.format(Locale.ROOT, "%-28s %9s %9s", "shape", "gw fwd", "gw f+b"));
        for (var e : ours.entrySet()) {
            List<double[]> g = e.getValue();
            double gf = BenchTools.median(col(g, 0)), gb = BenchTools.median(col(g, 1));
            if (!torch) {
                System.out.println(String.format(Locale.ROOT, "%-28s %9.1f %9.1f", e.getKey(), gf, gb));
                continue;
            }
            List<double[]> p = theirs.get(e.getKey());
            List<Double> rf = new ArrayList<>(), rb = new ArrayList<>();
            for (int i = 0; i < g.size(); i++) {
                rf.add(g.get(i)[0] / p.get(i)[0]);
                rb.add(g.get(i)[1] / p.get(i)[1]);
            }
            System.out.println(String.format(Locale.ROOT, "%-28s %9.1f %9.1f %9.1f %9.1f %7.2f %7.2f", e.getKey(), gf, gb,
                    BenchTools.median(col(p, 0)), BenchTools.median(col(p, 1)), BenchTools.median(rf),
                    BenchTools.median(rb)));
        }
    }

    private static List<Double> col(List<double[]> rows, int i) {
        List<Double> out = new ArrayList<>();
        for (double[] r : rows) out.add(r[i]);
        return out;
    }
}

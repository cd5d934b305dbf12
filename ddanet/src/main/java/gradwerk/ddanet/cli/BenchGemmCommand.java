package gradwerk.ddanet.cli;

import gradwerk.tensor.cpu.GemmBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code ./gradwerk bench gemm --n 1024 --threads 2}: float32 GEMM throughput of n×n×n products, printed as
 * {@code gemm n=1024 threads=2 gflops=<x>} ({@link GemmBench}); when Debian's numpy is installed, followed by
 * OpenBLAS's line for the same size ({@code tools/bench_openblas.py}) and the ratio; with {@code --rounds R} the two
 * alternate R times and the ratio is the median of the rounds' ratios. {@code --breakdown} adds one
 * line that splits a single-threaded sgemm into micro-kernel, C traffic and packing ({@link GemmBench#breakdown}).
 */
@Command(name = "gemm", mixinStandardHelpOptions = true,
        description = "SGEMM GFLOPS (n x n x n), and OpenBLAS's through numpy side by side when numpy is installed.")
final class BenchGemmCommand implements Callable<Integer> {
    @Option(names = "--n", defaultValue = "1024", description = "matrix size (default: ${DEFAULT-VALUE})")
    int n;

    @Option(names = "--threads", description = "threads (default: all cores)")
    Integer threads;

    @Option(names = "--reps", defaultValue = "0", description = "timed repetitions (default: enough for ~2 s)")
    int reps;

    @Option(names = "--no-openblas", description = "skip the OpenBLAS comparison")
    boolean noOpenblas;

    @Option(names = "--breakdown", description = "also time, on one thread and interleaved in this JVM, the micro-kernel"
            + " alone, the micro-kernel updating a real C, and the whole sgemm (where the time goes)")
    boolean breakdown;

    @Option(names = "--rounds", defaultValue = "1", description = "alternating rounds, gradwerk then OpenBLAS; the"
            + " summary ratio is the median of the per-round ratios (default: ${DEFAULT-VALUE}; on a shared machine"
            + " single rounds move by 5-10 %%)")
    int rounds;

    @Option(names = "--breakdown-rounds", defaultValue = "9", description = "interleaved rounds of --breakdown (default: ${DEFAULT-VALUE})")
    int breakdownRounds;

    @Option(names = "--compare-pytorch", description = "compare with OpenBLAS through numpy (PyTorch's CPU GEMM; the default)")
    boolean comparePytorch;

    @Override
    public Integer call() {
        if (n < 1) throw new IllegalArgumentException("--n " + n + " must be >= 1");
        int t = BenchTools.threads(threads);
        if (reps < 0) throw new IllegalArgumentException("--reps " + reps + " must be >= 0");
        if (rounds < 1) throw new IllegalArgumentException("--rounds " + rounds + " must be >= 1");
        Optional<Path> script = noOpenblas ? Optional.empty() : BenchTools.script("bench_openblas.py");
        boolean openblas = script.isPresent() && BenchTools.hasModule(BenchTools.PYTHON, "numpy");
        List<Double> ours = new ArrayList<>(), ratios = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            if (rounds > 1) System.out.println("# round " + (r + 1) + "/" + rounds);
            double gflops = GemmBench.gflops(n, t, reps > 0 ? reps : GemmBench.defaultReps(n));
            ours.add(gflops);
            System.out.println(String.format(Locale.ROOT, "gemm n=%d threads=%d gflops=%.1f", n, t, gflops));
            if (!openblas) continue;
            List<String> lines = BenchTools.run(List.of(BenchTools.PYTHON, script.get().toString(), "--n",
                    String.valueOf(n), "--threads", String.valueOf(t)));
            for (String line : lines) {
                System.out.println(line);
                if (line.startsWith("openblas-sgemm") && BenchTools.gflops(line) > 0)
                    ratios.add(gflops / BenchTools.gflops(line));
            }
        }
        if (breakdown) {
            double[] b = GemmBench.breakdown(n, breakdownRounds);
            System.out.println(String.format(Locale.ROOT, "gemm-breakdown n=%d threads=1 rounds=%d kernel=%.1f "
                    + "kernel+C=%.1f sgemm=%.1f (GFLOPS, medians; kernel: packed panels, C in L1; kernel+C: real C; "
                    + "sgemm: with packing)", n, breakdownRounds, b[0], b[1], b[2]));
        }
        if (noOpenblas) return 0;
        if (!openblas) {
            System.out.println("# openblas: skipped (needs " + BenchTools.PYTHON + " with numpy and tools/bench_openblas.py)");
            return 0;
        }
        if (rounds > 1)
            System.out.println(String.format(Locale.ROOT, "# median of %d rounds: gemm gflops=%.1f", rounds,
                    BenchTools.median(ours)));
        if (!ratios.isEmpty())
            System.out.println(String.format(Locale.ROOT, "ratio gradwerk/openblas n=%d threads=%d %.2f", n, t,
                    BenchTools.median(ratios)));
        return 0;
    }
}

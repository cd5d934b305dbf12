package gradwerk.ddanet.cli;

import gradwerk.tensor.cpu.BandwidthBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Locale;
import java.util.Optional;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code ./gradwerk bench bandwidth}: memory bandwidth of {@code out = a + b} and {@code sum(a)} on the CPU backend
 * ({@link BandwidthBench}), lines {@code add n=... threads=... gbps=...} and {@code sum ...}.
 */
@Command(name = "bandwidth", mixinStandardHelpOptions = true,
        description = "Memory bandwidth (GB/s) of elementwise add and sum on the CPU backend.")
final class BenchBandwidthCommand implements Callable<Integer> {
    @Option(names = "--n", defaultValue = "16777216", description = "float32 elements (default: ${DEFAULT-VALUE})")
    int n;

    @Option(names = "--threads", description = "threads (default: all cores)")
    Integer threads;

    @Option(names = "--reps", defaultValue = "15", description = "timed repetitions (default: ${DEFAULT-VALUE})")
    int reps;

    @Option(names = "--baselines", description = "also the scalar reference backend and plain Java loops")
    boolean baselines;

    @Option(names = "--compare-pytorch", description = "also PyTorch's torch.add / sum (tools/bench_pytorch.py) and the ratios")
    boolean comparePytorch;

    @Override
    public Integer call() {
        if (n < 1) throw new IllegalArgumentException("--n " + n + " must be >= 1");
        if (reps < 1) throw new IllegalArgumentException("--reps " + reps + " must be >= 1");
        int t = BenchTools.threads(threads);
        List<String> args = new ArrayList<>(List.of("--n", String.valueOf(n), "--threads", String.valueOf(t),
                "--reps", String.valueOf(reps)));
        if (baselines) args.add("--baselines");
        if (baselines) { // the suite with the scalar-reference and plain-loop baselines, no comparison
            BandwidthBench.main(args.toArray(String[]::new));
            return 0;
        }
        String ours = BandwidthBench.measure(n, t, reps).toString();
        System.out.println(ours);
        if (!comparePytorch) return 0;
        Optional<Path> script = BenchTools.script("bench_pytorch.py");
        if (script.isEmpty() || !BenchTools.hasModule(BenchTools.PYTHON, "torch")) {
            System.out.println("# pytorch: skipped (needs " + BenchTools.PYTHON + " with torch and tools/bench_pytorch.py)");
            return 0;
        }
        List<String> theirs = BenchTools.run(List.of(BenchTools.PYTHON, script.get().toString(), "bandwidth", "--n",
                String.valueOf(n), "--reps", String.valueOf(reps), "--threads", String.valueOf(t)));
        for (String line : theirs) System.out.println("pytorch " + line);
        for (String op : new String[] {"add", "sum"}) {
            double g = Double.NaN, p = Double.NaN;
            for (String l : ours.lines().toList()) if (l.startsWith(op + " ")) g = BenchTools.number(l, "gbps");
            for (String l : theirs) if (l.startsWith(op + " ")) p = BenchTools.number(l, "gbps");
            System.out.println(String.format(Locale.ROOT, "ratio gradwerk/pytorch %s n=%d threads=%d %.2f", op, n, t, g / p));
        }
        return 0;
    }
}

package gradwerk.ddanet.cli;

import gradwerk.tensor.cpu.BandwidthBench;
import gradwerk.tensor.cpu.Parallel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
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

    @Override
    public Integer call() {
        if (n < 1) throw new IllegalArgumentException("--n " + n + " must be >= 1");
        if (reps < 1) throw new IllegalArgumentException("--reps " + reps + " must be >= 1");
        int t = threads == null ? Parallel.threads() : threads;
        if (t < 1) throw new IllegalArgumentException("--threads " + t + " must be >= 1");
        List<String> args = new ArrayList<>(List.of("--n", String.valueOf(n), "--threads", String.valueOf(t),
                "--reps", String.valueOf(reps)));
        if (baselines) args.add("--baselines");
        BandwidthBench.main(args.toArray(String[]::new));
        return 0;
    }
}

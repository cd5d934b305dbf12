package gradwerk.ddanet.cli;

import gradwerk.tensor.Device;
import gradwerk.tensor.cpu.Parallel;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * A benchmark of named rows in milliseconds ({@code <row> ms=<median>}), optionally next to
 * {@code tools/bench_pytorch.py <what>} (same row names): rounds alternate gradwerk / PyTorch, and the summary gives
 * per row both medians and the ratio PyTorch ms / gradwerk ms (median of the per-round ratios; above 1 means
 * gradwerk is faster, as in {@code bench conv2d} where the ratio is of GFLOPS).
 */
abstract class BenchRowsCommand implements Callable<Integer> {
    @Option(names = "--reps", defaultValue = "7", description = "timed runs per row, median (default: ${DEFAULT-VALUE})")
    int reps;

    @Mixin
    SideBySideOptions side;

    /** The bench_pytorch.py subcommand (and the first word of every row). */
    abstract String what();

    abstract Map<String, Double> measure(int reps, Device device);

    @Override
    public Integer call() {
        if (reps < 1 || side.rounds < 1) throw new IllegalArgumentException("--reps and --rounds must be >= 1");
        int t = side.threads(), rounds = side.rounds;
        Device dev = side.device();
        Optional<Path> script = side.pytorchScript();
        boolean torch = script.isPresent();
        int saved = Parallel.threads();
        Parallel.setThreads(t);
        Map<String, List<Double>> ours = new LinkedHashMap<>(), theirs = new LinkedHashMap<>();
        System.out.println(BenchTools.heapLine());
        try {
            for (int r = 0; r < rounds; r++) {
                for (var e : measure(reps, dev).entrySet()) {
                    System.out.println(String.format(Locale.ROOT, "%s ms=%.3f", e.getKey(), e.getValue()));
                    ours.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
                }
                if (torch) {
                    for (String line : BenchTools.run(List.of(BenchTools.PYTHON, script.get().toString(), what(),
                            "--reps", String.valueOf(reps), "--threads", String.valueOf(t)))) {
                        int at = line.indexOf(" ms=");
                        if (line.startsWith("#") || at < 0) continue;
                        System.out.println("pytorch " + line);
                        theirs.computeIfAbsent(line.substring(0, at), k -> new ArrayList<>()).add(BenchTools.number(line, "ms"));
                    }
                }
            }
        } finally {
            Parallel.setThreads(saved);
        }
        if (!torch && rounds == 1) return 0;
        System.out.println("# summary: ms, median of " + rounds + " round(s)" + (torch ? "; ratio = pytorch ms / gradwerk ms" : ""));
        for (var e : ours.entrySet()) {
            double g = BenchTools.median(e.getValue());
            List<Double> p = theirs.get(e.getKey());
            if (p == null) {
                System.out.println(String.format(Locale.ROOT, "%-28s gradwerk_ms=%.3f", e.getKey(), g));
                continue;
            }
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i < Math.min(p.size(), e.getValue().size()); i++) ratios.add(p.get(i) / e.getValue().get(i));
            System.out.println(String.format(Locale.ROOT, "%-28s gradwerk_ms=%.3f pytorch_ms=%.3f ratio=%.2f", e.getKey(), g,
                    BenchTools.median(p), BenchTools.median(ratios)));
        }
        return 0;
    }
}

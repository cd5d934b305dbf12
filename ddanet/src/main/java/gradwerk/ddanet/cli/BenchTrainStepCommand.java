package gradwerk.ddanet.cli;

import gradwerk.ddanet.bench.TrainStepBench;
import gradwerk.ddanet.model.Models;
import gradwerk.tensor.Device;
import gradwerk.tensor.cpu.ArrayPool;
import gradwerk.tensor.cpu.Parallel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code ./gradwerk bench train-step --model unet --batch 4 --size 256}: seconds per training step (forward, loss,
 * backward, Adam step; median after warm-up, {@link TrainStepBench}), printed as exactly one line
 * {@code train-step model=unet batch=4 size=256 seconds=<median>}. With {@code --compare-pytorch}, rounds alternate
 * between gradwerk and PyTorch ({@code tools/bench_pytorch.py train-step}, same architecture and loss) and the
 * summary lines give both medians and the ratio PyTorch seconds / gradwerk seconds (above 1: gradwerk faster).
 * {@code --memory} adds a line with the peak memory of both.
 */
@Command(name = "train-step", mixinStandardHelpOptions = true,
        description = "Seconds per training step (fwd + loss + bwd + Adam), optionally side by side with PyTorch.")
final class BenchTrainStepCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "unet", description = "unet, cca or ddanet (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--batch", defaultValue = "4", description = "batch size (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--size", defaultValue = "256", description = "image side, a multiple of 16 (default: ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--base-channels", defaultValue = "16", description = "U-Net base channels (default: ${DEFAULT-VALUE})")
    int base;

    @Option(names = "--steps", defaultValue = "5", description = "timed steps, median (default: ${DEFAULT-VALUE})")
    int steps;

    /**
     * Five: on a 2-core AVX-512 Xeon, after 2 untimed steps DDANet's first timed round still ran 1.4-1.9x slower than
     * its third (C2 still compiling, G1 growing the heap through untouched memory); after 6, the rounds were even.
     */
    @Option(names = "--warmup", defaultValue = "5", description = "untimed steps first (default: ${DEFAULT-VALUE})")
    int warmup;

    @Mixin
    SideBySideOptions side;

    @Option(names = "--memory", description = "also print the peak memory (JVM heap pools, process VmHWM over all rounds and after the first, which compares with each PyTorch round: a process of its own), the large arrays allocated new and taken from the pool, and the tensors saved for backward")
    boolean memory;

    @Override
    public Integer call() {
        if (!Models.NAMES.contains(model)) throw new IllegalArgumentException("--model " + model + ": choose one of " + Models.NAMES);
        if (size < 16 || size % 16 != 0) throw new IllegalArgumentException("--size " + size + " must be a positive multiple of 16");
        if (side.rounds < 1) throw new IllegalArgumentException("--rounds must be >= 1");
        int t = side.threads(), rounds = side.rounds;
        Device dev = side.device();
        Optional<Path> script = side.pytorchScript();
        boolean torch = script.isPresent();
        int saved = Parallel.threads();
        Parallel.setThreads(t);
        try {
            List<Double> ours = new ArrayList<>(), theirs = new ArrayList<>(), ratios = new ArrayList<>();
            long heap = 0, rss = 0, rssFirst = 0, ptRss = 0, ptSaved = 0; // rssFirst: one model, like each PyTorch process
            for (int r = 0; r < rounds; r++) {
                TrainStepBench.Result res = TrainStepBench.run(model, batch, size, base, warmup, steps, dev);
                ours.add(res.seconds());
                heap = Math.max(heap, res.heapPeakBytes());
                rss = Math.max(rss, res.rssPeakBytes());
                if (r == 0) rssFirst = res.rssPeakBytes();
                if (torch) {
                    String line = pytorch(script.get(), t);
                    double s = BenchTools.number(line, "seconds");
                    theirs.add(s);
                    ratios.add(s / res.seconds());
                    ptRss = Math.max(ptRss, (long) BenchTools.number(line, "maxrss_bytes"));
                    ptSaved = Math.max(ptSaved, (long) BenchTools.number(line, "saved_bytes"));
                    if (rounds > 1) System.out.println("# round " + (r + 1) + ": gradwerk " + fmt(res.seconds()) + " s, pytorch " + fmt(s) + " s");
                }
            }
            System.out.println(String.format(Locale.ROOT, "train-step model=%s batch=%d size=%d seconds=%s", model, batch,
                    size, fmt(BenchTools.median(ours))));
            if (torch) {
                System.out.println(String.format(Locale.ROOT, "pytorch train-step model=%s batch=%d size=%d seconds=%s",
                        model, batch, size, fmt(BenchTools.median(theirs))));
                System.out.println(String.format(Locale.ROOT, "ratio pytorch/gradwerk train-step model=%s %.2f", model,
                        BenchTools.median(ratios)));
            }
            if (memory) {
                ArrayPool.Stats pool = ArrayPool.stats(); // before savedForBackward, which allocates outside any scope
                long savedBytes = dev.isCpu() ? TrainStepBench.savedForBackward(model, batch, size, base) : -1;
                System.out.println(String.format(Locale.ROOT, "# memory model=%s gradwerk heap_peak_mb=%.0f rss_peak_mb=%.0f rss_first_round_mb=%.0f"
                                + " arrays_new=%d arrays_reused=%d pool_in_use_peak_mb=%.0f pool_free_mb=%.0f%s%s",
                        model, heap / 1048576.0, rss / 1048576.0, rssFirst / 1048576.0, pool.fresh(), pool.reused(),
                        pool.peakOutBytes() / 1048576.0, pool.pooledBytes() / 1048576.0,
                        savedBytes >= 0 ? String.format(Locale.ROOT, " saved_mb=%.0f", savedBytes / 1048576.0) : "",
                        torch ? String.format(Locale.ROOT, " pytorch maxrss_mb=%.0f saved_mb=%.0f", ptRss / 1048576.0,
                                ptSaved / 1048576.0) : ""));
            }
        } finally {
            Parallel.setThreads(saved);
        }
        return 0;
    }

    private String pytorch(Path script, int t) {
        List<String> lines = BenchTools.run(List.of(BenchTools.PYTHON, script.toString(), "train-step", "--model", model,
                "--batch", String.valueOf(batch), "--size", String.valueOf(size), "--base-channels", String.valueOf(base),
                "--steps", String.valueOf(steps), "--warmup", String.valueOf(warmup), "--threads", String.valueOf(t)));
        for (String l : lines) if (l.startsWith("train-step ")) return l;
        throw new IllegalStateException("bench_pytorch.py printed no train-step line: " + lines);
    }

    static String fmt(double seconds) {
        return String.format(Locale.ROOT, "%.4f", seconds);
    }
}

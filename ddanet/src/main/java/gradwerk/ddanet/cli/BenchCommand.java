package gradwerk.ddanet.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./gradwerk bench ...}: benchmarks, each printing one line per measurement (medians after warm-up).
 * Without a subcommand, the whole suite in one run: gemm, bandwidth, conv2d, grid-sample, attention and the training
 * step of the three models; with {@code --compare-pytorch} each next to PyTorch (OpenBLAS for gemm), ratios from the
 * same run. See BENCHMARKS.md.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Run benchmarks (medians after warm-up).",
                "Without a subcommand: the whole suite (gemm, bandwidth, conv2d, grid-sample, attention, train-step x 3)."},
        subcommands = {BenchConvCommand.class, BenchGemmCommand.class, BenchBandwidthCommand.class,
                BenchTrainStepCommand.class, BenchGridSampleCommand.class, BenchAttentionCommand.class})
final class BenchCommand implements Runnable {
    @Option(names = "--compare-pytorch", description = "every row next to PyTorch's (OpenBLAS's for gemm), same run")
    boolean comparePytorch;

    @Option(names = "--device", paramLabel = "cpu|opencl[:N]",
            description = "device for grid-sample, attention and train-step (gemm, bandwidth, conv2d: CPU)")
    String device;

    @Option(names = "--models", split = ",", defaultValue = "unet,cca,ddanet", description = "train-step models (default: ${DEFAULT-VALUE})")
    List<String> models;

    @Option(names = "--steps", defaultValue = "5", description = "timed train steps per model (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--rounds", defaultValue = "1", description = "alternating gradwerk/PyTorch rounds of every"
            + " benchmark, whose ratios are the medians of the rounds' (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--memory", description = "also the peak memory of each training step run")
    boolean memory;

    @Override
    public void run() {
        for (List<String> r : runs()) {
            System.out.println("## ./gradwerk bench " + String.join(" ", r));
            System.out.flush();
            List<String> args = new ArrayList<>(List.of("bench"));
            args.addAll(r);
            int rc = Main.run(args.toArray(String[]::new));
            if (rc != 0) System.out.println("# exit code " + rc);
        }
    }

    /** The suite: one argument list per benchmark command, in the order they run. */
    List<List<String>> runs() {
        String dev = device == null ? "cpu" : device;
        List<List<String>> runs = new ArrayList<>();
        String r = String.valueOf(rounds);
        runs.add(comparePytorch ? List.of("gemm", "--n", "1024", "--rounds", r)
                : List.of("gemm", "--n", "1024", "--rounds", r, "--no-openblas"));
        runs.add(with(List.of("bandwidth")));
        runs.add(comparePytorch ? List.of("conv2d", "--rounds", r) : List.of("conv2d", "--rounds", r, "--no-pytorch"));
        runs.add(with(List.of("grid-sample", "--device", dev, "--rounds", r)));
        runs.add(with(List.of("attention", "--device", dev, "--rounds", r)));
        for (String m : models) {
            List<String> a = new ArrayList<>(List.of("train-step", "--model", m, "--batch", "4", "--size", "256", "--device", dev,
                    "--steps", String.valueOf(steps), "--rounds", r));
            if (memory) a.add("--memory");
            runs.add(with(a));
        }
        return runs;
    }

    private List<String> with(List<String> args) {
        List<String> a = new ArrayList<>(args);
        if (comparePytorch) a.add("--compare-pytorch");
        return a;
    }
}

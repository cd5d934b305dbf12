package gradwerk.ddanet.cli;

import picocli.CommandLine.Command;

/** {@code ./gradwerk bench ...}: benchmarks, each printing one line per measurement (medians after warm-up). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Run benchmarks (medians after warm-up).",
        subcommands = {BenchConvCommand.class, BenchGemmCommand.class, BenchBandwidthCommand.class,
                BenchTrainStepCommand.class, BenchGridSampleCommand.class, BenchAttentionCommand.class})
final class BenchCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }
}

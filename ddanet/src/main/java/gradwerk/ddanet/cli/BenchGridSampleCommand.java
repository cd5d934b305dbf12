package gradwerk.ddanet.cli;

import gradwerk.ddanet.bench.OpBench;
import gradwerk.tensor.Device;
import picocli.CommandLine.Command;

import java.util.Map;

/** {@code ./gradwerk bench grid-sample [--compare-pytorch]}: bilinear grid_sample fwd and fwd+bwd ({@link OpBench}). */
@Command(name = "grid-sample", mixinStandardHelpOptions = true,
        description = "grid_sample fwd / fwd+bwd (ms) at the augmentation's and the deformable block's shapes.")
final class BenchGridSampleCommand extends BenchRowsCommand {
    @Override
    String what() { return "grid-sample"; }

    @Override
    Map<String, Double> measure(int reps, Device device) { return OpBench.gridSample(reps, device); }
}

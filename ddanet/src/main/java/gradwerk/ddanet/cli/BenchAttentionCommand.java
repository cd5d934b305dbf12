package gradwerk.ddanet.cli;

import gradwerk.ddanet.bench.OpBench;
import gradwerk.tensor.Device;
import picocli.CommandLine.Command;

import java.util.Map;

/** {@code ./gradwerk bench attention [--compare-pytorch]}: the criss-cross blocks fwd and fwd+bwd ({@link OpBench}). */
@Command(name = "attention", mixinStandardHelpOptions = true,
        description = "criss-cross and deformable criss-cross blocks, fwd / fwd+bwd (ms), [4,256,16,16], 2 loops.")
final class BenchAttentionCommand extends BenchRowsCommand {
    @Override
    String what() { return "attention"; }

    @Override
    Map<String, Double> measure(int reps, Device device) { return OpBench.attention(reps, device); }
}

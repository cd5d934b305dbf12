package gradwerk.ddanet.cli;

import gradwerk.tensor.Device;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The options of the benchmarks that can run PyTorch's side in alternating rounds ({@code bench train-step},
 * {@code bench grid-sample}, {@code bench attention}), shared as a picocli mixin, and what they resolve to.
 */
final class SideBySideOptions {
    @Option(names = "--rounds", defaultValue = "1",
            description = "alternating rounds (gradwerk, then PyTorch with --compare-pytorch) (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--device", paramLabel = "cpu|opencl[:N]", description = "default: cpu (PyTorch always runs on the CPU)")
    String device;

    @Option(names = "--threads", description = "threads for both (default: all cores)")
    Integer threads;

    @Option(names = "--compare-pytorch", description = "also PyTorch (tools/bench_pytorch.py), alternating rounds")
    boolean comparePytorch;

    /** --threads, or all cores; checked. */
    int threads() {
        return BenchTools.threads(threads);
    }

    /** The --device, cpu by default. */
    Device device() {
        return Device.get(device == null ? "cpu" : device);
    }

    /**
     * tools/bench_pytorch.py when --compare-pytorch was given and PyTorch can run it; otherwise empty, and when the
     * comparison was asked for but cannot run, a {@code # pytorch: skipped} line says why.
     */
    Optional<Path> pytorchScript() {
        if (!comparePytorch) return Optional.empty();
        Optional<Path> script = BenchTools.script("bench_pytorch.py");
        if (script.isPresent() && BenchTools.hasModule(BenchTools.PYTHON, "torch")) return script;
        System.out.println("# pytorch: skipped (needs " + BenchTools.PYTHON + " with torch and tools/bench_pytorch.py)");
        return Optional.empty();
    }
}

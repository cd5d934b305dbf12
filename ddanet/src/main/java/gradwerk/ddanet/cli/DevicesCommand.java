package gradwerk.ddanet.cli;

import gradwerk.tensor.cpu.Parallel;
import gradwerk.tensor.cpu.Simd;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code ./gradwerk devices}: the CPU and every OpenCL device, one line each. */
@Command(name = "devices", mixinStandardHelpOptions = true, description = "List the CPU and the OpenCL devices.")
final class DevicesCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.printf("cpu       %d threads, %s, %s%n", Parallel.threads(), Simd.describe(),
                System.getProperty("os.arch"));
        return 0;
    }
}

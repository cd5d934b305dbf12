package gradwerk.ddanet.cli;

import gradwerk.tensor.cpu.Parallel;
import gradwerk.tensor.cpu.Simd;
import gradwerk.tensor.opencl.OpenClPlatforms;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code ./gradwerk devices}: the CPU and every OpenCL device, one line each. */
@Command(name = "devices", mixinStandardHelpOptions = true, description = "List the CPU and the OpenCL devices.")
final class DevicesCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.printf("cpu       %d threads, %s, %s%n", Parallel.threads(), Simd.describe(),
                System.getProperty("os.arch"));
        // Without OpenCL this prints why (one line, with what to install) instead of failing: the CPU still works.
        OpenClPlatforms.unavailableReason().ifPresentOrElse(
                reason -> System.out.println("opencl    not available: " + reason),
                () -> OpenClPlatforms.describeDevices().forEach(System.out::println));
        return 0;
    }
}

package gradwerk.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import gradwerk.autograd.GradCheck;
import gradwerk.autograd.GradCheckAll;
import gradwerk.autograd.OpRegistry;
import gradwerk.tensor.Device;
import gradwerk.tensor.opencl.OpenClBackend;
import gradwerk.tensor.opencl.OpenClPlatforms;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Backend-generic gradient checks of nn's ops (conv2d and its transpose, pooling, upsample, grid_sample with
 * input and grid gradients, batch/group/instance norm, padding, cross-entropy): every op of nn's families through
 * its registered cases at one fixed seed, on the CPU and on OpenCL. On OpenCL the float64 inputs live on the
 * device, so forward kernels, backward kernels and finite differences all run there (needs cl_khr_fp64).
 *
 * <p>Without an OpenCL platform the OpenCL half is skipped with a one-line reason, except with {@code CI=true},
 * where it fails. autograd's DeviceGradCheckTest does the same for the tensor ops.
 */
class DeviceGradCheckTest {
    static final Set<String> FAMILIES = Set.of("ConvOps", "PoolOps", "SamplingOps", "NormOps", "PadOps", "CrossEntropy");

    static Stream<Arguments> ops() {
        List<Arguments> out = new ArrayList<>();
        for (String device : List.of("cpu", "opencl"))
            for (OpRegistry.Entry e : OpRegistry.all())
                if (FAMILIES.contains(e.family())) out.add(Arguments.of(device, e.name()));
        return out.stream();
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("ops")
    void gradientCheckPasses(String device, String op) {
        GradCheck.Result r = GradCheckAll.checkOp(op, 1, device(device));
        assertTrue(r.passed(), r.message());
    }

    /** cpu, or the OpenCL device (skipped with the reason when there is none or it lacks fp64; fails with CI=true). */
    static Device device(String spec) {
        if (spec.equals("cpu")) return Device.CPU;
        Optional<String> reason = OpenClPlatforms.unavailableReason();
        if (reason.isPresent()) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) fail("CI=true, so OpenCL must work here, but: " + reason.get());
            Assumptions.abort("no OpenCL: " + reason.get());
        }
        Device d = Device.get(System.getProperty("gradwerk.test.opencl", spec));
        Assumptions.assumeTrue(((OpenClBackend) d.backend()).context().device().fp64(),
                () -> d.name() + " has no cl_khr_fp64: float64 gradient checks cannot run there");
        return d;
    }
}

package gradwerk.autograd;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import gradwerk.tensor.Device;
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
 * Backend-generic gradient checks: every op registered by autograd's own families, gradient-checked (first order,
 * and second order where the op has it) through its registered cases at one fixed seed, on each backend: the CPU
 * and OpenCL. On OpenCL the cases' float64 inputs live on the device, so the forward and backward kernels and the
 * finite differences all run there (the device needs cl_khr_fp64; PoCL has it).
 *
 * <p>Without an OpenCL platform the OpenCL half is skipped with a one-line reason, except with {@code CI=true} in
 * the environment, where it fails (the rule of every OpenCL test). Other modules run the same for their families:
 * {@link #cases(Set)}.
 */
class DeviceGradCheckTest {
    /** autograd's families; nn's are checked by nn's test of the same name. */
    static final Set<String> FAMILIES = Set.of("UnaryRules", "BinaryRules", "ReductionRules", "MatmulRules",
            "SoftmaxRules", "ShapeRules");

    static Stream<Arguments> ops() {
        return cases(FAMILIES);
    }

    /** (device spec, op name) for every op of the given families, on cpu and opencl. */
    static Stream<Arguments> cases(Set<String> families) {
        List<Arguments> out = new ArrayList<>();
        for (String device : List.of("cpu", "opencl"))
            for (OpRegistry.Entry e : OpRegistry.all())
                if (families.contains(e.family())) out.add(Arguments.of(device, e.name()));
        return out.stream();
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("ops")
    void gradientCheckPasses(String device, String op) {
        GradCheck.Result r = GradCheckAll.checkOp(op, 1, device(device));
        assertTrue(r.passed(), r.message());
    }

    /**
     * The device for a spec; for OpenCL without a platform (or without fp64) the test is skipped with the reason,
     * or fails when {@code CI=true}.
     */
    static Device device(String spec) {
        if (spec.equals("cpu")) return Device.CPU;
        Optional<String> reason = OpenClPlatforms.unavailableReason();
        if (reason.isPresent()) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) fail("CI=true, so OpenCL must work here, but: " + reason.get());
            Assumptions.abort("no OpenCL: " + reason.get());
        }
        Device d = Device.get(System.getProperty("gradwerk.test.opencl", spec));
        Assumptions.assumeTrue(((gradwerk.tensor.opencl.OpenClBackend) d.backend()).context().device().fp64(),
                () -> d.name() + " has no cl_khr_fp64: float64 gradient checks cannot run there");
        return d;
    }
}

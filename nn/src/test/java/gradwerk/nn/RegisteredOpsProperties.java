package gradwerk.nn;

import gradwerk.autograd.GradCheck;
import gradwerk.autograd.GradCheckAll;
import gradwerk.autograd.OpRegistry;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every op the nn module registers passes its gradient check at random seeds; and they are all there. */
class RegisteredOpsProperties {
    /** The families this module lists in META-INF/services/gradwerk.autograd.OpFamily. */
    static final Set<String> NN_FAMILIES = Set.of("ConvOps", "PoolOps", "SamplingOps", "NormOps", "PadOps", "CrossEntropy");

    static List<String> nnOps() {
        return OpRegistry.all().stream().filter(e -> NN_FAMILIES.contains(e.family())).map(OpRegistry.Entry::name).toList();
    }

    @Provide
    Arbitrary<String> ops() { return Arbitraries.of(nnOps()); }

    @Property(tries = 60)
    void everyOpPasses(@ForAll("ops") String op, @ForAll long seed) {
        GradCheck.Result r = GradCheckAll.checkOp(op, seed);
        assertTrue(r.passed(), r.message());
    }

    @Example
    void theNnFamiliesAreRegistered() {
        Set<String> families = OpRegistry.all().stream().map(OpRegistry.Entry::family).collect(Collectors.toSet());
        assertTrue(families.containsAll(NN_FAMILIES), "registered families: " + families);
        assertEquals(Set.of("conv2d", "convTranspose2d", "maxPool2d", "avgPool2d", "adaptiveAvgPool2d", "upsample", "gridSample",
                "gridSampleDot", "gridSampleMix", "affineGrid", "batchNorm", "batchNormRelu", "groupNorm", "instanceNorm", "pad", "padReplicate", "dropout", "crossEntropy"), Set.copyOf(nnOps()));
    }
}

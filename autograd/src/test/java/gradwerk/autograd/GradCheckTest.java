package gradwerk.autograd;

import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static gradwerk.autograd.VjpRule.grads;
import static org.junit.jupiter.api.Assertions.*;

/** GradCheck itself: it passes correct gradients, and catches and explains wrong ones. */
class GradCheckTest {

    /** x² with a planted bug: the VJP forgets the factor 2 (the tutorial's example). */
    static Variable buggySquare(Variable x) {
        return Node.record("buggySquare", x.value().square(), (n, g) -> grads(g.mul(n.input(0))), x);
    }

    static final CheckCase BUGGY_CASE = s -> GradCheck.Problem.of("buggySquare", v -> buggySquare(v[0]), s.normal(2, 3));

    @Test
    void aPlantedBugIsCaughtAndReportedWithOpInputElementAndValues() {
        try (var _ = OpRegistry.register("test", OpRegistry.Entry.of("buggySquare", BUGGY_CASE))) {
            GradCheck.Result r = GradCheckAll.checkOp("buggySquare", 0);
            assertFalse(r.passed());
            assertTrue(r.message().startsWith("gradcheck 'buggySquare' [buggySquare] failed: input 0 of shape [2,3] element ["), r.message());
            assertTrue(r.message().contains("analytic") && r.message().contains("numeric"), r.message());
            // analytic = x, numeric = 2x: the report carries both
            String[] parts = r.message().split("analytic |, numeric | \\(");
            double analytic = Double.parseDouble(parts[1]), numeric = Double.parseDouble(parts[2]);
            assertEquals(2 * analytic, numeric, 1e-6 * Math.abs(numeric) + 1e-9);

            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            assertEquals(1, GradCheckAll.run(new PrintStream(bytes, true, StandardCharsets.UTF_8)));
            String out = bytes.toString(StandardCharsets.UTF_8);
            int n = OpRegistry.all().size();
            assertTrue(out.contains("gradcheck buggySquare FAILED: gradcheck 'buggySquare'"), out);
            assertTrue(out.strip().endsWith("gradient-checked " + (n - 1) + "/" + n + " ops"), out);
        }
        assertThrows(IllegalStateException.class, () -> buggySquare(Variable.param(Tensor.ones(2))),
                "after the registration is closed the op can no longer record");
    }

    @Test
    void aRuleThatIsCorrectButNotDifferentiableFailsOnlyTheSecondOrderCheck() {
        // d/dx x² = 2x computed from the raw tensor: right value, but no graph back to x for second order
        VjpRule detached = (n, g) -> grads(g.mul(n.input(0).value().mul(2)));
        CheckCase c = s -> GradCheck.Problem.of("detachedSquare", v -> Node.record("detachedSquare", v[0].value().square(), detached, v[0]), s.normal(3));
        try (var _ = OpRegistry.register("test", OpRegistry.Entry.of("detachedSquare", c))) {
            GradCheck.Problem p = c.sample(new Sampler(1));
            assertTrue(GradCheck.check("detachedSquare", p, GradCheck.Mode.FULL, 0).passed());
            GradCheck.Result second = GradCheck.check("detachedSquare", GradCheck.secondOrder(p, 0), GradCheck.Mode.FULL, 0);
            assertFalse(second.passed());
            assertTrue(second.message().contains("gradient of gradient"), second.message());
        }
    }

    @Test
    void fastModeProjectsLargeProblemsAndStillLocatesTheWorstElement() {
        Generator g = new Generator(3);
        Tensor big = Tensor.randn(DType.FLOAT64, g, 40, 50); // 2000 inputs x 2000 outputs: too big for a full Jacobian
        GradCheck.Result ok = GradCheck.check("tanh", v -> v[0].tanh(), big);
        assertTrue(ok.passed(), ok.message());
        try (var _ = OpRegistry.register("test", OpRegistry.Entry.of("buggySquare", BUGGY_CASE))) {
            GradCheck.Result bad = GradCheck.check("buggySquare", v -> buggySquare(v[0]), big);
            assertFalse(bad.passed());
            assertTrue(bad.message().contains("element [") && bad.message().contains("(projection vᵀJ)"), bad.message());
        }
    }

    @Test
    void fullAndFastModesAgreeOnCorrectFunctions() {
        Sampler s = new Sampler(9);
        GradCheck.Problem p = GradCheck.Problem.of("mlp", v -> v[0].matmul(v[1]).tanh().softmax(-1), s.normal(3, 4), s.normal(4, 5));
        assertTrue(GradCheck.check("mlp", p, GradCheck.Mode.FULL, 0).passed());
        assertTrue(GradCheck.check("mlp", p, GradCheck.Mode.FAST, 0).passed());
        assertTrue(GradCheck.check("mlp", GradCheck.secondOrder(p, 2), GradCheck.Mode.AUTO, 0).passed());
    }

    @Test
    void toleranceIsPyTorchs() {
        assertTrue(GradCheck.passes(1.0 + 1e-3 * 1.0 + 0.9e-5, 1.0));
        assertFalse(GradCheck.passes(1.0 + 1e-3 * 1.0 + 1.1e-5, 1.0));
        assertTrue(GradCheck.passes(0.9e-5, 0));
        assertFalse(GradCheck.passes(Double.NaN, 0));
    }

    @Test
    void rejectsInputsItCannotPerturbMeaningfully() {
        var f32 = assertThrows(IllegalArgumentException.class, () -> GradCheck.check("exp", v -> v[0].exp(), Tensor.ones(3)));
        assertTrue(f32.getMessage().contains("float64"), f32.getMessage());
        Tensor expanded = Tensor.ones(DType.FLOAT64, 1, 3).expand(4, 3);
        var ex = assertThrows(IllegalArgumentException.class, () -> GradCheck.check("exp", v -> v[0].exp(), expanded));
        assertTrue(ex.getMessage().contains("expanded view"), ex.getMessage());
    }

    @Test
    void inputsAreRestoredExactlyAfterPerturbation() {
        Tensor x = new Sampler(4).normal(3, 2);
        double[] before = x.toDoubleArray();
        GradCheck.check("sin", v -> v[0].sin(), x);
        assertArrayEquals(before, x.toDoubleArray(), 0.0);
    }

    @Test
    void registrationRequiresACaseAndAUniqueName() {
        assertThrows(IllegalArgumentException.class, () -> new OpRegistry.Entry("noCases", "test", java.util.List.of(), true));
        var dup = assertThrows(IllegalStateException.class, () -> OpRegistry.register("test", OpRegistry.Entry.of("mul", BUGGY_CASE)));
        assertTrue(dup.getMessage().contains("'mul' registered twice"), dup.getMessage());
    }
}

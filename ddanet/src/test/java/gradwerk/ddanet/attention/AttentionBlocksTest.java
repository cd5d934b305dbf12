package gradwerk.ddanet.attention;

import gradwerk.autograd.GradCheck;
import gradwerk.autograd.Variable;
import gradwerk.ddanet.DdaGoldens;
import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Behaviour of the two criss-cross blocks: identities, equivalence, gradient checks, the attention trace. */
class AttentionBlocksTest {
    private static final DType F64 = DType.FLOAT64;

    /** A float64 deformable block whose Q/K/V weights are copied from a criss-cross block, γ set to {@code gamma}. */
    private static DeformableCrissCrossAttention deformableLike(CrissCrossAttention cca, int h, int w, boolean ac, Generator g) {
        DeformableCrissCrossAttention d = new DeformableCrissCrossAttention(cca.channels(), h, w, cca.loops(), ac, g);
        d.to(F64);
        d.query().weight().value().copyFrom(cca.query().weight().value());
        d.query().bias().value().copyFrom(cca.query().bias().value());
        d.key().weight().value().copyFrom(cca.key().weight().value());
        d.key().bias().value().copyFrom(cca.key().bias().value());
        d.value().weight().value().copyFrom(cca.value().weight().value());
        d.value().bias().value().copyFrom(cca.value().bias().value());
        d.gamma().value().copyFrom(cca.gamma().value());
        return d;
    }

    @ParameterizedTest(name = "alignCorners={0}")
    @ValueSource(booleans = {true, false})
    void zeroOffsetDeformableEqualsCrissCrossExactly(boolean alignCorners) {
        Generator g = new Generator(3);
        for (int[] hw : new int[][] {{5, 6}, {4, 4}, {1, 4}, {3, 1}, {1, 1}}) {
            CrissCrossAttention cca = new CrissCrossAttention(16, 2, g);
            cca.to(F64);
            cca.gamma().value().fill(0.8);
            DeformableCrissCrossAttention dcca = deformableLike(cca, hw[0], hw[1], alignCorners, g);
            assertEquals(0, dcca.offset().weight().value().abs().max().item());   // starts with zero offsets
            assertEquals(0, dcca.offset().bias().value().abs().max().item());
            Tensor x = Tensor.randn(F64, g, 2, 16, hw[0], hw[1]).mul(2);
            Tensor a = cca.forward(x).value(), b = dcca.forward(x).value();
            double diff = DdaGoldens.maxAbsDiff(a, b);
            assertTrue(diff < 1e-10, hw[0] + "x" + hw[1] + ": |CCA − DCCA| = " + diff);
            assertTrue(DdaGoldens.maxAbsDiff(a, x) > 0.1, "the attention must change the input (γ ≠ 0)");
        }
    }

    @Test
    void bothBlocksStartAsTheIdentity() {
        Generator g = new Generator(5);
        Tensor x = Tensor.randn(g, 2, 8, 4, 4);
        CrissCrossAttention cca = new CrissCrossAttention(8, 2, g);
        DeformableCrissCrossAttention dcca = new DeformableCrissCrossAttention(8, 4, 4, 2, true, g);
        assertEquals(0, cca.gamma().value().item());
        assertEquals(0, dcca.gamma().value().item());
        assertEquals(0, DdaGoldens.maxAbsDiff(cca.forward(x).value(), x));
        assertEquals(0, DdaGoldens.maxAbsDiff(dcca.forward(x).value(), x));
    }

    @Test
    void parameterNamesAndCounts() {
        Generator g = new Generator(1);
        CrissCrossAttention cca = new CrissCrossAttention(256, 2, g);
        assertEquals(java.util.List.of("gamma", "query.weight", "query.bias", "key.weight", "key.bias", "value.weight", "value.bias"), // own parameters first, as in PyTorch
                java.util.List.copyOf(cca.namedParameters().keySet()));
        assertEquals(2 * (256 * 32 + 32) + 256 * 256 + 256 + 1, cca.parameterCount());
        DeformableCrissCrossAttention dcca = new DeformableCrissCrossAttention(256, 16, 16, 2, true, g);
        assertEquals(31, dcca.slots());
        assertArrayEquals(new int[] {62, 256, 3, 3}, dcca.offset().weight().shape());
        assertEquals(cca.parameterCount() + 62 * 256 * 9 + 62, dcca.parameterCount());
    }

    /** γ ≠ 0 so that every weight matters; d/dx, d/dW_q,k,v, d/db, d/dγ, through both loops. */
    @Test
    void crissCrossGradientCheck() {
        Generator g = new Generator(7);
        int c = 8, kc = 1;
        Tensor[] in = {
                Tensor.randn(F64, g, 2, c, 4, 5),
                Tensor.randn(F64, g, kc, c, 1, 1).mul(0.5), Tensor.randn(F64, g, kc).mul(0.1),
                Tensor.randn(F64, g, kc, c, 1, 1).mul(0.5), Tensor.randn(F64, g, kc).mul(0.1),
                Tensor.randn(F64, g, c, c, 1, 1).mul(0.3), Tensor.randn(F64, g, c).mul(0.1),
                Tensor.of(new double[] {0.6}, 1)};
        GradCheck.Result r = GradCheck.check("criss-cross attention",
                GradCheck.Problem.of("cca [2,8,4,5] R=2", v -> CrissCrossAttention.apply(v[0],
                        new CrissCrossAttention.Weights(v[1], v[2], v[3], v[4], v[5], v[6], v[7]), 2), in),
                GradCheck.Mode.FULL, 0);
        assertTrue(r.passed(), r.message());
    }

    /**
     * Offsets: bias = integer + U(0.4, 0.6), weights U(±0.004), so that every sample point of both loops stays at
     * least 0.05 from integer coordinates (the kinks of bilinear sampling and of the border clamp), which the test
     * verifies. Checks d/d(offset-conv weights and bias), d/dγ, d/dx and the Q/K/V weights.
     */
    @ParameterizedTest(name = "alignCorners={0}")
    @ValueSource(booleans = {true, false})
    void deformableGradientCheck(boolean alignCorners) {
        Generator g = new Generator(alignCorners ? 11 : 12);
        int b = 1, c = 8, kc = 1, h = 4, w = 5, s = h + w - 1;
        double[] bias = new double[2 * s];
        for (int i = 0; i < bias.length; i++) bias[i] = (g.nextInt(3) - 1) + 0.4 + 0.2 * g.nextDouble();
        Tensor[] in = {
                Tensor.randn(F64, g, b, c, h, w),
                Tensor.randn(F64, g, kc, c, 1, 1).mul(0.5), Tensor.randn(F64, g, kc).mul(0.1),
                Tensor.randn(F64, g, kc, c, 1, 1).mul(0.5), Tensor.randn(F64, g, kc).mul(0.1),
                Tensor.randn(F64, g, c, c, 1, 1).mul(0.3), Tensor.randn(F64, g, c).mul(0.1),
                Tensor.rand(F64, g, 2 * s, c, 3, 3).sub(0.5).mul(0.008), Tensor.of(bias, 2 * s),
                Tensor.of(new double[] {0.6}, 1)};
        java.util.function.Function<Variable[], DeformableCrissCrossAttention.Weights> weights = v ->
                new DeformableCrissCrossAttention.Weights(v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]);

        // every sample point of both loops is away from integer coordinates
        Variable[] leaves = new Variable[in.length];
        for (int i = 0; i < in.length; i++) leaves[i] = Variable.constant(in[i]);
        Variable x = leaves[0];
        for (int loop = 0; loop < 2; loop++) {
            DeformableCrissCrossAttention.Step step = DeformableCrissCrossAttention.step(x, weights.apply(leaves), alignCorners);
            double nearest = 1;
            for (double p : step.positions().toDoubleArray()) nearest = Math.min(nearest, Math.abs(p - Math.rint(p)));
            assertTrue(nearest >= 0.05, "loop " + loop + ": a sample point is " + nearest + " from an integer coordinate");
            x = step.y();
        }

        GradCheck.Result r = GradCheck.check("deformable criss-cross attention",
                GradCheck.Problem.of("dcca [1,8,4,5] R=2" + (alignCorners ? " alignCorners" : ""),
                        v -> DeformableCrissCrossAttention.apply(v[0], weights.apply(v), 2, alignCorners), in),
                GradCheck.Mode.FULL, 0);
        assertTrue(r.passed(), r.message());
    }

    @Test
    void traceShowsTheLastLoop() {
        Generator g = new Generator(9);
        int h = 3, w = 4;
        DeformableCrissCrossAttention d = new DeformableCrissCrossAttention(8, h, w, 2, true, g);
        assertThrows(IllegalStateException.class, () -> d.trace(0, 0, 0));
        d.offset().bias().value().copyFrom(Tensor.rand(g, 2 * d.slots()).sub(0.5));
        d.gamma().value().fill(0.5);
        d.forward(Tensor.randn(g, 2, 8, h, w));
        AttentionTrace t = d.trace(1, 1, 2);
        assertEquals(h + w - 1, t.slots());
        assertEquals(2, t.loop());
        // slots: the row (1, 0..3), then the column without the centre: (0, 2), (2, 2)
        assertArrayEquals(new double[] {0, 1, 2, 3, 2, 2}, t.baseX());
        assertArrayEquals(new double[] {1, 1, 1, 1, 0, 2}, t.baseY());
        double sum = 0;
        for (double a : t.weights()) { sum += a; assertTrue(a > 0); }
        assertEquals(1, sum, 1e-6);
        // the offsets are what the offset conv predicts: here the bias alone (zero weights)
        double[] bias = d.offset().bias().value().toDoubleArray();
        for (int s = 0; s < t.slots(); s++) {
            assertEquals(bias[2 * s], t.offset(s)[0], 1e-6);
            assertEquals(bias[2 * s + 1], t.offset(s)[1], 1e-6);
        }
        AttentionTrace img = t.inImage(16);
        assertEquals(1 * 16 + 7.5, img.baseY()[0]);
        assertEquals(t.sampleX()[3] * 16 + 7.5, img.sampleX()[3], 1e-12);
        assertThrows(IllegalArgumentException.class, () -> d.trace(2, 0, 0));
        assertTrue(t.toString().contains("slot  5"), t.toString());
    }

    @Test
    void float32MatchesFloat64() {
        Generator g = new Generator(4);
        DeformableCrissCrossAttention d = new DeformableCrissCrossAttention(16, 4, 6, 2, true, g);
        d.offset().bias().value().copyFrom(Tensor.randn(g, 2 * d.slots()));
        d.gamma().value().fill(1);
        Tensor x = Tensor.randn(g, 2, 16, 4, 6);
        Tensor y32 = d.forward(x).value();
        d.to(F64);
        Tensor y64 = d.forward(x.to(F64)).value();
        assertTrue(DdaGoldens.maxAbsDiff(y32, y64) < 1e-4);
    }

    @Test
    void wrongInputsAreExplained() {
        Generator g = new Generator(1);
        DeformableCrissCrossAttention d = new DeformableCrissCrossAttention(8, 4, 4, 2, true, g);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.forward(Tensor.zeros(1, 8, 5, 4)));
        assertTrue(e.getMessage().contains("[B,8,4,4]"), e.getMessage());
        CrissCrossAttention c = new CrissCrossAttention(8, 2, g);
        assertThrows(IllegalArgumentException.class, () -> c.forward(Tensor.zeros(1, 4, 5, 4)));
    }
}

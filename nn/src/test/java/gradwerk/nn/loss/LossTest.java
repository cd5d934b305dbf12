package gradwerk.nn.loss;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import gradwerk.autograd.Engine;
import gradwerk.autograd.GradCheck;
import gradwerk.autograd.Variable;
import gradwerk.nn.Goldens;
import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Cross-entropy and Dice: PyTorch goldens, fused vs composed, hand-computed values, stability, errors. */
class LossTest {
    private static final JsonObject GOLDENS = Goldens.load("losses.json");

    @TestFactory
    Stream<DynamicTest> matchTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement e : GOLDENS.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject(), a = c.getAsJsonObject("args");
            String kind = c.get("kind").getAsString();
            tests.add(DynamicTest.dynamicTest(kind + " " + a, () -> {
                Tensor x = Goldens.tensor(c.get("logits")), t = Goldens.tensor(c.get("target"), DType.FLOAT32);
                int ignore = a.get("ignoreIndex").getAsInt();
                Variable logits = Variable.param(x);
                Variable out;
                if (kind.equals("crossEntropy")) {
                    Tensor w = a.get("weight").isJsonNull() ? null : Tensor.of(toDoubles(a.get("weight")), x.size(1));
                    Reduction r = Reduction.valueOf(a.get("reduction").getAsString().toUpperCase());
                    out = CrossEntropy.crossEntropy(logits, t, w, ignore, r);
                } else {
                    out = Dice.diceLoss(logits, t, Goldens.ints(a.get("classes")), a.get("smooth").getAsDouble(), ignore);
                }
                Goldens.assertClose("output", Goldens.tensor(c.get("output")), out.value(), 1e-12, 1e-14);
                out.backward(Goldens.tensor(c.get("upstream")));
                Goldens.assertClose("grad", Goldens.tensor(c.get("grad")), logits.grad(), 1e-10, 1e-14);
            }));
        }
        return tests.stream();
    }

    private static double[] toDoubles(JsonElement e) {
        double[] d = new double[e.getAsJsonArray().size()];
        for (int i = 0; i < d.length; i++) d[i] = e.getAsJsonArray().get(i).getAsDouble();
        return d;
    }

    @Test
    void crossEntropyByHand() {
        // logits [ln 1, ln 3] -> p = [1/4, 3/4]; target 1 -> loss = -ln(3/4)
        Variable x = Variable.param(Tensor.of(DType.FLOAT64, new double[] {0, Math.log(3)}, 1, 2));
        Variable loss = CrossEntropy.crossEntropy(x, Tensor.of(new float[] {1}, 1));
        assertEquals(-Math.log(0.75), loss.item(), 1e-15);
        loss.backward();
        assertEquals(0.25, x.grad().get(0, 0), 1e-15);   // softmax - onehot
        assertEquals(-0.25, x.grad().get(0, 1), 1e-15);
    }

    @Test
    void crossEntropyIsStableForHugeLogits() {
        Variable x = Variable.param(Tensor.of(new float[] {1e4f, -1e4f, 0, 5e3f}, 2, 2));
        Variable loss = CrossEntropy.crossEntropy(x, Tensor.of(new float[] {1, 1}, 2), null, -100, Reduction.NONE);
        assertEquals(2e4, loss.value().get(0), 1);
        assertEquals(0, loss.value().get(1), 1e-30);  // p(class 1) = 1 - e^-5000: loss 0
        loss.sum().backward();
        for (double g : x.grad().toDoubleArray()) assertTrue(Double.isFinite(g));
    }

    @Test
    void fusedMatchesComposedOnEveryReductionAndWeighting() {
        Generator g = new Generator(3);
        for (Reduction r : Reduction.values())
            for (int ignore : new int[] {-100, 1}) {
                Tensor x = Tensor.randn(DType.FLOAT64, g, 2, 3, 4, 5), w = Tensor.rand(DType.FLOAT64, g, 3).add(0.5);
                Tensor t = Tensor.randint(g, 0, 3, 2, 4, 5);
                Variable a = Variable.param(x), b = Variable.param(x), c = Variable.param(x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2));
                Variable fa = CrossEntropy.crossEntropy(a, t, w, ignore, r), fb = CrossEntropy.composed(b, t, w, ignore, r);
                Variable fc = CrossEntropy.viaTensorOps(c, t, w, ignore, r);
                Goldens.assertClose(r + " value", fb.value(), fa.value(), 1e-13, 1e-15);
                Goldens.assertClose(r + " value (tensor ops)", fb.value(), fc.value(), 1e-13, 1e-15);
                Tensor up = Tensor.randn(DType.FLOAT64, g, fa.shape());
                fa.backward(up);
                fb.backward(up);
                fc.backward(up);
                Goldens.assertClose(r + " grad", b.grad(), a.grad(), 1e-12, 1e-15);
                Goldens.assertClose(r + " grad (tensor ops)", b.grad(), c.grad(), 1e-12, 1e-15);
            }
    }

    @Test
    void diceIsGradientChecked() {
        Generator g = new Generator(5);
        Tensor t = Tensor.randint(g, 0, 3, 2, 3, 3);
        Tensor withIgnored = t.where(t, t.fullLike(255)); // class 0 pixels become ignored
        GradCheck.Result r = GradCheck.check("dice", v -> Dice.diceLoss(v[0], withIgnored, new int[] {1, 2}, 1e-3, 255),
                Tensor.randn(DType.FLOAT64, g, 2, 3, 3, 3));
        assertTrue(r.passed(), r.message());
        Tensor small = Tensor.randint(g, 0, 3, 2, 2, 2);
        GradCheck.Problem p = GradCheck.Problem.of("dice", v -> Dice.diceLoss(v[0], small), Tensor.randn(DType.FLOAT64, g, 2, 3, 2, 2));
        GradCheck.Result second = GradCheck.check("dice", GradCheck.secondOrder(p, 1), GradCheck.Mode.AUTO, 1);
        assertTrue(second.passed(), second.message());
    }

    @Test
    void perfectPredictionHasDiceLossNearZero() {
        Tensor t = Tensor.of(new float[] {0, 1, 2, 1}, 1, 2, 2);
        Tensor logits = Tensor.zeros(1, 3, 2, 2);
        for (int i = 0; i < 4; i++) logits.select(0, 0).select(0, (int) t.toFloatArray()[i]).select(0, i / 2).select(0, i % 2).fill(50);
        assertEquals(0, Dice.diceLoss(Variable.constant(logits), t).item(), 1e-6);
        assertTrue(new CrossEntropyLoss().forward(Variable.constant(logits), t).item() < 1e-6);
    }

    @Test
    void badTargetsAreNamed() {
        Variable x = Variable.param(Tensor.zeros(2, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CrossEntropy.crossEntropy(x, Tensor.of(new float[] {0, 3}, 2)));
        assertTrue(e.getMessage().contains("crossEntropy: target [2] holds 3.0 at flat index 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CrossEntropy.crossEntropy(x, Tensor.of(new float[] {0.5f, 1}, 2)));
        assertTrue(e.getMessage().contains("holds 0.5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CrossEntropy.crossEntropy(x, Tensor.zeros(2, 1)));
        assertTrue(e.getMessage().contains("target [2,1] does not match input [2,3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CrossEntropy.crossEntropy(x, Tensor.zeros(2), Tensor.ones(2), -100, Reduction.MEAN));
        assertTrue(e.getMessage().contains("weight [2] must have shape [3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Dice.diceLoss(Variable.param(Tensor.zeros(1, 2, 2, 2)), Tensor.zeros(1, 2, 2), new int[] {2}, 1, -100));
        assertTrue(e.getMessage().contains("diceLoss: class 2 is not in [0, 2)"), e.getMessage());
    }

    @Test
    void aValidationLossSkipsTheGradient() {
        Tensor x = Tensor.randn(new Generator(2), 2, 3, 4, 4), t = Tensor.randint(new Generator(3), 0, 3, 2, 4, 4);
        double trained = CrossEntropy.crossEntropy(Variable.param(x), t).item();
        try (var _ = gradwerk.autograd.NoGrad.enter()) {
            Variable v = CrossEntropy.crossEntropy(Variable.param(x), t);
            assertEquals(trained, v.item());
            assertTrue(!v.requiresGrad());
        }
    }

    @Test
    void allIgnoredMeanIsNaNLikeTorch() {
        Variable x = Variable.param(Tensor.zeros(2, 3));
        assertTrue(Double.isNaN(CrossEntropy.crossEntropy(x, Tensor.full(-100, 2)).item()));
    }

    /** The fused op against the composed one on a DDANet-sized batch (printed; the assertion is loose). */
    @Test
    void fusedIsFasterThanComposed() {
        Generator g = new Generator(1);
        Tensor x = Tensor.randn(g, 4, 4, 128, 128), t = Tensor.randint(g, 0, 4, 4, 128, 128);
        long[] best = {Long.MAX_VALUE, Long.MAX_VALUE};
        for (int rep = 0; rep < 7; rep++)
            for (int k = 0; k < 2; k++) {
                Variable v = Variable.param(x);
                long t0 = System.nanoTime();
                Variable loss = k == 0 ? CrossEntropy.crossEntropy(v, t, null, -100, Reduction.MEAN)
                        : CrossEntropy.composed(v, t, null, -100, Reduction.MEAN);
                Engine.grad(loss, Variable.constant(loss.value().fullLike(1)), new Variable[] {v}, false, false);
                best[k] = Math.min(best[k], System.nanoTime() - t0);
            }
        System.out.printf("crossEntropy [4,4,128,128] forward+backward: fused %.2f ms, composed %.2f ms%n",
                best[0] / 1e6, best[1] / 1e6);
        assertTrue(best[0] < best[1] * 1.5, "fused " + best[0] + " ns vs composed " + best[1] + " ns");
    }
}

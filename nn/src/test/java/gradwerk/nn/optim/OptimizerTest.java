package gradwerk.nn.optim;

import gradwerk.autograd.Variable;
import gradwerk.nn.Parameter;
import gradwerk.nn.io.Checkpoint;
import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hand-computed steps, state save/load, parameter groups and argument checks. */
class OptimizerTest {
    @TempDir
    Path dir;

    private static Parameter scalar(double v) {
        return new Parameter("p", Tensor.of(DType.FLOAT64, new double[] {v}, 1));
    }

    private static void grad(Parameter p, double g) {
        TorchOptimGoldenTest.setGrad(p, Tensor.of(DType.FLOAT64, new double[] {g}, 1));
    }

    @Test
    void sgdStepsByHand() {
        Parameter p = scalar(1);
        SGD sgd = new SGD(List.of(p), 0.1);
        grad(p, 0.5);
        sgd.step();
        assertEquals(0.95, p.value().item(), 1e-15);

        Parameter q = scalar(1);
        SGD momentum = new SGD(List.of(q), 0.1, 0.9, 0, 0, false);
        grad(q, 0.5);
        momentum.step();                            // b = 0.5, p = 1 - 0.05
        assertEquals(0.95, q.value().item(), 1e-15);
        momentum.zeroGrad();
        grad(q, 0.5);
        momentum.step();                            // b = 0.9·0.5 + 0.5 = 0.95, p = 0.95 - 0.095
        assertEquals(0.855, q.value().item(), 1e-15);
        assertEquals(0.95, momentum.stateTensors().get("state.0.momentum_buffer").item(), 1e-15);

        Parameter r = scalar(1);
        SGD nesterov = new SGD(List.of(r), 0.1, 0.9, 0, 0.1, true);
        grad(r, 0.5);
        nesterov.step();                            // d = 0.5 + 0.1·1 = 0.6, b = 0.6, d = 0.6 + 0.9·0.6 = 1.14
        assertEquals(1 - 0.114, r.value().item(), 1e-15);
    }

    @Test
    void adamFirstStepMovesByLrTimesSign() {
        Parameter p = scalar(1), q = scalar(1);
        Adam adam = new Adam(List.of(p), 0.01);
        AdamW adamw = new AdamW(List.of(q), 0.01, 0.9, 0.999, 1e-8, 0.5);
        grad(p, -3);
        grad(q, -3);
        adam.step();
        adamw.step();
        // m̂ = g, v̂ = g², so the step is lr·g/(|g| + eps)
        assertEquals(1 + 0.01 * 3 / (3 + 1e-8), p.value().item(), 1e-15);
        // AdamW first shrinks: 1·(1 - 0.01·0.5), then the same Adam step
        assertEquals(1 - 0.005 + 0.01 * 3 / (3 + 1e-8), q.value().item(), 1e-15);
        assertEquals(1.0, adam.stateScalars().get("state.0.step"));
        assertEquals(-0.3, adam.stateTensors().get("state.0.exp_avg").item(), 1e-15);
        assertEquals(0.009, adam.stateTensors().get("state.0.exp_avg_sq").item(), 1e-15);
    }

    @Test
    void parametersWithoutGradientAreSkipped() {
        Parameter a = scalar(1), b = scalar(2);
        Adam adam = new Adam(List.of(a, b), 0.1);
        grad(a, 1);
        adam.step();
        assertEquals(2, b.value().item());
        assertEquals(0.0, adam.stateScalars().get("state.1.step"));
        assertEquals(1.0, adam.stateScalars().get("state.0.step"));
    }

    @Test
    void gradientsAreNotModifiedAndZeroGradDropsThem() {
        Parameter p = scalar(1);
        SGD sgd = new SGD(List.of(p), 0.1, 0.9, 0, 0.5, true);
        grad(p, 0.25);
        sgd.step();
        assertEquals(0.25, p.grad().item());
        sgd.zeroGrad();
        assertNull(p.grad());
    }

    @Test
    void stepBumpsTheVersionSoStaleGraphsAreCaught() {
        Parameter p = scalar(2);
        Variable y = p.v().square().sum();          // saves p for its gradient
        SGD sgd = new SGD(List.of(p), 0.1);
        grad(p, 1);
        sgd.step();
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("modified in place"), e.getMessage());
    }

    @Test
    void lrIsSettableAndGroupsHaveTheirOwn() {
        Parameter a = scalar(1), b = scalar(1);
        SGD sgd = new SGD(List.of(a), 0.1);
        ParamGroup g = sgd.addParamGroup(List.of(b), Map.of("lr", 0.01));
        assertEquals(0.01, g.lr());
        grad(a, 1);
        grad(b, 1);
        sgd.step();
        assertEquals(0.9, a.value().item(), 1e-15);
        assertEquals(0.99, b.value().item(), 1e-15);
        sgd.setLr(0.5);
        assertEquals(0.5, sgd.lr());
        assertEquals(0.5, sgd.paramGroups().get(1).lr());
    }

    @Test
    void badArgumentsAreNamed() {
        Parameter p = scalar(1);
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p), -1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Adam(List.of(p), 0.1, 1.0, 0.999, 1e-8, 0));
        assertTrue(e.getMessage().contains("Adam: beta1 = 1.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(p), 0.1, 0, 0, 0, true));
        assertTrue(e.getMessage().contains("Nesterov"), e.getMessage());
        SGD sgd = new SGD(List.of(p), 0.1);
        e = assertThrows(IllegalArgumentException.class, () -> sgd.addParamGroup(List.of(p), Map.of()));
        assertTrue(e.getMessage().contains("more than one param group"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> sgd.addParamGroup(List.of(scalar(0)), Map.of("betas", 1.0)));
        assertTrue(e.getMessage().contains("unknown option 'betas'"), e.getMessage());
    }

    /** Runs k Adam steps with seeded gradients on fresh parameters; returns the parameters. */
    private static List<Parameter> run(Adam opt, List<Parameter> ps, Generator g, int k) {
        for (int s = 0; s < k; s++) {
            opt.zeroGrad();
            for (Parameter p : ps) TorchOptimGoldenTest.setGrad(p, Tensor.randn(g, p.shape()));
            opt.step();
        }
        return ps;
    }

    @Test
    void stateRoundTripsThroughACheckpointAndResumesIdentically() throws Exception {
        Generator init = new Generator(1);
        Tensor w0 = Tensor.randn(init, 3, 4), b0 = Tensor.randn(init, 4);
        // uninterrupted: 6 steps
        List<Parameter> full = List.of(new Parameter("w", w0.copy()), new Parameter("b", b0.copy()));
        Generator gFull = new Generator(9);
        run(new AdamW(full, 0.01), full, gFull, 6);
        // interrupted after 3 steps, saved, loaded into a fresh optimiser over fresh parameters
        List<Parameter> first = List.of(new Parameter("w", w0.copy()), new Parameter("b", b0.copy()));
        Generator gData = new Generator(9);
        AdamW a = new AdamW(first, 0.01);
        run(a, first, gData, 3);
        Path file = dir.resolve("opt.safetensors");
        Checkpoint.builder().model(Map.of("w", first.get(0).value(), "b", first.get(1).value()))
                .optimizer(a.stateTensors(), a.stateScalars()).rng("data", gData.state()).build().save(file);
        Checkpoint c = Checkpoint.load(file);
        List<Parameter> resumed = List.of(new Parameter("w", Tensor.zeros(3, 4)), new Parameter("b", Tensor.zeros(4)));
        c.loadModelInto(Map.of("w", resumed.get(0).value(), "b", resumed.get(1).value()), true);
        AdamW b = new AdamW(resumed, 0.5);          // the saved lr (0.01) wins, as in PyTorch
        b.loadState(c.optimizerTensors(), c.optimizerScalars());
        assertEquals(0.01, b.lr());
        for (Map.Entry<String, Tensor> e : a.stateTensors().entrySet())
            assertArrayEquals(e.getValue().toFloatArray(), b.stateTensors().get(e.getKey()).toFloatArray(), e.getKey());
        Generator gResumed = new Generator(0);
        c.restoreRng("data", gResumed);
        run(b, resumed, gResumed, 3);
        for (int i = 0; i < 2; i++)
            assertArrayEquals(full.get(i).value().toFloatArray(), resumed.get(i).value().toFloatArray(), "param " + i);
    }

    @Test
    void loadStateRejectsAStateOfAnotherOptimiser() {
        Parameter p = scalar(1);
        Adam adam = new Adam(List.of(p), 0.1);
        SGD sgd = new SGD(List.of(scalar(1)), 0.1, 0.9, 0, 0, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> adam.loadState(sgd.stateTensors(), sgd.stateScalars()));
        assertTrue(e.getMessage().contains("missing") && e.getMessage().contains("group.0.beta1"), e.getMessage());
        Adam twin = new Adam(List.of(scalar(3)), 0.5);
        twin.loadStateDict(adam.stateDict());
        assertEquals(0.1, twin.lr());
        Map<String, Double> scalars = adam.stateScalars();
        Map<String, Tensor> wrongShape = Map.of("state.0.exp_avg", Tensor.zeros(DType.FLOAT64, 2),
                "state.0.exp_avg_sq", Tensor.zeros(DType.FLOAT64, 1));
        e = assertThrows(IllegalArgumentException.class, () -> adam.loadState(wrongShape, scalars));
        assertTrue(e.getMessage().contains("'state.0.exp_avg' has shape [2]"), e.getMessage());
    }

    @Test
    void clipGradNormScalesOnlyWhenAbove() {
        Parameter a = scalar(0), b = new Parameter("b", Tensor.zeros(DType.FLOAT64, 2));
        grad(a, 3);
        TorchOptimGoldenTest.setGrad(b, Tensor.of(DType.FLOAT64, new double[] {0, 4}, 2));
        assertEquals(5, GradClip.clipGradNorm(List.of(a, b), 10), 1e-15);
        assertEquals(3, a.grad().item());
        assertEquals(5, GradClip.clipGradNorm(List.of(a, b), 1), 1e-15);
        assertEquals(3 / (5 + 1e-6), a.grad().item(), 1e-15);
        assertEquals(4 / (5 + 1e-6), b.grad().get(1), 1e-15);
    }
}

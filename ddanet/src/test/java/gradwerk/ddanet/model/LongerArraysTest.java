package gradwerk.ddanet.model;

import gradwerk.ddanet.bench.TrainStepBench;
import gradwerk.nn.Module;
import gradwerk.nn.Parameter;
import gradwerk.nn.optim.Adam;
import gradwerk.nn.optim.Optimizer;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.cpu.ArrayPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pool may back a tensor with a longer array than it needs. Three training steps of each model with every new
 * array 5 elements too long and NaN there give bit for bit the losses and weights of the same steps without: no
 * kernel of the forward pass, the backward pass or Adam reads past its tensor.
 */
class LongerArraysTest {
    @ParameterizedTest
    @ValueSource(strings = {"unet", "cca", "ddanet"})
    void trainingIgnoresTheTailOfLongerArrays(String name) {
        List<float[]> plain = new ArrayList<>(), padded = new ArrayList<>();
        double[] plainLoss = train(name, plain);
        ArrayPool.clear(); // so that the padded run gets only new (padded) arrays
        ArrayPool.padForTesting(5);
        double[] paddedLoss;
        try {
            paddedLoss = train(name, padded);
        } finally {
            ArrayPool.padForTesting(0);
            ArrayPool.clear();
        }
        assertTrue(Double.isFinite(paddedLoss[2]), name + ": loss " + paddedLoss[2]);
        assertArrayEquals(plainLoss, paddedLoss, 0, name + ": losses");
        assertEquals(plain.size(), padded.size());
        for (int i = 0; i < plain.size(); i++)
            assertTrue(Arrays.equals(plain.get(i), padded.get(i)), name + ": parameter " + i + " differs");
    }

    private static double[] train(String name, List<float[]> weights) {
        Generator g = new Generator(11);
        Module model = Models.create(name, ModelConfig.defaults().withBaseChannels(4).withImageSize(64), g);
        model.train();
        Optimizer opt = new Adam(model.parameters(), 1e-3);
        Tensor x = Tensor.randn(g, 2, 1, 64, 64), y = Tensor.randint(g, 0, 3, 2, 64, 64);
        double[] loss = new double[3];
        for (int s = 0; s < loss.length; s++) loss[s] = TrainStepBench.step(model, opt, x, y);
        for (Parameter p : model.parameters()) weights.add(p.value().toFloatArray());
        return loss;
    }
}

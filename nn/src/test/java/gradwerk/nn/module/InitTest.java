package gradwerk.nn.module;

import gradwerk.nn.init.Init;
import gradwerk.nn.layers.Linear;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fans, gains and the statistics of each initialiser on a large tensor. */
class InitTest {
    private static double[] stats(Tensor t) {
        double[] d = t.toDoubleArray();
        double mean = 0, sq = 0, max = 0;
        for (double v : d) { mean += v; sq += v * v; max = Math.max(max, Math.abs(v)); }
        mean /= d.length;
        return new double[] {mean, Math.sqrt(sq / d.length - mean * mean), max};
    }

    @Test
    void fansAndGainsAreTorchs() {
        assertArrayEquals(new int[] {3 * 9, 16 * 9}, Init.fans(new int[] {16, 3, 3, 3}));
        assertArrayEquals(new int[] {5, 7}, Init.fans(new int[] {7, 5}));
        assertEquals(Math.sqrt(2), Init.gain(Init.Nonlinearity.RELU, 0));
        assertEquals(5.0 / 3, Init.gain(Init.Nonlinearity.TANH, 0));
        assertEquals(Math.sqrt(2 / 1.0001), Init.gain(Init.Nonlinearity.LEAKY_RELU, -1), 1e-15);
        assertEquals(Math.sqrt(1.0 / 3), Init.gain(Init.Nonlinearity.LEAKY_RELU, Math.sqrt(5)), 1e-15);
    }

    @Test
    void distributionsHaveTheirScale() {
        Generator g = new Generator(1);
        Tensor w = Tensor.zeros(256, 64, 3, 3); // fanIn 576, fanOut 2304
        double[] s = stats(Init.kaimingNormal(w, g));
        assertEquals(0, s[0], 2e-3);
        assertEquals(Math.sqrt(2.0 / 576), s[1], 1e-3);
        s = stats(Init.kaimingUniform(w, 0, Init.Mode.FAN_OUT, Init.Nonlinearity.RELU, g));
        assertEquals(Math.sqrt(2.0 / 2304), s[1], 1e-3);
        assertTrue(s[2] <= Math.sqrt(6.0 / 2304));
        s = stats(Init.xavierUniform(w, 1, g));
        assertEquals(Math.sqrt(2.0 / (576 + 2304)), s[1], 1e-3);
        assertTrue(s[2] <= Math.sqrt(6.0 / (576 + 2304)));
        s = stats(Init.xavierNormal(w, 2, g));
        assertEquals(2 * Math.sqrt(2.0 / (576 + 2304)), s[1], 1e-3);
    }

    @Test
    void layerDefaultIsUniformOverOneOverRootFanIn() {
        Linear l = new Linear(400, 300, new Generator(2));
        double bound = 1 / Math.sqrt(400);
        double[] w = stats(l.weight().value()), b = stats(l.bias().value());
        assertTrue(w[2] <= bound && w[2] > 0.99 * bound, "weight max " + w[2]);
        assertEquals(bound / Math.sqrt(3), w[1], 2e-3 * bound * 10);
        assertTrue(b[2] <= bound && b[2] > 0.9 * bound, "bias max " + b[2]);
    }
}

package gradwerk.nn.functional;

import gradwerk.autograd.Variable;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.cpu.ArrayPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The fused batchNormRelu against batchNorm followed by relu: the same bits, one activation fewer. */
class BatchNormReluTest {
    private record Run(float[] y, float[] dx, float[] dw, float[] db, float[] mean, float[] var, long allocations) {}

    private static Run run(boolean fused, boolean training, long seed) {
        Generator g = new Generator(seed);
        Tensor x = Tensor.randn(g, 2, 4, 32, 32), up = Tensor.randn(g, 2, 4, 32, 32);
        Variable in = Variable.param(x), w = Variable.param(Tensor.rand(g, 4).add(0.5)), b = Variable.param(Tensor.randn(g, 4));
        Tensor mean = Tensor.randn(g, 4), var = Tensor.rand(g, 4).add(0.5);
        long before = allocations();
        Variable y = fused ? F.batchNormRelu(in, mean, var, w, b, training, 0.1, 1e-5)
                : F.batchNorm(in, mean, var, w, b, training, 0.1, 1e-5).relu();
        long allocated = allocations() - before;
        y.backward(up);
        return new Run(y.value().toFloatArray(), in.grad().toFloatArray(), w.grad().toFloatArray(),
                b.grad().toFloatArray(), mean.toFloatArray(), var.toFloatArray(), allocated);
    }

    private static long allocations() {
        ArrayPool.Stats s = ArrayPool.stats();
        return s.fresh() + s.reused();
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void matchesBatchNormThenReluBitForBitWithOneActivationFewer(boolean training) {
        Run two = run(false, training, 5), one = run(true, training, 5);
        assertArrayEquals(two.y(), one.y(), "output");
        assertArrayEquals(two.dx(), one.dx(), "input gradient");
        assertArrayEquals(two.dw(), one.dw(), "weight gradient");
        assertArrayEquals(two.db(), one.db(), "bias gradient");
        assertArrayEquals(two.mean(), one.mean(), "running mean");
        assertArrayEquals(two.var(), one.var(), "running var");
        assertEquals(two.allocations() - 1, one.allocations(), "activation-sized arrays allocated by the forward pass");
    }
}

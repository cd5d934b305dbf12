package gradwerk.autograd;

import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.TensorScope;
import gradwerk.tensor.cpu.ArrayPool;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine releases the gradients it has used up, and nothing that someone can still read. */
class GradMemoryTest {
    private static final int N = ArrayPool.MIN_LENGTH * 2; // large enough to be pooled

    @Test
    void consumedGradientsGoBackToThePoolAndTheLeafGradientIsExact() {
        Tensor data = Tensor.randn(new Generator(1), N).to(DType.FLOAT64);
        Variable x = Variable.param(data);
        Variable y = x.mul(2).exp().add(x).square().sum(); // d/dx (e^{2x} + x)² = 2 (e^{2x} + x)(2 e^{2x} + 1)
        long given = ArrayPool.stats().given();
        y.backward();
        assertTrue(ArrayPool.stats().given() - given >= 3, "the gradients of square, add and exp were released");
        double[] g = x.grad().toDoubleArray(), v = data.toDoubleArray();
        for (int i = 0; i < N; i++) {
            double e = Math.exp(2 * v[i]);
            assertEquals(2 * (e + v[i]) * (2 * e + 1), g[i], 1e-9 * Math.abs(g[i]) + 1e-12);
        }
        assertFalse(x.grad().storage().isReleased());
    }

    @Test
    void aGradientPassedOnToTwoBranchesIsReleasedOnlyAfterBoth() {
        // add hands the same gradient to both inputs; the mul branch is consumed first, the other must still read it
        Variable x = Variable.param(Tensor.ones(DType.FLOAT64, N));
        Variable y = x.mul(2).add(x.mul(3).exp()).sum();
        y.backward();
        double[] g = x.grad().toDoubleArray();
        assertEquals(2 + 3 * Math.exp(3), g[0], 1e-9);
        assertEquals(2 + 3 * Math.exp(3), g[N - 1], 1e-9);
    }

    @Test
    void gradientsReturnedByGradAreNotReleased() {
        Variable x = Variable.param(Tensor.zeros(DType.FLOAT64, N));
        Variable h = x.mul(2); // an intermediate: its gradient is the one exp's rule returned, consumed by mul next
        Variable y = h.exp().mul(3).sum();
        Variable[] g = Engine.grad(y, Variable.constant(Tensor.scalar(DType.FLOAT64, 1)), new Variable[] {h, x},
                false, false);
        assertFalse(g[0].value().storage().isReleased());
        assertEquals(3, g[0].value().toDoubleArray()[N - 1], 1e-12);
        assertEquals(6, g[1].value().toDoubleArray()[N - 1], 1e-12);
    }

    @Test
    void secondOrderGradientsKeepTheirGraph() {
        Variable x = Variable.param(Tensor.full(DType.FLOAT64, 0.5, N));
        Variable y = x.mul(x).mul(x).sum();
        Variable[] g = Engine.grad(y, Variable.constant(Tensor.scalar(DType.FLOAT64, 1)), new Variable[] {x}, true,
                true);
        g[0].sum().backward(); // d/dx Σ 3x² = 6x
        assertEquals(3, x.grad().toDoubleArray()[0], 1e-12);
    }

    @Test
    void inAStepScopeLeafGradientsOutliveTheStepAndActivationsDoNot() {
        Variable x = Variable.param(Tensor.ones(N));
        Variable hidden;
        try (TensorScope step = TensorScope.open("step")) {
            hidden = x.mul(2).relu();
            hidden.sum().backward();
        }
        assertEquals(2f, x.grad().toFloatArray()[N - 1]);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> hidden.value().toFloatArray());
        assertTrue(e.getMessage().contains("keep()"), e.getMessage());
    }

    @Test
    void aLeafGradientAccumulatesInPlace() {
        Variable x = Variable.param(Tensor.ones(DType.FLOAT64, N));
        Variable y = x.mul(2).sum();
        y.backward(Tensor.scalar(DType.FLOAT64, 1), true);
        Tensor first = x.grad();
        y.backward(Tensor.scalar(DType.FLOAT64, 1), true);
        assertSame(first.storage(), x.grad().storage(), "a second backward pass adds into the same array");
        assertEquals(4, x.grad().toDoubleArray()[N - 1]);
    }

    @Test
    void zeroGradInsideAScopeReleasesTheOldGradientWhenTheScopeCloses() {
        Variable x = Variable.param(Tensor.ones(DType.FLOAT64, N));
        x.mul(3).sum().backward();
        Tensor outside = x.grad();
        x.zeroGrad(); // no scope: the old gradient stays readable (the garbage collector frees it)
        assertEquals(3, outside.toDoubleArray()[0]);
        x.mul(3).sum().backward();
        Tensor old = x.grad();
        try (TensorScope step = TensorScope.open("step")) {
            x.zeroGrad();
            assertEquals(3, old.toDoubleArray()[0], "readable until the scope closes");
        }
        assertTrue(old.storage().isReleased());
        assertFalse(outside.storage().isReleased());
        IllegalStateException e = assertThrows(IllegalStateException.class, old::toDoubleArray);
        assertTrue(e.getMessage().contains("zeroGrad"), e.getMessage());
    }
}

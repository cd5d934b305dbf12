package gradwerk.autograd;

import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static gradwerk.autograd.VjpRule.grads;
import static org.junit.jupiter.api.Assertions.*;

/** The examples of autograd/README.md, verbatim, so that the README stays runnable. */
class ReadmeExampleTest {

    @Test
    void trainingGradientCheckAndAPlantedBug() {
        // --- README: example
        Generator g = new Generator(42);
        Tensor x = Tensor.randn(g, 64, 3);                                      // 64 samples, 3 features
        Tensor y = x.matmul(Tensor.of(new float[] {2, -1, 0.5f}, 3, 1)).add(1);  // targets: a known linear map
        Variable w = Variable.param(Tensor.zeros(3, 1)), b = Variable.param(Tensor.zeros(1));
        for (int step = 0; step < 300; step++) {
            Variable loss = Variable.constant(x).matmul(w).add(b).sub(y).square().mean();
            loss.backward();                              // fills w.grad() and b.grad()
            w.value().subInPlace(w.grad().mul(0.1));      // plain tensor ops: nothing is recorded
            b.value().subInPlace(b.grad().mul(0.1));
            w.zeroGrad();
            b.zeroGrad();
        }
        // w ≈ [2, -1, 0.5], b ≈ 1

        GradCheck.Result ok = GradCheck.check("mlp", v -> v[0].matmul(v[1]).tanh().softmax(-1),
                Tensor.randn(DType.FLOAT64, g, 4, 3), Tensor.randn(DType.FLOAT64, g, 3, 2));
        System.out.println(ok.passed() + ", max error " + ok.maxError()); // true, max error 9.04e-11

        // an op whose VJP forgets the factor 2 of d(x²)/dx = 2x
        CheckCase sample = s -> GradCheck.Problem.of("x²", v -> buggySquare(v[0]), s.normal(2, 3));
        try (var _ = OpRegistry.register("tutorial", OpRegistry.Entry.of("buggySquare", sample))) {
            System.out.println(GradCheckAll.checkOp("buggySquare", 0).message());
            // gradcheck 'buggySquare' [x²] failed: input 0 of shape [2,3] element [1, 1], output element [1, 1]:
            //   analytic 1.182779995, numeric 2.365559989 (|difference| 1.18 > tolerance 0.00238)
        }
        // --- end
        assertArrayEquals(new double[] {2, -1, 0.5}, w.value().toDoubleArray(), 1e-3);
        assertEquals(1, b.value().item(), 1e-3);
        assertTrue(ok.passed());
    }

    static Variable buggySquare(Variable x) {
        return Node.record("buggySquare", x.value().square(), (n, grad) -> grads(grad.mul(n.input(0))), x);
    }
}

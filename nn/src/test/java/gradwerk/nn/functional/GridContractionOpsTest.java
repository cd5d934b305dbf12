package gradwerk.nn.functional;

import gradwerk.autograd.Variable;
import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.GridPadding;
import gradwerk.tensor.nn.Interpolation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * gridSampleDot / gridSampleMix are gridSample followed by a product and a sum, fused: at a size like DDANet's
 * (many channels, 15 slots, points inside and outside the image), in float32, the fused ops and that composition
 * give the same outputs and the same gradients for all three inputs through autograd.
 */
class GridContractionOpsTest {

    private static Tensor grid(Generator g, int n, int q, int s) {
        return Tensor.rand(DType.FLOAT64, g, n, q, s, 2).mul(2.4).sub(1.2).to(DType.FLOAT32); // some points outside
    }

    private static double relDiff(Tensor a, Tensor b) {
        return a.sub(b).abs().max().item() / Math.max(1e-6, b.abs().max().item());
    }

    @ParameterizedTest
    @EnumSource(GridPadding.class)
    void fusedEqualsComposed(GridPadding padding) {
        Generator g = new Generator(padding.ordinal() + 5);
        int n = 2, c = 48, h = 8, w = 9, q = h * w, s = h + w - 1;
        Tensor x0 = Tensor.randn(g, n, c, h, w), p0 = Tensor.randn(g, n, c, q), w0 = Tensor.rand(g, n, q, s), g0 = grid(g, n, q, s);
        Tensor gDot = Tensor.randn(g, n, q, s), gMix = Tensor.randn(g, n, c, q);
        for (boolean align : new boolean[] {true, false}) {
            String how = padding + (align ? " alignCorners" : "");
            // Dot
            Variable x = Variable.param(x0), p = Variable.param(p0), gr = Variable.param(g0);
            Variable fused = F.gridSampleDot(p, x, gr, padding, align);
            fused.backward(gDot);
            Variable x2 = Variable.param(x0), p2 = Variable.param(p0), gr2 = Variable.param(g0);
            Variable composed = F.gridSample(x2, gr2, Interpolation.BILINEAR, padding, align).mul(p2.reshape(n, c, q, 1))
                    .sum(new int[] {1}, false);
            composed.backward(gDot);
            assertClose(composed.value(), fused.value(), 1e-5, "dot " + how);
            assertClose(p2.grad(), p.grad(), 1e-5, "dot d p " + how);
            assertClose(x2.grad(), x.grad(), 1e-5, "dot d input " + how);
            assertClose(gr2.grad(), gr.grad(), 1e-4, "dot d grid " + how);
            // Mix
            Variable y = Variable.param(x0), wt = Variable.param(w0), gy = Variable.param(g0);
            Variable mixed = F.gridSampleMix(wt, y, gy, padding, align);
            mixed.backward(gMix);
            Variable y2 = Variable.param(x0), wt2 = Variable.param(w0), gy2 = Variable.param(g0);
            Variable mixed2 = F.gridSample(y2, gy2, Interpolation.BILINEAR, padding, align).mul(wt2.unsqueeze(1))
                    .sum(new int[] {3}, false);
            mixed2.backward(gMix);
            assertClose(mixed2.value(), mixed.value(), 1e-5, "mix " + how);
            assertClose(wt2.grad(), wt.grad(), 1e-5, "mix d w " + how);
            assertClose(y2.grad(), y.grad(), 1e-5, "mix d input " + how);
            assertClose(gy2.grad(), gy.grad(), 1e-4, "mix d grid " + how);
        }
    }

    @ParameterizedTest
    @EnumSource(GridPadding.class)
    void onlyTheNeededGradientsAreComputed(GridPadding padding) {
        Generator g = new Generator(9);
        Variable x = Variable.param(Tensor.randn(g, 1, 4, 3, 3)), p = Variable.constant(Tensor.randn(g, 1, 4, 5));
        Variable gr = Variable.constant(grid(g, 1, 5, 2));
        F.gridSampleDot(p, x, gr, padding, true).sum().backward();
        assertTrue(x.grad() != null, "the image needs its gradient");
        assertNull(p.grad());
        assertNull(gr.grad());
    }

    private static void assertClose(Tensor expected, Tensor actual, double tol, String what) {
        double d = relDiff(actual, expected);
        assertTrue(d <= tol, what + ": max |fused − composed| / max |composed| = " + d);
    }
}

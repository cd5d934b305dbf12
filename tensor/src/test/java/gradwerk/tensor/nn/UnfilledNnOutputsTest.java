package gradwerk.tensor.nn;

import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.TensorScope;
import gradwerk.tensor.cpu.ArrayPool;
import gradwerk.tensor.cpu.CpuStorage;
import org.junit.jupiter.api.Test;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The convolution's output and input gradient of a transposed convolution, and batch norm's output and input
 * gradient, are allocated unfilled: every kernel path must write every element. Each runs twice, first into an
 * array that the pool hands back full of NaN, then into a new one.
 */
class UnfilledNnOutputsTest {
    private static final Generator G = new Generator(4);

    private static void writesEveryElement(String what, Supplier<Tensor> op) {
        int numel = op.get().numel(); // the size, and compiles the path
        assertTrue(numel >= ArrayPool.MIN_LENGTH, what + ": " + numel + " elements are not pooled");
        float[] dirty;
        try (TensorScope s = TensorScope.open("dirty")) {
            dirty = CpuStorage.floats(Tensor.full(DType.FLOAT32, Double.NaN, numel));
        }
        Tensor intoDirty = op.get();
        assertSame(dirty, CpuStorage.floats(intoDirty), what + ": the output should reuse the dirty array");
        assertArrayEquals(op.get().toFloatArray(), intoDirty.toFloatArray(), what);
    }

    private static Supplier<Tensor> conv(int[] x, int[] w, int stride, int pad, int dilation, int groups, boolean bias) {
        Tensor in = Tensor.randn(G, x), weight = Tensor.randn(G, w), b = bias ? Tensor.randn(G, w[0]) : null;
        int[] s = {stride, stride}, p = {pad, pad}, d = {dilation, dilation};
        return () -> Conv.conv2d(in, weight, b, s, p, d, groups);
    }

    @Test
    void everyConvolutionPathWritesItsWholeOutput() {
        writesEveryElement("Winograd F(4x4), 16 -> 16 @ 64²", conv(new int[] {1, 16, 64, 64}, new int[] {16, 16, 3, 3}, 1, 1, 1, 1, true));
        writesEveryElement("Winograd, 16 -> 16 @ 32²", conv(new int[] {1, 16, 32, 32}, new int[] {16, 16, 3, 3}, 1, 1, 1, 1, true));
        writesEveryElement("Winograd F(2x2), 32 -> 32 @ 16²", conv(new int[] {1, 32, 16, 16}, new int[] {32, 32, 3, 3}, 1, 1, 1, 1, false));
        writesEveryElement("direct, 1 -> 8 @ 64²", conv(new int[] {2, 1, 64, 64}, new int[] {8, 1, 3, 3}, 1, 1, 1, 1, true));
        writesEveryElement("1x1", conv(new int[] {2, 16, 32, 32}, new int[] {8, 16, 1, 1}, 1, 0, 1, 1, true));
        writesEveryElement("3x3 stride 2", conv(new int[] {2, 8, 64, 64}, new int[] {8, 8, 3, 3}, 2, 1, 1, 1, false));
        writesEveryElement("grouped", conv(new int[] {2, 8, 32, 32}, new int[] {8, 4, 3, 3}, 1, 1, 1, 2, true));
        writesEveryElement("dilated, no padding", conv(new int[] {2, 4, 40, 40}, new int[] {4, 4, 3, 3}, 1, 0, 2, 1, false));
        Tensor dy = Tensor.randn(G, 2, 4, 32, 32), w = Tensor.randn(G, 8, 4, 2, 2); // 8 -> 4 channels, 16² -> 32²
        writesEveryElement("convTranspose2d's input gradient", () -> Conv.convTranspose2dBackwardInput(dy, w,
                new int[] {2, 8, 16, 16}, new int[] {2, 2}, new int[] {0, 0}, new int[] {0, 0}, 1, new int[] {1, 1}));
    }

    @Test
    void batchNormWritesItsWholeOutputAndInputGradient() {
        Tensor x = Tensor.randn(G, 4, 8, 16, 16), w = Tensor.rand(G, 8), b = Tensor.randn(G, 8);
        Tensor mean = Tensor.randn(G, 8), var = Tensor.rand(G, 8).add(0.5), dy = Tensor.randn(G, 4, 8, 16, 16);
        writesEveryElement("batch norm, training", () -> Norm.batchNorm(x, null, null, w, b, true, 0.1, 1e-5).output());
        writesEveryElement("batch norm, evaluation", () -> Norm.batchNorm(x, mean, var, w, b, false, 0.1, 1e-5).output());
        Norm.NormResult r = Norm.batchNorm(x, null, null, w, b, true, 0.1, 1e-5);
        writesEveryElement("batch norm's input gradient",
                () -> Norm.batchNormBackward(dy, x, w, r.saveMean(), r.saveInvstd(), true).input());
    }
}

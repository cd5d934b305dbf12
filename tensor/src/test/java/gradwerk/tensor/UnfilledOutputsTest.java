package gradwerk.tensor;

import gradwerk.tensor.cpu.ArrayPool;
import gradwerk.tensor.cpu.CpuStorage;
import org.junit.jupiter.api.Test;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The elementwise ops, softmax and cat take their outputs without zero-filling a reused array: every element must be
 * written. Each op runs twice, first into an array that the pool hands back full of NaN, then into a new one.
 */
class UnfilledOutputsTest {
    private static final Generator G = new Generator(9);
    private static final Tensor A = Tensor.randn(G, 8, 3, 400), B = Tensor.randn(G, 3, 1), C = Tensor.randn(G, 8, 3, 400);
    private static final Tensor MASK = A.gt(C);

    private static void writesEveryElement(String what, Supplier<Tensor> op, int numel) {
        float[] dirty;
        try (TensorScope s = TensorScope.open("dirty")) {
            Tensor t = Tensor.full(DType.FLOAT32, Double.NaN, numel);
            dirty = CpuStorage.floats(t);
        }
        Tensor intoDirty = op.get();
        assertSame(dirty, CpuStorage.floats(intoDirty), what + ": the output should reuse the dirty array");
        Tensor intoNew = op.get();
        assertArrayEquals(intoNew.toFloatArray(), intoDirty.toFloatArray(), what);
    }

    @Test
    void elementwiseSoftmaxAndCatWriteEveryElementOfAReusedArray() {
        int n = A.numel();
        assertTrue(n / 2 >= ArrayPool.MIN_LENGTH, "outputs large enough to be pooled");
        writesEveryElement("exp", A::exp, n);
        writesEveryElement("relu of a transposed view", () -> A.transpose(0, 2).relu(), n);
        writesEveryElement("add, broadcast", () -> A.add(B), n);
        writesEveryElement("mul of strided views", () -> A.narrow(2, 0, 200).mul(C.narrow(2, 200, 200)), n / 2);
        writesEveryElement("where", () -> MASK.where(A, C), n);
        writesEveryElement("softmax over dim 1", () -> A.softmax(1), n);
        writesEveryElement("cat", () -> Tensor.cat(2, A.narrow(2, 0, 100), C.narrow(2, 0, 300)), n);
    }
}

package gradwerk.tensor;

import gradwerk.tensor.cpu.ArrayPool;
import gradwerk.tensor.cpu.CpuStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which free array the pool hands to a request: the exact length, else the shortest one at most twice as long. */
class ArrayPoolTest {
    private static final int N = 50_000; // pooled (>= MIN_LENGTH)

    @BeforeEach
    @AfterEach
    void emptyPool() {
        ArrayPool.clear();
        ArrayPool.padForTesting(0);
    }

    /** The array of a float32 tensor of n elements, allocated and released in a scope, so that it is free now. */
    private static float[] released(int n) {
        try (TensorScope s = TensorScope.open("release")) {
            return CpuStorage.floats(Tensor.full(DType.FLOAT32, 7, n));
        }
    }

    @Test
    void aLongerFreeArrayServesAShorterTensorWhoseElementsAreZeroAndWhoseLengthIsItsOwn() {
        float[] longer = released(N + N / 2);
        Tensor t = Tensor.zeros(N);
        assertSame(longer, CpuStorage.floats(t), "1.5 times as long: taken");
        assertEquals(N, t.storage().length());
        for (int i = 0; i < N; i++) assertEquals(0f, CpuStorage.floats(t)[i]);
        assertEquals(7f, longer[N], "the tail beyond the storage is not touched");
        // the tensor behaves as its own size everywhere
        Tensor ones = Tensor.ones(N);
        assertEquals(N, t.add(ones).sum().item(), 0);
        assertEquals(N, t.add(ones).toFloatArray().length);
    }

    @Test
    void aFreeArrayMoreThanTwiceAsLongIsLeftForItsOwnSize() {
        float[] far = released(2 * N + 1);
        assertNotSame(far, CpuStorage.floats(Tensor.zeros(N)));
        assertSame(far, CpuStorage.floats(Tensor.zeros(2 * N + 1)), "still free for a tensor of its length");
    }

    @Test
    void theExactLengthComesFirstThenTheShortestLongerOne() {
        float[] twice, exact, quarter;
        try (TensorScope s = TensorScope.open("release together")) { // one at a time, each would reuse the last
            twice = CpuStorage.floats(Tensor.zeros(2 * N));
            exact = CpuStorage.floats(Tensor.zeros(N));
            quarter = CpuStorage.floats(Tensor.zeros(N + N / 4));
        }
        assertSame(exact, CpuStorage.floats(Tensor.zeros(N)));
        assertSame(quarter, CpuStorage.floats(Tensor.zeros(N)));
        assertSame(twice, CpuStorage.floats(Tensor.zeros(N)));
        assertNotSame(twice, CpuStorage.floats(Tensor.zeros(N)), "each array is handed out once");
    }

    @Test
    void paddingForTestsPutsNaNBehindEveryNewArray() {
        ArrayPool.padForTesting(3);
        Tensor t = Tensor.ones(N), small = Tensor.ones(10);
        float[] a = CpuStorage.floats(t), b = CpuStorage.floats(small);
        assertEquals(N + 3, a.length);
        assertEquals(13, b.length);
        assertTrue(Float.isNaN(a[N]) && Float.isNaN(a[N + 2]) && Float.isNaN(b[10]));
        assertEquals(N, t.sum().item(), 0, "kernels read the tensor's elements, not the array's");
        assertArrayEquals(new float[] {1, 1}, small.narrow(0, 8, 2).toFloatArray());
    }
}

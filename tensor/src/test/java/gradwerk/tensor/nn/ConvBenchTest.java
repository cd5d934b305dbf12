package gradwerk.tensor.nn;

import gradwerk.tensor.cpu.ArrayPool;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ConvBench} times each call the way a training step runs it: in a scope of its own, so that its outputs come
 * from the array pool instead of new (zeroed) Java arrays, as PyTorch's come from its allocator's free blocks.
 */
class ConvBenchTest {

    @Test
    void timedCallsTakeTheirArraysFromThePool() {
        int[] shape = {2, 8, 16, 32, 3, 1};        // outputs of 2·16·32² floats: large enough to be pooled
        ConvBench.measure(shape, 3, 2);             // the pool learns this shape's arrays
        // measure() allocates its inputs anew each time, outside any scope, and the worker threads' scratch may
        // take a new array or two; but unscoped, 12 more calls of each measurement would add at least 48 (one
        // output per forward and input-gradient call, two per forward+backward).
        long few = newArrays(() -> ConvBench.measure(shape, 3, 1));
        long reused = ArrayPool.stats().reused();
        long many = newArrays(() -> ConvBench.measure(shape, 15, 1));
        assertTrue(many - few < 12, "12 more timed calls of each measurement allocated " + (many - few)
                + " more new large arrays");
        long taken = ArrayPool.stats().reused() - reused;
        // 16 calls each of forward, forward+backward and input gradient, each with at least one pooled output
        assertTrue(taken >= 3 * 16, "the timed calls took only " + taken + " arrays from the pool");
    }

    private static long newArrays(Runnable body) {
        long fresh = ArrayPool.stats().fresh();
        body.run();
        return ArrayPool.stats().fresh() - fresh;
    }
}

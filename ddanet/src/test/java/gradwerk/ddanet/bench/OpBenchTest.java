package gradwerk.ddanet.bench;

import gradwerk.tensor.DType;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.TensorScope;
import gradwerk.tensor.cpu.ArrayPool;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link OpBench} times each call in a scope of its own, so that its tensors come from the pool, as in training. */
class OpBenchTest {

    @Test
    void timedCallsReuseTheirArrays() {
        Tensor a = Tensor.ones(DType.FLOAT32, 64, 1024);
        Runnable body = () -> {
            assertTrue(TensorScope.current() != null, "no scope during the call");
            a.mul(2.0).add(1.0);                          // two pooled 64K-float results per call
        };
        OpBench.ms(3, 3, body);                           // the pool learns the arrays
        long fresh = ArrayPool.stats().fresh();
        double ms = OpBench.ms(25, 3, body);
        assertTrue(ArrayPool.stats().fresh() - fresh < 10, "calls allocated " + (ArrayPool.stats().fresh() - fresh)
                + " new large arrays instead of taking them from the pool");
        assertTrue(ms >= 0, "a time");
        assertNull(TensorScope.current(), "a call's scope was left open");
    }
}

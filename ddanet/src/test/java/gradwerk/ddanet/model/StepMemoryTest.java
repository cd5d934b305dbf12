package gradwerk.ddanet.model;

import gradwerk.ddanet.bench.TrainStepBench;
import gradwerk.nn.Module;
import gradwerk.nn.optim.Adam;
import gradwerk.nn.optim.Optimizer;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.cpu.ArrayPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A training step of each model, in its step scope, takes its large arrays from the pool once the pool has seen two
 * steps (two, because the gradients that {@code zeroGrad} drops in step k come back when step k ends, while step k
 * already needed new ones). This catches an array that leaves the scopes every step: scratch buffers of the
 * convolution's worker threads, a gradient accumulated into a new array for a weight used twice (the attention
 * block), state replaced every step (DDANet's attention trace). Such a leak makes every step allocate; what may
 * still make a single step allocate is scheduling (two worker chunks that overlapped for the first time, so both
 * need a buffer of one size at once), which is why the test asks for steps without new arrays, not for all of them.
 */
class StepMemoryTest {
    // 64² images with base 8: the deep layers (64 → 128 channels at 8² and 4²) take the im2col path on the worker
    // threads, and their weights are large enough to be pooled. 256² with base 4: DDANet's attention trace at the
    // 16² bottleneck is large enough to be pooled too.
    @ParameterizedTest
    @CsvSource({"unet, 64, 8", "cca, 64, 8", "ddanet, 64, 8", "ddanet, 256, 4"})
    void stepsAfterTheSecondAllocateNoNewLargeArrays(String name, int size, int base) {
        Generator g = new Generator(3);
        Module model = Models.create(name, ModelConfig.defaults().withBaseChannels(base).withImageSize(size), g);
        model.train();
        Optimizer opt = new Adam(model.parameters(), 1e-3);
        Tensor x = Tensor.randn(g, 2, 1, size, size), y = Tensor.randint(g, 0, 3, 2, size, size);
        long[] fresh = new long[8];
        for (int s = 0; s < fresh.length; s++) {
            long before = ArrayPool.stats().fresh();
            TrainStepBench.step(model, opt, x, y);
            fresh[s] = ArrayPool.stats().fresh() - before;
        }
        long[] steady = Arrays.copyOfRange(fresh, 2, fresh.length);
        assertTrue(fresh[0] > 0, name + " " + size + "²: the first step should fill the pool");
        assertTrue(Arrays.stream(steady).filter(n -> n == 0).count() >= steady.length / 2,
                name + " " + size + "²: new large arrays in steps 2..7: " + Arrays.toString(steady) + " (all steps: "
                        + Arrays.toString(fresh) + "); a step scope leaks arrays");
    }
}

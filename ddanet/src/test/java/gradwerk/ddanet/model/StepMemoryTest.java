package gradwerk.ddanet.model;

import gradwerk.ddanet.bench.TrainStepBench;
import gradwerk.nn.Module;
import gradwerk.nn.optim.Adam;
import gradwerk.nn.optim.Optimizer;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.cpu.ArrayPool;
import gradwerk.tensor.cpu.Parallel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A training step of each model, in its step scope, takes every large array from the pool once the pool has settled:
 * from the fifth step on. (The gradients that {@code zeroGrad} drops in step k come back only when step k ends, while
 * step k already needed new ones; and the pool hands a longer free array to a request when none of the exact length
 * is free, so that which array serves which tensor shifts during the first steps.) This catches an array that leaves the scopes every step: a gradient accumulated into a
 * new array for a weight used twice (the attention blocks), the gradients {@code zeroGrad} forgets, state replaced
 * every step (DDANet's attention trace). The steps run on one thread, so that the demand for each size is the same
 * in every step; with two, it varies a little with the scheduling of the convolution's chunks (whether two of them
 * overlap and need a scratch buffer of one size at once). {@code ConvScratchTest} covers the worker threads.
 */
class StepMemoryTest {
    // 64² images with base 8: the deep layers (64 → 128 channels at 8² and 4²) take the im2col path, and their
    // weights are large enough to be pooled. 256² with base 4: DDANet's attention trace at the 16² bottleneck is
    // large enough to be pooled too.
    @ParameterizedTest
    @CsvSource({"unet, 64, 8", "cca, 64, 8", "ddanet, 64, 8", "ddanet, 256, 4"})
    void stepsAfterTheFourthAllocateNoNewLargeArrays(String name, int size, int base) {
        Generator g = new Generator(3);
        Module model = Models.create(name, ModelConfig.defaults().withBaseChannels(base).withImageSize(size), g);
        model.train();
        Optimizer opt = new Adam(model.parameters(), 1e-3);
        Tensor x = Tensor.randn(g, 2, 1, size, size), y = Tensor.randint(g, 0, 3, 2, size, size);
        long[] fresh = new long[9];
        ArrayPool.clear(); // the same start whatever ran before in this JVM, so the same steps every time
        int threads = Parallel.threads();
        Parallel.setThreads(1);
        try {
            for (int s = 0; s < fresh.length; s++) {
                long before = ArrayPool.stats().fresh();
                TrainStepBench.step(model, opt, x, y);
                fresh[s] = ArrayPool.stats().fresh() - before;
            }
        } finally {
            Parallel.setThreads(threads);
        }
        assertTrue(fresh[0] > 0, name + " " + size + "²: the first step should fill the pool");
        for (int s = 4; s < fresh.length; s++)
            assertEquals(0, fresh[s], name + " " + size + "²: step " + s + " allocated new large arrays (all steps: "
                    + Arrays.toString(fresh) + "); a step scope leaks arrays");
    }
}

package gradwerk.ddanet.bench;

import gradwerk.autograd.SavedMemory;
import gradwerk.autograd.Variable;
import gradwerk.ddanet.model.ModelConfig;
import gradwerk.ddanet.model.Models;
import gradwerk.ddanet.train.TrainLoss;
import gradwerk.nn.Module;
import gradwerk.nn.Parameter;
import gradwerk.nn.optim.Adam;
import gradwerk.nn.optim.Optimizer;
import gradwerk.tensor.Device;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.TensorScope;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One training step of a segmentation model, timed: forward, the training loss ({@link TrainLoss}: cross-entropy +
 * soft Dice), backward and an Adam step (lr 1e-3, weight decay 1e-4), on a fixed random batch
 * ([B,1,S,S] standard-normal images, class maps drawn uniformly from {0,1,2}). {@code tools/bench_pytorch.py
 * train-step} does the same in PyTorch with the same architecture.
 */
public final class TrainStepBench {
    private TrainStepBench() {}

    /** Median seconds per step after warm-up, and the memory high-water marks (bytes) seen during the run. */
    public record Result(double seconds, double[] allSeconds, long heapPeakBytes, long rssPeakBytes) {}

    /** A model of the three, built for size×size inputs with the given base channels (defaults otherwise). */
    public static Module model(String name, int size, int baseChannels, long seed) {
        ModelConfig cfg = ModelConfig.defaults().withImageSize(size).withBaseChannels(baseChannels);
        return Models.create(name, cfg, new Generator(seed));
    }

    /** Runs warmup untimed and steps timed training steps; returns the median. */
    public static Result run(String modelName, int batch, int size, int baseChannels, int warmup, int steps, Device device) {
        if (batch < 1 || steps < 1 || warmup < 0) throw new IllegalArgumentException("batch and steps must be >= 1, warmup >= 0");
        Module model = model(modelName, size, baseChannels, 42);
        model.to(device);
        model.train();
        Generator g = new Generator(7);
        Tensor x = Tensor.randn(g, batch, 1, size, size).to(device);
        Tensor y = Tensor.randint(g, 0, 3, batch, size, size).to(device);
        Optimizer opt = new Adam(model.parameters(), 1e-3, 0.9, 0.999, 1e-8, 1e-4);
        resetPeaks();
        for (int i = 0; i < warmup; i++) step(model, opt, x, y);
        double[] t = new double[steps];
        for (int i = 0; i < steps; i++) {
            long t0 = System.nanoTime();
            step(model, opt, x, y);
            t[i] = (System.nanoTime() - t0) / 1e9;
        }
        double[] sorted = t.clone();
        Arrays.sort(sorted);
        double median = steps % 2 == 1 ? sorted[steps / 2] : (sorted[steps / 2 - 1] + sorted[steps / 2]) / 2;
        return new Result(median, t, heapPeak(), rssPeak());
    }

    /**
     * Bytes that the graph of one forward pass + loss keeps for backward: the distinct tensors its ops saved
     * ({@link SavedMemory}), parameters and the input batch left out. This is the memory reverse mode pays for,
     * counted the way {@code tools/bench_pytorch.py} counts PyTorch's {@code saved_bytes}.
     */
    public static long savedForBackward(String modelName, int batch, int size, int baseChannels) {
        Module model = model(modelName, size, baseChannels, 42);
        model.train();
        Generator g = new Generator(7);
        Tensor x = Tensor.randn(g, batch, 1, size, size);
        Tensor y = Tensor.randint(g, 0, 3, batch, size, size);
        Variable loss = TrainLoss.of(model.forward(Variable.constant(x)), y);
        List<Tensor> exclude = new ArrayList<>(List.of(x));
        for (Parameter p : model.parameters()) exclude.add(p.value());
        return SavedMemory.bytes(loss, exclude);
    }

    /** One step: forward, loss, zero grads, backward, Adam; returns the loss (which syncs the device). */
    public static double step(Module model, Optimizer opt, Tensor x, Tensor y) {
        try (TensorScope stepMemory = TensorScope.open("train step")) { // as the trainer does
            Variable loss = TrainLoss.of(model.forward(Variable.constant(x)), y);
            opt.zeroGrad();
            loss.backward();
            opt.step();
            return loss.item();
        }
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
            if (p.getType() == MemoryType.HEAP) p.resetPeakUsage();
    }

    /** Sum over the heap pools of their peak usage since {@link #resetPeaks} (an upper bound of the peak live heap). */
    public static long heapPeak() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) sum += p.getPeakUsage().getUsed();
        return sum;
    }

    /** VmHWM of this process from /proc/self/status (peak resident set), or -1 where there is none. */
    public static long rssPeak() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        } catch (Exception e) {
            return -1;
        }
        return -1;
    }
}

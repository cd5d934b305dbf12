package gradwerk.nn;

import gradwerk.autograd.Variable;
import gradwerk.nn.layers.Activation.ReLU;
import gradwerk.nn.layers.BatchNorm2d;
import gradwerk.nn.layers.Conv2d;
import gradwerk.nn.layers.MaxPool2d;
import gradwerk.nn.layers.Upsample;
import gradwerk.nn.loss.CrossEntropy;
import gradwerk.nn.loss.Dice;
import gradwerk.nn.optim.Adam;
import gradwerk.tensor.DType;
import gradwerk.tensor.Device;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.Interpolation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Times training steps (forward, cross-entropy + Dice, backward, Adam) of a small encoder-decoder conv net on each
 * device: {@code java ... gradwerk.nn.OpenClStepBenchmark [size] [batch] [steps] [devices...]} (defaults: 128, 4,
 * 6, cpu opencl). Prints the median step time after one warm-up step, and the losses, which should agree
 * between devices. Not a test: tools/gpu/run_opencl_check.sh runs it.
 */
public final class OpenClStepBenchmark {
    static Sequential model(Generator g) {
        return new Sequential(
                new Conv2d(1, 16, 3, 1, 1, 1, 1, false, g), new BatchNorm2d(16), new ReLU(),
                new Conv2d(16, 16, 3, 1, 1, 1, 1, false, g), new BatchNorm2d(16), new ReLU(), new MaxPool2d(2),
                new Conv2d(16, 32, 3, 1, 1, 1, 1, false, g), new BatchNorm2d(32), new ReLU(), new MaxPool2d(2),
                new Conv2d(32, 32, 3, 1, 1, 1, 1, false, g), new BatchNorm2d(32), new ReLU(),
                Upsample.scale(4, Interpolation.BILINEAR, false),
                new Conv2d(32, 16, 3, 1, 1, g), new ReLU(),
                new Conv2d(16, 2, 1, g));
    }

    public static void main(String[] args) {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 128, batch = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 6;
        List<String> devices = args.length > 3 ? Arrays.asList(args).subList(3, args.length) : List.of("cpu", "opencl");
        for (String name : devices) {
            Device dev = Device.get(name);
            Sequential m = model(new Generator(42));
            m.to(dev);
            Adam opt = new Adam(m.parameters(), 1e-3);
            Generator data = new Generator(7);
            List<Double> losses = new ArrayList<>();
            double[] ms = new double[steps];
            for (int step = 0; step < steps; step++) {
                Tensor[] b = OpenClTrainingTest.batch(data, batch, size);
                long t0 = System.nanoTime();
                Tensor x = b[0].to(dev), y = b[1].to(dev);
                Variable logits = m.forward(x);
                Variable loss = CrossEntropy.crossEntropy(logits, y).add(Dice.diceLoss(logits, y));
                opt.zeroGrad();
                loss.backward();
                opt.step();
                losses.add(loss.item()); // waits for the device
                ms[step] = (System.nanoTime() - t0) / 1e6;
            }
            double[] timed = Arrays.copyOfRange(ms, Math.min(1, steps - 1), steps);
            Arrays.sort(timed);
            System.out.printf(Locale.ROOT, "train step %dx%d batch %d float32 on %-9s median %9.1f ms (first %9.1f ms)  losses %s%n",
                    size, size, batch, dev.name(), timed[timed.length / 2], ms[0], losses);
        }
    }
}

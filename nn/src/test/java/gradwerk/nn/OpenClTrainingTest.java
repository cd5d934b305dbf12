package gradwerk.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.fail;

import gradwerk.autograd.NoGrad;
import gradwerk.autograd.Variable;
import gradwerk.nn.layers.Activation.ReLU;
import gradwerk.nn.layers.BatchNorm2d;
import gradwerk.nn.layers.Conv2d;
import gradwerk.nn.layers.MaxPool2d;
import gradwerk.nn.layers.Upsample;
import gradwerk.nn.loss.CrossEntropy;
import gradwerk.nn.loss.Dice;
import gradwerk.nn.optim.Adam;
import gradwerk.nn.optim.AdamW;
import gradwerk.nn.optim.GradClip;
import gradwerk.nn.optim.Optimizer;
import gradwerk.nn.optim.SGD;
import gradwerk.tensor.DType;
import gradwerk.tensor.Device;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.Interpolation;
import gradwerk.tensor.opencl.OpenClPlatforms;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A whole training step on OpenCL: a small U-shaped conv net (conv, batch norm, ReLU, max pooling, bilinear
 * upsampling, cross-entropy + Dice, Adam) trained for a few steps on {@code Device.get("opencl")} must reach the
 * same losses as the same model trained on the CPU, and every parameter, gradient, buffer and optimiser state
 * must stay on the device.
 *
 * <p>Without an OpenCL platform the tests are skipped with the reason, except with {@code CI=true} in the
 * environment, where they fail (the same rule as the tensor module's OpenClTestSupport).
 */
class OpenClTrainingTest {
    private Device dev;

    @BeforeEach
    void device() {
        Optional<String> reason = OpenClPlatforms.unavailableReason();
        if (reason.isPresent()) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) fail("CI=true, so OpenCL must work here, but: " + reason.get());
            Assumptions.abort("no OpenCL: " + reason.get());
        }
        dev = Device.get(System.getProperty("gradwerk.test.opencl", "opencl"));
    }

    /**
     * conv-bn-relu, down by 2, conv-relu, up by 2 (bilinear), per-pixel logits: [N,1,16,16] → [N,2,16,16]. The
     * first conv has no bias, as usual before batch norm: that bias's gradient is exactly 0 in theory, so in float32
     * it is rounding noise, which Adam (scale-invariant updates) turns into steps of ±lr that differ per device.
     */
    static Sequential model(Generator g) {
        return new Sequential(
                new Conv2d(1, 8, 3, 1, 1, 1, 1, false, g), new BatchNorm2d(8), new ReLU(), new MaxPool2d(2),
                new Conv2d(8, 8, 3, 1, 1, g), new ReLU(),
                Upsample.scale(2, Interpolation.BILINEAR, false),
                new Conv2d(8, 2, 1, g));
    }

    /** A batch of 16x16 images: noise with a bright square, and its mask as class indices. [images, masks] */
    static Tensor[] batch(Generator g, int n) {
        return batch(g, n, 16);
    }

    /** The same at any size (the square is a fifth of it, at least 5 pixels). */
    static Tensor[] batch(Generator g, int n, int size) {
        int side = Math.max(5, size / 5);
        float[] img = new float[n * size * size], mask = new float[n * size * size];
        for (int i = 0; i < n; i++) {
            int r = g.nextInt(size - side + 1), c = g.nextInt(size - side + 1);
            for (int p = 0; p < size * size; p++) img[i * size * size + p] = (float) (0.3 * g.nextGaussian());
            for (int y = r; y < r + side; y++)
                for (int x = c; x < c + side; x++) {
                    img[i * size * size + y * size + x] += 1;
                    mask[i * size * size + y * size + x] = 1;
                }
        }
        return new Tensor[] {Tensor.of(img, n, 1, size, size), Tensor.of(mask, n, size, size)};
    }

    /** A finished run: the loss of every step, the trained model and its optimiser. */
    record Run(List<Double> losses, Sequential model, Optimizer optimizer) {}

    /** {@code steps} training steps of a fresh model (seeded: the same on every device) on {@code device}. */
    static Run train(Device device, DType dtype, int steps, Function<List<Parameter>, Optimizer> optimizer,
                     boolean clip) {
        Sequential m = model(new Generator(42));
        m.to(dtype).to(device);
        Optimizer opt = optimizer.apply(m.parameters());
        Generator data = new Generator(7);
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < steps; step++) {
            Tensor[] b = batch(data, 4);
            Tensor x = b[0].to(dtype).to(device), y = b[1].to(dtype).to(device);
            Variable logits = m.forward(x);
            Variable loss = CrossEntropy.crossEntropy(logits, y).add(Dice.diceLoss(logits, y));
            opt.zeroGrad();
            loss.backward();
            if (clip) GradClip.clipGradNorm(m.parameters(), 1.0);
            opt.step();
            assertSame(device, loss.value().device(), "the loss is computed on " + device);
            losses.add(loss.item());
        }
        return new Run(losses, m, opt);
    }

    private List<DType> dtypes() {
        return OpenClPlatforms.select(dev.name()).fp64() ? List.of(DType.FLOAT32, DType.FLOAT64) : List.of(DType.FLOAT32);
    }

    private static void assertClose(String what, List<Double> want, List<Double> got, double tol) {
        for (int i = 0; i < want.size(); i++)
            if (!(Math.abs(want.get(i) - got.get(i)) <= tol * (1 + Math.abs(want.get(i)))))
                fail(what + ": step " + i + " want " + want.get(i) + " got " + got.get(i) + "\n  cpu    " + want
                        + "\n  opencl " + got);
    }

    private static void assertClose(String what, Tensor want, Tensor got, double tol) {
        double[] w = want.toDoubleArray(), g = got.toDoubleArray();
        for (int i = 0; i < w.length; i++)
            if (!(Math.abs(w[i] - g[i]) <= tol * (1 + Math.abs(w[i]))))
                fail(what + ": element " + i + " want " + w[i] + " got " + g[i]);
    }

    @Test
    void adamTrainingStepsMatchTheCpu() {
        for (DType dt : dtypes()) {
            Run cpu = train(Device.CPU, dt, 5, p -> new Adam(p, 0.01), false);
            Run ocl = train(dev, dt, 5, p -> new Adam(p, 0.01), false);
            List<Double> want = cpu.losses(), got = ocl.losses();
            System.out.println("OpenClTrainingTest " + dt + " losses: cpu " + want + "\n                              opencl " + got);
            double tol = dt == DType.FLOAT32 ? 1e-4 : 1e-10;
            assertClose("Adam losses " + dt, want, got, tol);
            if (want.get(want.size() - 1) >= want.get(0)) fail("the loss did not go down: " + want);
            // everything the model holds stayed on the device, and matches the CPU's
            var c = cpu.model().stateDict();
            ocl.model().stateDict().forEach((name, t) -> {
                assertSame(dev, t.device(), name + " lives on the device");
                assertClose(dt + " " + name, c.get(name), t, dt == DType.FLOAT32 ? 2e-3 : 1e-9);
            });
            ocl.optimizer().stateTensors().forEach((name, t) -> assertSame(dev, t.device(), name + " on the device"));
            for (Parameter p : ocl.model().parameters()) {
                assertNotNull(p.grad(), p + " has a gradient");
                assertSame(dev, p.grad().device(), p + ": gradient on the device");
            }
            // evaluation mode (running statistics) gives the same predictions
            cpu.model().eval();
            ocl.model().eval();
            Tensor x = batch(new Generator(99), 2)[0].to(dt);
            try (var _ = NoGrad.enter()) {
                assertClose("eval forward " + dt, cpu.model().forward(x).value(), ocl.model().forward(x.to(dev)).value(),
                        dt == DType.FLOAT32 ? 2e-3 : 1e-9);
            }
        }
    }

    @Test
    void otherOptimisersAndGradientClippingKeepTheirStateOnTheDevice() {
        DType dt = dtypes().getLast(); // float64 where available: comparisons stay tight
        double tol = dt == DType.FLOAT32 ? 1e-4 : 1e-10;
        List<Function<List<Parameter>, Optimizer>> optimisers = List.of(
                p -> new SGD(p, 0.05, 0.9, 0, 0, true), p -> new AdamW(p, 0.01));
        for (var make : optimisers) {
            Run cpu = train(Device.CPU, dt, 3, make, true), ocl = train(dev, dt, 3, make, true);
            Optimizer opt = ocl.optimizer();
            assertClose(opt.getClass().getSimpleName() + " + clipGradNorm losses", cpu.losses(), ocl.losses(), tol);
            opt.stateTensors().forEach((name, t) -> assertSame(dev, t.device(), name + " lives on the device"));
            assertEquals(ocl.model().parameters().size(), opt.params().size());
        }
    }
}

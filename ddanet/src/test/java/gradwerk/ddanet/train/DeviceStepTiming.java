package gradwerk.ddanet.train;

import gradwerk.autograd.Variable;
import gradwerk.ddanet.model.ModelConfig;
import gradwerk.ddanet.model.Models;
import gradwerk.nn.Module;
import gradwerk.nn.optim.Adam;
import gradwerk.tensor.Device;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Not a test: the time of one whole training step of DDANet (forward, cross-entropy + Dice, backward, Adam) in
 * float32 on each device, median over the timed steps after one warm-up step (which builds the OpenCL programs):
 * {@code java -cp ... gradwerk.ddanet.train.DeviceStepTiming [size] [base] [batch] [steps] [devices...]}
 * (defaults: 64 8 4 6 cpu opencl). Also prints the last loss per device, which should agree. docs/OPENCL.md quotes
 * its output; tools/gpu/run_opencl_check.sh runs it.
 */
public final class DeviceStepTiming {
    public static void main(String[] args) {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 64, base = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 4, steps = args.length > 3 ? Integer.parseInt(args[3]) : 6;
        List<String> devices = args.length > 4 ? Arrays.asList(args).subList(4, args.length) : List.of("cpu", "opencl");
        ModelConfig cfg = ModelConfig.defaults().withBaseChannels(base).withImageSize(size);
        for (String spec : devices) {
            Device dev = Device.get(spec);
            Module m = Models.create("ddanet", cfg, new Generator(0));
            m.to(dev);
            Adam opt = new Adam(m.parameters(), 1e-3);
            Tensor x = Tensor.randn(new Generator(1), batch, 1, size, size).to(dev);
            Tensor y = Tensor.randint(new Generator(2), 0, 3, batch, size, size).to(dev);
            double[] ms = new double[steps + 1];
            double last = 0;
            for (int s = 0; s <= steps; s++) {
                long t0 = System.nanoTime();
                Variable loss = TrainLoss.of(m.forward(Variable.constant(x)), y);
                opt.zeroGrad();
                loss.backward();
                opt.step();
                last = loss.item(); // waits for the device
                ms[s] = (System.nanoTime() - t0) / 1e6;
            }
            double[] timed = Arrays.copyOfRange(ms, 1, ms.length);
            Arrays.sort(timed);
            System.out.printf(Locale.ROOT, "DDANet train step %dx%d base %d batch %d float32 on %-9s median %8.1f ms"
                            + " (min %.1f, max %.1f, warm-up %.1f ms; %d steps), last loss %.5f%n", size, size, base, batch,
                    dev.name(), timed[timed.length / 2], timed[0], timed[timed.length - 1], ms[0], steps, last);
        }
    }
}

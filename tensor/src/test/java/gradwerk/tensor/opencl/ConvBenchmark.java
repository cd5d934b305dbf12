package gradwerk.tensor.opencl;

import gradwerk.tensor.DType;
import gradwerk.tensor.Device;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.Conv;
import java.util.Arrays;
import java.util.Locale;

/**
 * One forward + backward pass of a 3x3 convolution (padding 1) on the CPU backend and on an OpenCL device:
 * {@code java ... gradwerk.tensor.opencl.ConvBenchmark [device] [channels] [size] [batch]} (defaults: opencl, 16,
 * 64, 1) prints the median time of each. Not a test: run it by hand (see tools/gpu/run_opencl_check.sh). A pass is
 * conv2d, its input, weight and bias gradients, and a wait for the device to finish.
 */
public final class ConvBenchmark {
    public static void main(String[] args) {
        String spec = args.length > 0 ? args[0] : "opencl";
        int c = args.length > 1 ? Integer.parseInt(args[1]) : 16, s = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int n = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        Device dev = Device.get(spec);
        System.out.println(OpenClPlatforms.select(spec).describe());
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            if (dt == DType.FLOAT64 && !OpenClPlatforms.select(spec).fp64()) continue;
            for (Device d : new Device[] {Device.CPU, dev}) {
                double ms = median(d, dt, n, c, s);
                System.out.printf(Locale.ROOT, "conv2d %d->%d k3 p1 %dx%d batch %d %-7s fwd+bwd on %-9s %9.2f ms%n", c,
                        c, s, s, n, dt, d.name(), ms);
            }
        }
    }

    /** Median milliseconds per pass after warm-up (at least 5 passes, about 3 s). */
    static double median(Device d, DType dt, int n, int c, int s) {
        Tensor x = Tensor.randn(dt, new Generator(1), n, c, s, s).to(d), w = Tensor.randn(dt, new Generator(2), c, c, 3, 3).to(d);
        Tensor b = Tensor.randn(dt, new Generator(3), c).to(d), dy = Tensor.randn(dt, new Generator(4), n, c, s, s).to(d);
        int[] one = {1};
        for (int i = 0; i < 3; i++) pass(x, w, b, dy, one); // compile kernels, fill the buffer pool
        double[] times = new double[200];
        int reps = 0;
        long start = System.nanoTime();
        while (reps < times.length && (reps < 5 || System.nanoTime() - start < 3_000_000_000L)) {
            long t0 = System.nanoTime();
            pass(x, w, b, dy, one);
            times[reps++] = (System.nanoTime() - t0) / 1e6;
        }
        double[] t = Arrays.copyOf(times, reps);
        Arrays.sort(t);
        return t[reps / 2];
    }

    private static void pass(Tensor x, Tensor w, Tensor b, Tensor dy, int[] one) {
        Tensor y = Conv.conv2d(x, w, b, one, one, one, 1);
        Tensor gx = Conv.conv2dBackwardInput(dy, w, x.shape(), one, one, one, 1);
        Tensor gw = Conv.conv2dBackwardWeight(dy, x, w.shape(), one, one, one, 1);
        Tensor gb = Conv.convBackwardBias(dy);
        // reading one element of each result waits for the device (one in-order queue: all work is done)
        y.get(0, 0, 0, 0);
        gx.get(0, 0, 0, 0);
        gw.get(0, 0, 0, 0);
        gb.get(0);
    }
}

package gradwerk.tensor.nn;

import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.cpu.Parallel;
import gradwerk.tensor.cpu.Simd;

import java.util.Arrays;
import java.util.Locale;

/**
 * Convolution throughput for the U-Net's shapes, float32, printed as GFLOPS (median of several runs after
 * warm-up). Same lines as {@code tools/bench_conv_pytorch.py}, for a side-by-side comparison:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp tensor/target/classes gradwerk.tensor.nn.ConvBench [reps] [warmup] [filter]
 * </pre>
 * FLOPs of one pass = 2·N·Cout·Hout·Wout·(Cin/groups)·kh·kw; forward+backward (input and weight gradients) counts
 * three passes; the input- and weight-gradient passes are also timed alone. {@code filter} keeps only the shapes
 * whose line contains it (e.g. {@code hw=16}).
 */
public final class ConvBench {
    private ConvBench() {}

    /** N, Cin, Cout, H=W, kernel, padding. */
    static final int[][] SHAPES = {
            {4, 16, 16, 256, 3, 1},
            {4, 256, 256, 16, 3, 1},
            {4, 1, 16, 256, 3, 1},
            {4, 32, 32, 128, 3, 1},
    };

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        String filter = args.length > 2 ? args[2] : "";
        System.out.println("# gradwerk ConvBench: " + Simd.describe() + ", threads=" + Parallel.threads() + ", reps=" + reps
                + " (median), warmup=" + warmup + ", column budget=" + ConvLowering.columnBudget);
        for (int[] s : SHAPES) {
            int n = s[0], cin = s[1], cout = s[2], hw = s[3], k = s[4], p = s[5];
            String shape = String.format(Locale.ROOT, "n=%d c=%d->%d hw=%d k=%d", n, cin, cout, hw, k);
            if (!("conv2d fwd " + shape).contains(filter)) continue;
            Generator g = new Generator(1);
            Tensor x = Tensor.randn(DType.FLOAT32, g, n, cin, hw, hw), w = Tensor.randn(DType.FLOAT32, g, cout, cin, k, k).mul(0.1);
            Tensor b = Tensor.randn(DType.FLOAT32, g, cout);
            int[] one = {1}, pad = {p};
            Tensor y = Conv.conv2d(x, w, b, one, pad, one, 1);
            Tensor gy = Tensor.randn(DType.FLOAT32, g, y.shape());
            double flops = 2.0 * n * cout * y.size(2) * y.size(3) * cin * k * k;
            Runnable all = () -> {
                Conv.conv2d(x, w, b, one, pad, one, 1);
                Conv.conv2dBackwardInput(gy, w, x.shape(), one, pad, one, 1);
                Conv.conv2dBackwardWeight(gy, x, w.shape(), one, pad, one, 1);
                Conv.convBackwardBias(gy);
            };
            for (int i = 0; i < warmup; i++) all.run(); // every code path JIT-compiled before anything is timed
            double fwd = median(reps, 1, () -> Conv.conv2d(x, w, b, one, pad, one, 1));
            double both = median(reps, 1, all);
            double bin = median(reps, 1, () -> Conv.conv2dBackwardInput(gy, w, x.shape(), one, pad, one, 1));
            double bw = median(reps, 1, () -> Conv.conv2dBackwardWeight(gy, x, w.shape(), one, pad, one, 1));
            System.out.printf(Locale.ROOT, "conv2d fwd %s gflops=%.1f ms=%.2f%n", shape, flops / fwd / 1e9, fwd * 1e3);
            System.out.printf(Locale.ROOT, "conv2d fwd+bwd %s gflops=%.1f ms=%.2f%n", shape, 3 * flops / both / 1e9, both * 1e3);
            System.out.printf(Locale.ROOT, "conv2d bwd-input %s gflops=%.1f ms=%.2f%n", shape, flops / bin / 1e9, bin * 1e3);
            System.out.printf(Locale.ROOT, "conv2d bwd-weight %s gflops=%.1f ms=%.2f%n", shape, flops / bw / 1e9, bw * 1e3);
        }
    }

    /** Median wall time in seconds of reps runs, after warmup unmeasured runs. */
    static double median(int reps, int warmup, Runnable body) {
        for (int i = 0; i < warmup; i++) body.run();
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            body.run();
            t[i] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(t);
        return t[reps / 2];
    }
}

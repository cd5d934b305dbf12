package gradwerk.tensor.nn;

import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.TensorScope;
import gradwerk.tensor.cpu.Parallel;
import gradwerk.tensor.cpu.Simd;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Convolution throughput for the U-Net's shapes, float32, printed as GFLOPS (median of several runs after
 * warm-up). Same lines as {@code tools/bench_conv_pytorch.py}, for a side-by-side comparison
 * ({@code ./gradwerk bench conv2d} runs both):
 * <pre>
 * java --add-modules jdk.incubator.vector -cp tensor/target/classes gradwerk.tensor.nn.ConvBench [reps] [warmup] [filter]
 * </pre>
 * FLOPs of one pass = 2·N·Cout·Hout·Wout·(Cin/groups)·kh·kw; forward+backward (input and weight gradients) counts
 * three passes; the input- and weight-gradient passes are also timed alone. {@code filter} keeps only the shapes
 * whose line contains it (e.g. {@code hw=16}).
 *
 * <p>Every call, timed or not, runs in a {@link TensorScope} of its own, as each training step does, so its outputs
 * come from the array pool that the previous call's scope filled. PyTorch's side gets its outputs from its caching
 * allocator the same way. Without the scopes, each call allocated its outputs as new Java arrays, which the JVM
 * zeroes: at 16 → 32 @ 128² that cost about 1 ms of a 2.7 ms forward (2026-11-29: a forward alone into a
 * reused output ran at 358–365 GFLOPS, the benchmark's forward at 213–220).
 */
public final class ConvBench {
    /** The name of each call's scope (see the class comment). */
    static final String CALL = "conv2d benchmark call";

    private ConvBench() {}

    /**
     * N, Cin, Cout, H=W, kernel, padding: every 3×3 convolution of the U-Net (batch 4, 256² input): the encoder's
     * two convolutions per level, then the decoder's, whose first convolution reads the upsampled features
     * concatenated with the skip connection (e.g. 256 + 128 = 384 channels at 32²).
     */
    public static final int[][] UNET = {
            {4, 1, 16, 256, 3, 1}, {4, 16, 16, 256, 3, 1},
            {4, 16, 32, 128, 3, 1}, {4, 32, 32, 128, 3, 1},
            {4, 32, 64, 64, 3, 1}, {4, 64, 64, 64, 3, 1},
            {4, 64, 128, 32, 3, 1}, {4, 128, 128, 32, 3, 1},
            {4, 128, 256, 16, 3, 1}, {4, 256, 256, 16, 3, 1},
            {4, 384, 128, 32, 3, 1}, {4, 192, 64, 64, 3, 1}, {4, 96, 32, 128, 3, 1}, {4, 48, 16, 256, 3, 1},
    };

    /** The measured GFLOPS of one shape (fwd+bwd counts three passes). */
    public record Result(String shape, double fwd, double fwdBwd, double bwdInput, double bwdWeight, double fwdMs,
                         double fwdBwdMs) {
        /** The four lines ConvBench (and bench_conv_pytorch.py) print. */
        public String lines() {
            return String.format(Locale.ROOT, "conv2d fwd %s gflops=%.1f ms=%.2f%n", shape, fwd, fwdMs)
                    + String.format(Locale.ROOT, "conv2d fwd+bwd %s gflops=%.1f ms=%.2f%n", shape, fwdBwd, fwdBwdMs)
                    + String.format(Locale.ROOT, "conv2d bwd-input %s gflops=%.1f%n", shape, bwdInput)
                    + String.format(Locale.ROOT, "conv2d bwd-weight %s gflops=%.1f", shape, bwdWeight);
        }
    }

    /** The shape as the benchmark lines name it, e.g. {@code n=4 c=16->16 hw=256 k=3}. */
    public static String name(int[] s) {
        return String.format(Locale.ROOT, "n=%d c=%d->%d hw=%d k=%d", s[0], s[1], s[2], s[3], s[4]);
    }

    /** The shapes whose forward line contains filter (all for ""). */
    public static List<int[]> select(int[][] shapes, String filter) {
        List<int[]> out = new ArrayList<>();
        for (int[] s : shapes) if (("conv2d fwd " + name(s)).contains(filter)) out.add(s);
        return out;
    }

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        String filter = args.length > 2 ? args[2] : "";
        System.out.println(header(reps, warmup));
        for (int[] s : select(UNET, filter)) System.out.println(measure(s, reps, warmup).lines());
    }

    public static String header(int reps, int warmup) {
        return "# gradwerk ConvBench: " + Simd.describe() + ", threads=" + Parallel.threads() + ", reps=" + reps
                + " (median), warmup=" + warmup;
    }

    /** Times one shape {N, Cin, Cout, H=W, k, pad}: forward, forward+backward, and each gradient alone. */
    public static Result measure(int[] s, int reps, int warmup) {
        int n = s[0], cin = s[1], cout = s[2], hw = s[3], k = s[4], p = s[5];
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
        for (int i = 0; i < warmup; i++) TensorScope.run(CALL, all); // every code path JIT-compiled before anything is timed
        double fwd = median(reps, 1, () -> Conv.conv2d(x, w, b, one, pad, one, 1));
        double both = median(reps, 1, all);
        double bin = median(reps, 1, () -> Conv.conv2dBackwardInput(gy, w, x.shape(), one, pad, one, 1));
        double bw = median(reps, 1, () -> Conv.conv2dBackwardWeight(gy, x, w.shape(), one, pad, one, 1));
        return new Result(name(s), flops / fwd / 1e9, 3 * flops / both / 1e9, flops / bin / 1e9, flops / bw / 1e9,
                fwd * 1e3, both * 1e3);
    }

    /** Median wall time in seconds of reps runs (each in its own scope), after warmup unmeasured runs. */
    static double median(int reps, int warmup, Runnable body) {
        for (int i = 0; i < warmup; i++) TensorScope.run(CALL, body);
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            TensorScope.run(CALL, body);
            t[i] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(t);
        return t[reps / 2];
    }
}

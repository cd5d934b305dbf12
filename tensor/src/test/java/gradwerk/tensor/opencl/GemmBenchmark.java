package gradwerk.tensor.opencl;

import java.util.Locale;
import java.util.Random;

/**
 * Measures the GEMM kernel: {@code java ... gradwerk.tensor.opencl.GemmBenchmark [device] [sizes...]} prints
 * GFLOP/s for square float (and double, with fp64) products. Not a test: run it by hand (see the report).
 */
public final class GemmBenchmark {
    public static void main(String[] args) {
        OpenClDevice dev = OpenClPlatforms.select(args.length > 0 ? args[0] : "opencl");
        int[] sizes = args.length > 1 ? java.util.Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt)
                .toArray() : new int[] {256, 512, 1024};
        try (OpenClContext ctx = OpenClContext.open(dev)) {
            System.out.println(dev.describe());
            for (ClType t : ctx.device().fp64() ? new ClType[] {ClType.FLOAT, ClType.DOUBLE}
                    : new ClType[] {ClType.FLOAT})
                for (int n : sizes) {
                    Random rnd = new Random(n);
                    double[] data = new double[n * n];
                    for (int i = 0; i < data.length; i++) data[i] = rnd.nextDouble();
                    ClView a = view(ctx, t, data, n), b = view(ctx, t, data, n), c = ClView.allocate(ctx, t, n, n);
                    ctx.kernels().matmul(a, b, c); // compile and warm up
                    ctx.finish();
                    int reps = 0;
                    long start = System.nanoTime(), elapsed;
                    do {
                        ctx.kernels().matmul(a, b, c);
                        ctx.finish();
                        reps++;
                        elapsed = System.nanoTime() - start;
                    } while (elapsed < 2_000_000_000L && reps < 200);
                    double gflops = 2.0 * n * n * n * reps / elapsed;
                    System.out.printf(Locale.ROOT, "%-6s %5d^3  %8.2f ms  %8.1f GFLOP/s  tiling %s%n", t, n,
                            elapsed / 1e6 / reps, gflops, ctx.kernels().gemmKernel().tiling(t));
                    a.buffer().close();
                    c.buffer().close();
                }
        }
    }

    private static ClView view(OpenClContext ctx, ClType t, double[] data, int n) {
        if (t == ClType.DOUBLE) return ClView.of(ctx, data, n, n);
        float[] f = new float[data.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) data[i];
        return ClView.of(ctx, f, n, n);
    }
}

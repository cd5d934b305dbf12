package gradwerk.tensor.cpu;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Benchmark of {@link Gemm#sgemm}: n x n x n, row-major, random data, 2n³ flops per call, median over timed
 * repetitions after a warm-up (JIT compilation, packing buffers, CPU clocks). Compare with
 * {@code tools/bench_openblas.py}, which prints the same line for OpenBLAS.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp tensor/target/classes gradwerk.tensor.cpu.GemmBench --n 1024 --threads 2</pre>
 * prints {@code gemm n=1024 threads=2 gflops=123.4}. Options: {@code --n}, {@code --threads}, {@code --reps}.
 */
public final class GemmBench {
    private GemmBench() {}

    /** Median GFLOPS of {@code sgemm} on n x n matrices with {@code threads} threads, over {@code reps} timed calls. */
    public static double gflops(int n, int threads, int reps) {
        if (n < 1 || threads < 1 || reps < 1)
            throw new IllegalArgumentException("GemmBench: n, threads and reps must be >= 1");
        int before = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            float[] a = random(n * n, 1), b = random(n * n, 2), c = new float[n * n];
            Runnable call = () -> Gemm.sgemm(n, n, n, a, 0, n, 1, b, 0, n, 1, c, 0, n, false, true);
            // Warm-up: at least 3 calls and ~1 s, so the micro-kernel is compiled by C2 before timing.
            long warmEnd = System.nanoTime() + 1_000_000_000L;
            for (int i = 0; i < 3 || System.nanoTime() < warmEnd; i++) call.run();
            long[] times = new long[reps];
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                call.run();
                times[r] = System.nanoTime() - t0;
            }
            Arrays.sort(times);
            double median = reps % 2 == 1 ? times[reps / 2] : (times[reps / 2 - 1] + times[reps / 2]) / 2.0;
            return 2.0 * n * n * (double) n / median;       // flops per ns = GFLOPS
        } finally {
            Parallel.setThreads(before);
        }
    }

    public static void main(String[] args) {
        int n = 1024, threads = Parallel.threads(), reps = 0;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--n" -> n = parse(args[i], value);
                case "--threads" -> threads = parse(args[i], value);
                case "--reps" -> reps = parse(args[i], value);
                default -> usage("unknown option " + args[i]);
            }
            i++;
        }
        if (reps == 0) reps = defaultReps(n);
        double gflops = gflops(n, threads, reps);
        System.out.println(String.format(Locale.ROOT, "gemm n=%d threads=%d gflops=%.1f", n, threads, gflops));
    }

    /** Enough repetitions for a stable median without running for minutes: ~2 s at 100 GFLOPS, 5..101 calls. */
    public static int defaultReps(int n) {
        double seconds = 2.0 * n * n * (double) n / 100e9;
        return (int) Math.max(5, Math.min(101, 2.0 / seconds)) | 1;
    }

    private static int parse(String option, String value) {
        if (value == null) usage(option + " needs a value");
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            usage(option + " " + value + ": not an integer");
            return 0;
        }
    }

    private static void usage(String problem) {
        System.err.println("GemmBench: " + problem + "\nusage: GemmBench [--n 1024] [--threads 2] [--reps R]");
        System.exit(2);
    }

    private static float[] random(int size, long seed) {
        var rng = new SplittableRandom(seed);
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) (rng.nextDouble() * 2 - 1);
        return x;
    }
}

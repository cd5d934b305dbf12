package gradwerk.tensor.cpu;

import gradwerk.tensor.Backend;
import gradwerk.tensor.BinaryOp;
import gradwerk.tensor.DType;
import gradwerk.tensor.ReduceOp;
import gradwerk.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;

/**
 * Memory bandwidth of the two simplest kernels, the numbers that say whether elementwise code is as fast as the
 * memory allows: {@code out = a + b} (float32; reads 8 and writes 4 bytes per element) and a full
 * {@code sum(a)} (reads 4 bytes per element). Medians of timed repetitions after warm-up.
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp tensor/target/classes gradwerk.tensor.cpu.BandwidthBench \
 *        --n 16777216 --threads 2 [--reps 15] [--baselines]
 * </pre>
 * prints {@code add n=... threads=... gbps=...} and {@code sum n=... threads=... gbps=...}; with
 * {@code --baselines} also the same through the scalar reference backend and as a plain Java loop
 * ({@code add-reference}, {@code add-plainloop}, ...), single-threaded as those are.
 */
public final class BandwidthBench {
    private BandwidthBench() {}

    /** GB/s (10^9 bytes per second) of out = a + b and of sum(a), through the CpuBackend. */
    public record Result(int n, int threads, double addGbps, double sumGbps) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "add n=%d threads=%d gbps=%.2f%nsum n=%d threads=%d gbps=%.2f",
                    n, threads, addGbps, n, threads, sumGbps);
        }
    }

    /** Measures the CpuBackend with n float32 elements on the given number of threads (restored afterwards). */
    public static Result measure(int n, int threads, int reps) {
        int saved = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            return new Result(n, threads, addGbps(CpuBackend.INSTANCE, n, reps), sumGbps(CpuBackend.INSTANCE, n, reps));
        } finally {
            Parallel.setThreads(saved);
        }
    }

    public static Result measure(int n, int threads) {
        return measure(n, threads, 15);
    }

    static double addGbps(Backend be, int n, int reps) {
        Tensor a = data(n, 1), b = data(n, 2), out = new Tensor(new CpuStorage(new float[n]), n);
        return 12e-9 * n / median(() -> be.zip(BinaryOp.ADD, a, b, out), reps);
    }

    static double sumGbps(Backend be, int n, int reps) {
        Tensor a = data(n, 3), out = new Tensor(new CpuStorage(new float[1]));
        return 4e-9 * n / median(() -> be.reduce(ReduceOp.SUM, a, 1, out), reps);
    }

    /** The same two loops as anyone would write them first: one thread, no Vector API. */
    static double plainAddGbps(int n, int reps) {
        float[] a = CpuStorage.floats(data(n, 1)), b = CpuStorage.floats(data(n, 2)), o = new float[n];
        return 12e-9 * n / median(() -> {
            for (int i = 0; i < n; i++) o[i] = a[i] + b[i];
        }, reps);
    }

    static volatile float sink;

    static double plainSumGbps(int n, int reps) {
        float[] a = CpuStorage.floats(data(n, 3));
        return 4e-9 * n / median(() -> {
            float s = 0;
            for (int i = 0; i < n; i++) s += a[i];
            sink = s;
        }, reps);
    }

    private static Tensor data(int n, int seed) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) ((i * 31L + seed) % 1000) / 1000f;
        return new Tensor(new CpuStorage(f), n);
    }

    /**
     * Median seconds of reps timed runs, after warm-up runs: at least 3 and about 0.5 s (enough for the JIT to
     * compile the kernels; a reference run that takes seconds warms up once).
     */
    private static double median(Runnable r, int reps) {
        long start = System.nanoTime();
        for (int w = 0; System.nanoTime() - start < 500_000_000L ? w < 200 : w < 3; w++) {
            r.run();
            if (System.nanoTime() - start > 1_000_000_000L) break;
        }
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            r.run();
            t[i] = (System.nanoTime() - t0) * 1e-9;
        }
        Arrays.sort(t);
        return t[reps / 2];
    }

    public static void main(String[] args) {
        int n = 16 * 1024 * 1024, threads = Parallel.threads(), reps = 15;
        boolean baselines = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--n" -> n = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--baselines" -> baselines = true;
                default -> throw new IllegalArgumentException("BandwidthBench: unknown argument '" + args[i]
                        + "' (--n N, --threads T, --reps R, --baselines)");
            }
        }
        System.out.println("# " + Simd.describe() + ", " + Runtime.getRuntime().availableProcessors() + " cpus, "
                + DType.FLOAT32);
        System.out.println(measure(n, threads, reps));
        if (baselines) {
            int refReps = Math.max(3, reps / 5); // the reference is slow: fewer repetitions
            System.out.printf(Locale.ROOT, "add-reference n=%d threads=1 gbps=%.3f%n", n, addGbps(ScalarBackend.INSTANCE, n, refReps));
            System.out.printf(Locale.ROOT, "sum-reference n=%d threads=1 gbps=%.3f%n", n, sumGbps(ScalarBackend.INSTANCE, n, refReps));
            System.out.printf(Locale.ROOT, "add-plainloop n=%d threads=1 gbps=%.2f%n", n, plainAddGbps(n, reps));
            System.out.printf(Locale.ROOT, "sum-plainloop n=%d threads=1 gbps=%.2f%n", n, plainSumGbps(n, reps));
        }
    }
}

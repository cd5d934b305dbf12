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

    /**
     * Where a single-threaded sgemm loses against its own micro-kernel: three measurements of n x n x n, interleaved
     * round by round in one JVM so that they see the same machine (on a shared host the same code runs up to 2x
     * faster or slower from one minute to the next), each the median over {@code rounds} rounds:
     * <ol>
     * <li>{@code kernel}: the micro-kernel ({@link GemmF32#kernel}) sweeping the macro-kernel's loops over panels that
     *     are already packed (A micro-panel in L1, a KC x NB slab of B in L2), writing a 4 KB scratch C that stays
     *     in L1 — what the register tile can do;
     * <li>{@code kernel+C}: the same sweep updating a real n x n C (its tiles come from L3 or memory);
     * <li>{@code sgemm}: {@link Gemm#sgemm} on one thread: packing, edge tiles and blocking on top.
     * </ol>
     * Each sweep does 2 * KC * (n / MC * MC) * n flops per pass (one KC-deep block of A and B per row block).
     *
     * @return GFLOPS {kernel, kernel+C, sgemm}
     */
    public static double[] breakdown(int n, int rounds) {
        if (Simd.SCALAR) throw new IllegalStateException("GemmBench.breakdown: needs the vector kernels (gradwerk.simd.bits > 0)");
        if (n < GemmF32.NB || n % GemmF32.NR != 0 || rounds < 1)
            throw new IllegalArgumentException("GemmBench.breakdown: n must be a multiple of " + GemmF32.NR
                    + " and >= " + GemmF32.NB + ", rounds >= 1 (got n=" + n + ", rounds=" + rounds + ")");
        int kc = GemmF32.KC, mc = GemmF32.MC;
        float[] aPack = random(kc * mc, 3), bPack = random(kc * n, 4), c = new float[n * n];
        float[] scratch = new float[GemmF32.MR * GemmF32.NB];
        float[] a = random(n * n, 1), b = random(n * n, 2);
        long sweepFlops = 2L * kc * (n / mc * mc) * n;
        double[][] gflops = new double[3][rounds];
        int warmup = 3;
        for (int r = -warmup; r < rounds; r++) {
            for (int what = 0; what < 3; what++) {
                long t0 = System.nanoTime();
                if (what == 2) Gemm.sgemm(n, n, n, a, 0, n, 1, b, 0, n, 1, c, 0, n, false, false);
                else sweep(n, aPack, bPack, what == 0 ? scratch : c, what == 0);
                long ns = System.nanoTime() - t0;
                if (r >= 0) gflops[what][r] = (what == 2 ? 2.0 * n * n * (double) n : sweepFlops) / ns;
            }
        }
        double[] medians = new double[3];
        for (int what = 0; what < 3; what++) {
            Arrays.sort(gflops[what]);
            medians[what] = gflops[what][rounds / 2];
        }
        return medians;
    }

    /**
     * The macro-kernel's loop order ({@code GemmF32.Job.macroKernel}) over pre-packed panels: row blocks of MC,
     * slabs of NB columns, MR-row A micro-panels, NR-column B micro-panels. With {@code scratch}, every tile of a
     * slab row goes to the same small C (ldc = NB), so C never leaves L1.
     */
    static void sweep(int n, float[] aPack, float[] bPack, float[] c, boolean scratch) {
        int kc = GemmF32.KC, mc = GemmF32.MC, mr = GemmF32.MR, nr = GemmF32.NR, nb = GemmF32.NB;
        for (int ic = 0; ic + mc <= n; ic += mc)
            for (int slab = 0; slab < n; slab += nb) {
                int slabEnd = Math.min(slab + nb, n);
                for (int ir = 0; ir < mc; ir += mr)
                    for (int jr = slab; jr < slabEnd; jr += nr) {
                        int cAt = scratch ? jr - slab : (ic + ir) * n + jr;
                        GemmF32.kernel(kc, aPack, ir / mr * (kc * mr), bPack, jr / nr * (kc * nr), c, cAt,
                                scratch ? nb : n, true);
                    }
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

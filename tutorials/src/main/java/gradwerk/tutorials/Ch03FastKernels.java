package gradwerk.tutorials;

import gradwerk.ddanet.plot.Charts;
import gradwerk.tensor.cpu.BandwidthBench;
import gradwerk.tensor.cpu.Gemm;
import gradwerk.tensor.cpu.Parallel;
import gradwerk.tensor.cpu.Simd;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Chapter 3: fast kernels with the Vector API. Times a dot product written five ways over sizes from L1 cache to
 * main memory, then matrix products from the textbook triple loop to the library's packed GEMM, and plots GFLOPS.
 * Timings are printed, never asserted; the tests check that every variant computes the right numbers.
 */
public final class Ch03FastKernels {
    /** Settings: the sizes to time, how long to time each (seconds), and the elementwise benchmark's length. */
    public record Settings(int[] dotSizes, int[] gemmSizes, double secondsPerPoint, int bandwidthN) {
        /** What {@code ./gradwerk tutorial 3} runs. */
        public static Settings full() {
            int[] dot = new int[16];
            for (int i = 0; i < dot.length; i++) dot[i] = 1 << (8 + i); // 256 .. 8M floats per vector
            return new Settings(dot, new int[] {32, 64, 128, 256, 384, 512, 768, 1024, 1536, 2048}, 0.3, 1 << 24);
        }

        /** {@link #quick} with {@code -Dgradwerk.tutorial.quick=true}, else {@link #full}. */
        public static Settings fromSystemProperties() {
            return Boolean.getBoolean("gradwerk.tutorial.quick") ? quick() : full();
        }

        /** A few small sizes, timed briefly: what the tests run. */
        public static Settings quick() {
            return new Settings(new int[] {256, 4096}, new int[] {32, 96}, 0.01, 1 << 16);
        }
    }

    /** One timed variant: GFLOPS per size (NaN where skipped), and its largest relative error. */
    public record Variant(String name, double[] gflops, double maxRelError) {}

    public record Result(String simd, int lanes, List<Variant> dot, List<BandwidthBench.Result> bandwidth,
                         List<Variant> gemm, Path dotPlot, Path gemmPlot) {
        public Variant dot(String name) { return find(dot, name); }
        public Variant gemm(String name) { return find(gemm, name); }
        private static Variant find(List<Variant> vs, String name) {
            return vs.stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow(() -> new IllegalArgumentException(name));
        }
    }

    /** A dot product kernel: (x, y, n) -> Σ x·y. */
    interface Dot {
        float apply(float[] x, float[] y, int n);
    }

    /** A square matrix product kernel: C = A·B, n x n row-major. */
    interface Product {
        void apply(int n, float[] a, float[] b, float[] c);
    }

    /** Arguments: [output folder] [--quick (the test's small settings)]. */
    public static void main(String[] args) {
        boolean quick = Arrays.asList(args).contains("--quick");
        String dir = Arrays.stream(args).filter(a -> !a.startsWith("--")).findFirst().orElse("out/tutorial-03");
        run(System.out, Path.of(dir), quick ? Settings.quick() : Settings.full());
    }

    public static Result run(PrintStream out, Path outDir, Settings s) {
        out.printf(Locale.ROOT, "%s, %d cores (-Dgradwerk.simd.bits=%s)%n", Simd.describe(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("gradwerk.simd.bits", "<default>"));
        List<Variant> dots = dotProducts(out, s);
        List<BandwidthBench.Result> bandwidth = libraryElementwise(out, s);
        List<Variant> gemms = matrixProducts(out, s);

        double[] log2n = new double[s.dotSizes().length];
        for (int i = 0; i < log2n.length; i++) log2n[i] = Math.log(s.dotSizes()[i]) / Math.log(2);
        Path dotPlot = Charts.lines(outDir.resolve("dot-gflops.png"), "Chapter 3: dot product of length n, " + Simd.describe(), "log2 n", "GFLOPS", true, series(dots, log2n));
        double[] ns = Arrays.stream(s.gemmSizes()).asDoubleStream().toArray();
        Path gemmPlot = Charts.lines(outDir.resolve("gemm-gflops.png"), "Chapter 3: C = A·B, n x n floats, " + Simd.describe(), "n", "GFLOPS", true, series(gemms, ns));
        out.println("plots written to " + dotPlot + " and " + gemmPlot);
        return new Result(Simd.describe(), Simd.SCALAR ? 1 : Simd.F.length(), dots, bandwidth, gemms, dotPlot, gemmPlot);
    }

    // ---------------------------------------------------------------- part 1: one loop, five ways

    static List<Variant> dotProducts(PrintStream out, Settings s) {
        Map<String, Dot> kernels = new LinkedHashMap<>();
        kernels.put("scalar", SimdDot::scalar);
        kernels.put("scalar, 4 sums", SimdDot::scalar4);
        if (!Simd.SCALAR) {
            kernels.put("simd", SimdDot::simd);
            kernels.put("simd, masked tail", SimdDot::simdMaskedTail);
            kernels.put("simd, 4 accumulators", SimdDot::simd4);
        }
        int[] sizes = s.dotSizes();
        int max = Arrays.stream(sizes).max().orElseThrow() + 7; // + 7: every kernel is also checked with a tail
        float[] x = random(max, 1), y = random(max, 2);
        out.printf(Locale.ROOT, "%n1. dot product, GFLOPS (2n flops per call)%n%10s", "n");
        for (String name : kernels.keySet()) out.printf(Locale.ROOT, " %21s", name);
        out.println();
        for (Dot k : kernels.values()) // let the JIT compile every kernel before anything is timed
            for (int i = 0; i < 20_000; i++) sink += k.apply(x, y, 1000 + i % 24);
        List<Variant> result = new ArrayList<>();
        double[][] gflops = new double[kernels.size()][sizes.length];
        double[] maxErr = new double[kernels.size()];
        for (int si = 0; si < sizes.length; si++) {
            int n = sizes[si];
            out.printf(Locale.ROOT, "%10d", n);
            int ki = 0;
            for (Dot k : kernels.values()) {
                for (int tail = 0; tail < 8; tail += 7) { // n and n + 7: a remainder for the tail code
                    double exact = exactDot(x, y, n + tail);
                    maxErr[ki] = Math.max(maxErr[ki], Math.abs(k.apply(x, y, n + tail) - exact) / absDot(x, y, n + tail));
                }
                double secs = time(() -> sink += k.apply(x, y, n), s.secondsPerPoint());
                gflops[ki][si] = 2.0 * n / secs / 1e9;
                out.printf(Locale.ROOT, " %21.2f", gflops[ki][si]);
                ki++;
            }
            out.println();
        }
        int ki = 0;
        out.print("   max |error| / Σ|x·y| against a float64 sum:");
        for (String name : kernels.keySet()) {
            out.printf(Locale.ROOT, " %s %.1e%s", name, maxErr[ki], ki + 1 < kernels.size() ? "," : "");
            result.add(new Variant(name, gflops[ki], maxErr[ki]));
            ki++;
        }
        out.println();
        return result;
    }

    // ---------------------------------------------------------------- the library's elementwise kernels

    /** The library's {@code a + b} and {@code sum(a)} through CpuBackend, in GB/s, on 1 thread and on all. */
    static List<BandwidthBench.Result> libraryElementwise(PrintStream out, Settings s) {
        out.printf(Locale.ROOT, "%n   the library's kernels on %d floats (%.2f MiB per tensor), GB/s of memory traffic:%n",
                s.bandwidthN(), s.bandwidthN() * 4.0 / (1 << 20));
        List<BandwidthBench.Result> results = new ArrayList<>();
        for (int threads : new int[] {1, Parallel.threads()}) {
            var r = BandwidthBench.measure(s.bandwidthN(), threads, s.bandwidthN() >= 1 << 22 ? 15 : 3);
            out.printf(Locale.ROOT, "   %d thread%s: a + b %.1f GB/s, sum(a) %.1f GB/s%n", threads, threads == 1 ? " " : "s",
                    r.addGbps(), r.sumGbps());
            results.add(r);
        }
        return results;
    }

    // ---------------------------------------------------------------- part 2: matrix products

    static List<Variant> matrixProducts(PrintStream out, Settings s) {
        Map<String, Product> kernels = new LinkedHashMap<>();
        kernels.put("naive i,j,p", SimpleGemm::naive);
        if (!Simd.SCALAR) { // the other three use the Vector API
            kernels.put("reordered i,p,j", SimpleGemm::reordered);
            kernels.put("blocked 256", (n, a, b, c) -> SimpleGemm.blocked(n, a, b, c, 256));
            kernels.put("packed 4x2 kernel", PackedGemm::multiply);
        }
        kernels.put("library, 1 thread", (n, a, b, c) -> Gemm.sgemm(n, n, n, a, 0, n, 1, b, 0, n, 1, c, 0, n, false, false));
        kernels.put("library, " + Parallel.threads() + " threads",
                (n, a, b, c) -> Gemm.sgemm(n, n, n, a, 0, n, 1, b, 0, n, 1, c, 0, n, false, true));
        int[] sizes = s.gemmSizes();
        out.printf(Locale.ROOT, "%n2. C = A·B, n x n, GFLOPS (2n³ flops per call)%n%6s", "n");
        for (String name : kernels.keySet()) out.printf(Locale.ROOT, " %19s", name);
        out.println();
        float[] wa = random(48 * 48, 5), wb = random(48 * 48, 6), wc = new float[48 * 48];
        for (Product k : kernels.values()) // let the JIT compile every kernel before anything is timed
            for (int i = 0; i < 300; i++) k.apply(48, wa, wb, wc);
        double[][] gflops = new double[kernels.size()][sizes.length];
        double[] maxErr = new double[kernels.size()];
        for (int si = 0; si < sizes.length; si++) {
            int n = sizes[si];
            float[] a = random(n * n, 3), b = random(n * n, 4), c = new float[n * n];
            double[] exact = exactProduct(n, a, b);
            out.printf(Locale.ROOT, "%6d", n);
            int ki = 0;
            for (var e : kernels.entrySet()) {
                Product k = e.getValue();
                if (n > NAIVE_MAX_N && e.getKey().startsWith("naive")) { // minutes per call: skipped
                    gflops[ki][si] = Double.NaN;
                    out.printf(Locale.ROOT, " %19s", "-");
                    ki++;
                    continue;
                }
                k.apply(n, a, b, c);
                maxErr[ki] = Math.max(maxErr[ki], relativeError(c, exact, n));
                double secs = time(() -> k.apply(n, a, b, c), s.secondsPerPoint());
                gflops[ki][si] = 2.0 * n * n * n / secs / 1e9;
                out.printf(Locale.ROOT, " %19.2f", gflops[ki][si]);
                ki++;
            }
            out.println();
        }
        List<Variant> result = new ArrayList<>();
        int ki = 0;
        out.print("   max |error| / max |C| against float64:");
        for (String name : kernels.keySet()) {
            out.printf(Locale.ROOT, " %s %.1e%s", name, maxErr[ki], ki + 1 < kernels.size() ? "," : "");
            result.add(new Variant(name, gflops[ki], maxErr[ki]));
            ki++;
        }
        out.println();
        return result;
    }

    /** The naive loop is timed up to this size only (at 2048 one call takes about half a minute). */
    static final int NAIVE_MAX_N = 1024;

    // ---------------------------------------------------------------- timing and checking

    /** Keeps the JIT from removing calls whose result is unused. */
    static volatile double sink;

    /**
     * Seconds per call: warm up (JIT compilation), then the median of 5 trials, each repeating the call enough
     * times to last about a tenth of the budget.
     */
    static double time(Runnable call, double budgetSeconds) {
        long t0 = System.nanoTime();
        int calls = 0;
        while (calls < 3 || System.nanoTime() - t0 < budgetSeconds * 0.3e9) { // warm-up, and a first estimate
            call.run();
            calls++;
        }
        double perCall = (System.nanoTime() - t0) / 1e9 / calls;
        int reps = (int) Math.max(1, Math.min(1e8, budgetSeconds * 0.12 / perCall));
        double[] trials = new double[5];
        for (int t = 0; t < trials.length; t++) {
            long start = System.nanoTime();
            for (int r = 0; r < reps; r++) call.run();
            trials[t] = (System.nanoTime() - start) / 1e9 / reps;
        }
        Arrays.sort(trials);
        return trials[trials.length / 2];
    }

    static float[] random(int size, long seed) {
        var rng = new SplittableRandom(seed);
        float[] v = new float[size];
        for (int i = 0; i < size; i++) v[i] = (float) (rng.nextDouble() * 2 - 1);
        return v;
    }

    private static double exactDot(float[] x, float[] y, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += (double) x[i] * y[i];
        return s;
    }

    private static double absDot(float[] x, float[] y, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += Math.abs((double) x[i] * y[i]);
        return s;
    }

    static double[] exactProduct(int n, float[] a, float[] b) {
        double[] c = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int p = 0; p < n; p++) {
                double aip = a[i * n + p];
                for (int j = 0; j < n; j++) c[i * n + j] += aip * b[p * n + j];
            }
        return c;
    }

    /** max |c - exact| / max |exact|. */
    static double relativeError(float[] c, double[] exact, int n) {
        double err = 0, scale = 0;
        for (int i = 0; i < n * n; i++) {
            err = Math.max(err, Math.abs(c[i] - exact[i]));
            scale = Math.max(scale, Math.abs(exact[i]));
        }
        return err / scale;
    }

    private static Charts.Series[] series(List<Variant> vs, double[] x) {
        return vs.stream().map(v -> { // leave out the sizes a variant skipped
            int[] timed = IntStream.range(0, x.length).filter(i -> !Double.isNaN(v.gflops()[i])).toArray();
            return new Charts.Series(v.name(), Arrays.stream(timed).mapToDouble(i -> x[i]).toArray(),
                    Arrays.stream(timed).mapToDouble(i -> v.gflops()[i]).toArray());
        }).toArray(Charts.Series[]::new);
    }
}

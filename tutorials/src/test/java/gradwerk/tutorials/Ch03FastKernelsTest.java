package gradwerk.tutorials;

import gradwerk.tensor.cpu.Simd;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Chapter 3's claims about correctness; its timings are printed, never asserted. */
class Ch03FastKernelsTest {
    @Test
    void chapterProgramRunsAndEveryVariantIsCorrect(@TempDir Path dir) throws Exception {
        var text = new ByteArrayOutputStream();
        var r = Ch03FastKernels.run(new PrintStream(text), dir, Ch03FastKernels.Settings.quick());
        List<String> dots = Simd.SCALAR ? List.of("scalar", "scalar, 4 sums")
                : List.of("scalar", "scalar, 4 sums", "simd", "simd, masked tail", "simd, 4 accumulators");
        assertEquals(dots, r.dot().stream().map(Ch03FastKernels.Variant::name).toList());
        for (var v : r.dot()) {
            assertTrue(v.maxRelError() < 1e-5, v.name() + ": relative error " + v.maxRelError());
            for (double g : v.gflops()) assertTrue(g > 0 && Double.isFinite(g), v.name() + " was timed");
        }
        for (var v : r.gemm()) {
            assertTrue(v.maxRelError() < 1e-5, v.name() + ": relative error " + v.maxRelError());
            for (double g : v.gflops()) assertTrue(g > 0 && Double.isFinite(g), v.name() + " was timed");
        }
        assertTrue(r.gemm().stream().anyMatch(v -> v.name().equals("library, 1 thread")), "the library GEMM ran");
        assertEquals(2, r.bandwidth().size());
        for (var b : r.bandwidth()) assertTrue(b.addGbps() > 0 && b.sumGbps() > 0, b.toString());
        assertTrue(Files.size(r.dotPlot()) > 1000 && Files.size(r.gemmPlot()) > 1000, "PNGs were written");
        assertTrue(text.toString().contains("1. dot product, GFLOPS"), text.toString());
    }

    /** Every loop shape handles every length: no tail, a tail of 1..lanes-1, shorter than one vector, empty. */
    @Property(tries = 200)
    void everyDotKernelHandlesEveryLength(@ForAll @IntRange(min = 0, max = 200) int n, @ForAll long seed) {
        float[] x = Ch03FastKernels.random(n, seed), y = Ch03FastKernels.random(n, seed + 1);
        double exact = 0, scale = 1e-30;
        for (int i = 0; i < n; i++) {
            exact += (double) x[i] * y[i];
            scale += Math.abs((double) x[i] * y[i]);
        }
        List<Ch03FastKernels.Dot> kernels = List.of(SimdDot::scalar, SimdDot::scalar4, SimdDot::simd,
                SimdDot::simdMaskedTail, SimdDot::simd4);
        for (var k : kernels) assertEquals(exact, k.apply(x, y, n), (n + 1) * 0x1p-24 * scale, "n = " + n); // γₙ bound
    }

    @Property(tries = 40)
    void everyMatrixProductAgreesWithFloat64(@ForAll @IntRange(min = 1, max = 300) int n,
                                             @ForAll @IntRange(min = 1, max = 33) int block) {
        float[] a = Ch03FastKernels.random(n * n, n), b = Ch03FastKernels.random(n * n, n + 1);
        double[] exact = Ch03FastKernels.exactProduct(n, a, b);
        float[] c = new float[n * n];
        SimpleGemm.naive(n, a, b, c);
        assertTrue(Ch03FastKernels.relativeError(c, exact, n) < 1e-5, "naive");
        SimpleGemm.reordered(n, a, b, c);
        assertTrue(Ch03FastKernels.relativeError(c, exact, n) < 1e-5, "reordered");
        SimpleGemm.blocked(n, a, b, c, block);
        assertTrue(Ch03FastKernels.relativeError(c, exact, n) < 1e-5, "blocked " + block);
        PackedGemm.multiply(n, a, b, c);
        assertTrue(Ch03FastKernels.relativeError(c, exact, n) < 1e-5, "packed");
    }

    /** -Dgradwerk.simd.bits picks the width for the library and for the chapter's loops: run it in a child JVM. */
    @Test
    void theSimdSwitchChangesTheLanes(@TempDir Path dir) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--add-modules=jdk.incubator.vector", "-Dgradwerk.simd.bits=128",
                "-cp", System.getProperty("java.class.path"), Ch03FastKernels.class.getName(), dir.toString(), "--quick")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM finished");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("simd=128 bits (4 float lanes)"), out);
        assertTrue(out.contains("simd, 4 accumulators"), out);
    }
}

package gradwerk.tensor.cpu;

import gradwerk.tensor.DType;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Softmax, log-softmax, exp, sigmoid and gelu give the same bits before and after the JIT compiles them. The reference comes from a
 * second JVM that only interprets ({@code -Xint}); this JVM then runs the same rows until its kernels are compiled
 * and compares every round. With the Vector API's {@code lanewise(EXP)}, which C2 compiles to SVML routines that
 * round differently from the interpreter's Math.exp, about 1% of the float32 exponentials changed in the last bit
 * once C2 had compiled the kernel, so training runs with the same seed diverged depending on when that happened.
 */
class SoftmaxJitTest {
    private static final int ROWS = 64, LEN = 2 * 64 + 5; // whole vectors at every width, and a tail

    /** Rows of values in [-8, 8) made by integer arithmetic only, so both JVMs have the same bits. */
    private static Tensor input(DType dt) {
        double[] v = new double[ROWS * LEN];
        for (int i = 0; i < v.length; i++) v[i] = Math.floorMod(i * 2654435761L, 16384) / 1024.0 - 8;
        return Tensor.of(v, ROWS, LEN).to(dt);
    }

    /** The bits of softmax, log-softmax, exp, sigmoid and gelu of {@link #input}, float32 and float64, as hex text (float32 widened exactly). */
    static String results() {
        StringBuilder sb = new StringBuilder();
        for (DType dt : List.of(DType.FLOAT32, DType.FLOAT64)) {
            Tensor x = input(dt);
            for (Tensor y : List.of(x.softmax(1), x.logSoftmax(1), x.exp(), x.sigmoid(), x.gelu())) {
                for (double v : y.toDoubleArray()) sb.append(Long.toHexString(Double.doubleToRawLongBits(v))).append(' ');
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    /** Run in the interpreting JVM: prints {@link #results}. */
    public static void main(String[] args) {
        System.out.print(results());
    }

    @Test
    void softmaxIsTheSameInterpretedAndCompiled() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(java(), "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Xint", "-Dgradwerk.simd.bits=" + Simd.BITS, "-cp", System.getProperty("java.class.path"),
                SoftmaxJitTest.class.getName()).redirectErrorStream(false).start();
        String interpreted = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("the -Xint JVM did not finish");
        }
        assertEquals(0, p.exitValue(), () -> "the -Xint JVM failed:\n" + err);
        // 2000 rounds call each row kernel 128,000 times, far past C2's thresholds (with lanewise(EXP), the values
        // changed after about 50 rounds)
        for (int round = 0; round < 2000; round++) {
            String compiled = results();
            if (!compiled.equals(interpreted))
                fail("round " + round + ": " + differing(interpreted, compiled) + " of " + 5 * 2 * ROWS * LEN
                        + " values differ from the interpreter's (" + Simd.describe() + ")");
        }
    }

    private static String java() {
        return java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int differing(String a, String b) {
        String[] x = a.split("\\s+"), y = b.split("\\s+");
        int d = Math.abs(x.length - y.length);
        for (int i = 0; i < Math.min(x.length, y.length); i++) if (!x[i].equals(y[i])) d++;
        return d;
    }
}

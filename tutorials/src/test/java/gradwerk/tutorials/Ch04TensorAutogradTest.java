package gradwerk.tutorials;

import gradwerk.autograd.GradCheck;
import gradwerk.autograd.Sampler;
import gradwerk.autograd.Variable;
import gradwerk.tensor.Shape;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class Ch04TensorAutogradTest {
    @Test
    void chapterProgramRunsAndItsClaimsHold(@TempDir Path dir) throws Exception {
        var text = new ByteArrayOutputStream();
        var r = Ch04TensorAutograd.run(new PrintStream(text), dir);
        assertArrayEquals(r.softmaxJacobianProduct(), r.softmaxVjp(), 1e-12, "softmax's rule computes gᵀJ");
        assertArrayEquals(r.columnSums(), r.broadcastGrad(), 1e-12, "a broadcast input's gradient sums the rows");
        for (int i = 0; i < r.reusedInput().length; i++)
            assertEquals(8 * r.reusedInput()[i], r.reusedGrad()[i], 1e-12, "b = a + a, c = Σ b²: dc/da = 8a");

        assertTrue(r.composite().passed(), r.composite().message());
        assertTrue(r.composite().maxError() < 1e-7, "max error " + r.composite().maxError());
        assertFalse(r.buggy().passed(), "the planted bug must be caught");
        assertTrue(r.buggy().message().startsWith("gradcheck 'mySoftplus' [softplus] failed: input 0"), r.buggy().message());
        assertTrue(r.fixed().passed(), r.fixed().message());
        assertTrue(r.fixed().maxError() < 1e-7, "max error " + r.fixed().maxError());
        assertTrue(r.shapeBug().contains("the rule of 'myAdd' returned a gradient of shape [4,3] float64 for its input 1"
                + " of shape [3]"), r.shapeBug());

        // the V: truncation error on the right, round-off on the left, the best ε in between
        double[] eps = r.eps(), fwd = r.forward64(), c64 = r.central64(), c32 = r.central32();
        int bestFwd = Ch04TensorAutograd.argmin(fwd), bestC64 = Ch04TensorAutograd.argmin(c64);
        assertTrue(eps[bestC64] >= 1e-7 && eps[bestC64] <= 1e-4, "central f64 is best near 1e-6, not " + eps[bestC64]);
        assertTrue(eps[bestFwd] >= 1e-10 && eps[bestFwd] <= 1e-6, "forward f64 is best near 1e-8, not " + eps[bestFwd]);
        assertTrue(c64[bestC64] < 1e-10 && c64[bestC64] < fwd[bestFwd] / 10, "central beats forward");
        assertTrue(c64[0] > 100 * c64[bestC64] && c64[eps.length - 1] > 100 * c64[bestC64], "both arms of the V rise");
        assertTrue(fwd[0] > 100 * fwd[bestFwd] && fwd[eps.length - 1] > 100 * fwd[bestFwd], "both arms of the V rise");
        assertTrue(c32[Ch04TensorAutograd.argmin(c32)] > 1e-7, "float32 cannot get close");
        int atGradCheckEps = indexOf(eps, 1e-6);
        double tolerance = GradCheck.ATOL + GradCheck.RTOL * (1 - Math.pow(Math.tanh(0.5), 2));
        assertTrue(c32[atGradCheckEps] > tolerance && c64[atGradCheckEps] < 1e-3 * tolerance,
                "at GradCheck's ε = 1e-6 float32 fails its tolerance and float64 passes easily");

        assertTrue(Files.size(r.plot()) > 1000, "a PNG was written");
        assertTrue(text.toString().contains("3. b = a + a, c = Σ b*b at a = [1, 2, 3]: a.grad() [   8   16   24 ]"), text.toString());
    }

    @Property(tries = 30)
    void thePlantedBugIsCaughtWhateverTheSeed(@ForAll long seed) {
        assertFalse(Ch04TensorAutograd.checkSoftplus(true, seed).passed());
    }

    @Property(tries = 30)
    void theFixedRulePassesWhateverTheSeed(@ForAll long seed) {
        var r = Ch04TensorAutograd.checkSoftplus(false, seed);
        assertTrue(r.passed(), r.message());
    }

    /** A broadcast input element receives one gradient contribution per output element that reused it. */
    @Property(tries = 50)
    void broadcastGradientsCountTheReuse(@ForAll long seed) {
        Sampler s = new Sampler(seed);
        int[][] shapes = s.broadcastPair(3, 4);
        Variable a = Variable.param(s.normal(shapes[0])), b = Variable.param(s.normal(shapes[1]));
        Variable sum = a.add(b);
        sum.sum().backward();
        double reuse = sum.numel() / (double) b.numel();
        for (double g : b.grad().toDoubleArray())
            assertEquals(reuse, g, 0, "b " + Shape.str(shapes[1]) + " broadcast to " + Shape.str(sum.shape()));
    }

    private static int indexOf(double[] values, double v) {
        for (int i = 0; i < values.length; i++) if (Math.abs(values[i] / v - 1) < 1e-9) return i;
        throw new AssertionError(v + " not among " + java.util.Arrays.toString(values));
    }
}

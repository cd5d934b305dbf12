package gradwerk.tutorials;

import gradwerk.autograd.GradCheck;
import gradwerk.autograd.Variable;
import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class Ch06ConvUNetTest {
    @Test
    void chapterProgramRunsAndItsClaimsHold(@TempDir Path dir) throws Exception {
        var text = new ByteArrayOutputStream();
        var r = Ch06ConvUNet.run(new PrintStream(text), dir, Ch06ConvUNet.Settings.quick());

        // im2col of arange(16) as [4,4] with a 3x3 kernel: row (ky,kx) holds pixel (i+ky, j+kx) of each window (i,j)
        assertTrue(r.columns().contains("(ky=0,kx=0)   0  1  4  5"), r.columns());
        assertTrue(r.columns().contains("(ky=2,kx=2)  10 11 14 15"), r.columns());
        assertArrayEquals(r.convDirect(), r.convViaGemm(), 1e-5, "conv as a matrix product = the direct loops");
        assertTrue(r.gradCheck().passed(), r.gradCheck().message());
        double[] lib = r.library();
        assertTrue(lib[0] < 1e-4 && lib[1] < 1e-4 && lib[2] < 1e-3,
                "view-built and library convolutions agree: " + java.util.Arrays.toString(lib));

        for (var f : r.fields()) assertEquals(f.computed(), f.measured(), f.layer() + " receptive field");
        assertEquals(32, r.fields().getLast().computed());

        var plain = r.net("plain convs");
        var noSkips = r.net("U-Net, no skips");
        var unet = r.net("U-Net");
        for (var n : r.nets())           // the mean loss of the last 20 steps, as the program reports it
            assertTrue(mean(n.losses(), n.losses().length - 20) < 0.5 * mean(n.losses(), 0), n.name() + " learns");
        assertTrue(unet.dice() > plain.dice() + 0.05, "U-Net " + unet.dice() + " vs plain " + plain.dice());
        assertTrue(unet.dice() > noSkips.dice(), "skips help: " + unet.dice() + " vs " + noSkips.dice());
        assertTrue(unet.dice() > 0.9, "U-Net Dice " + unet.dice());
        assertTrue(Files.size(r.plot()) > 1000, "a PNG was written");
        assertTrue(text.toString().contains("one test image"), text.toString());
    }

    /** The view-built convolution is the library's, for any small shape, padding and values. */
    @Property(tries = 25)
    void viewConvolutionMatchesTheLibrary(@ForAll @IntRange(min = 1, max = 3) int c, @ForAll @IntRange(min = 1, max = 4) int o,
                                          @ForAll @IntRange(min = 3, max = 7) int size, @ForAll @IntRange(min = 0, max = 2) int pad,
                                          @ForAll long seed) {
        Generator g = new Generator(seed);
        Variable x = Variable.constant(Tensor.randn(DType.FLOAT64, g, 2, c, size, size));
        Variable w = Variable.constant(Tensor.randn(DType.FLOAT64, g, o, c, 3, 3));
        Variable b = Variable.constant(Tensor.randn(DType.FLOAT64, g, o));
        Tensor mine = ViewConv.conv2d(x, w, b, pad).value(), lib = gradwerk.nn.functional.F.conv2d(x, w, b, 1, pad).value();
        assertArrayEquals(lib.shape(), mine.shape());
        assertTrue(mine.sub(lib).abs().max().item() < 1e-10);
    }

    @Test
    void maxPoolAndUpsampleFromViewsAreDifferentiable() {
        Generator g = new Generator(3);
        var r = GradCheck.check("pool then upsample", v -> ViewConv.upsample2(ViewConv.maxPool2(v[0])),
                Tensor.randn(DType.FLOAT64, g, 1, 2, 4, 4));
        assertTrue(r.passed(), r.message());
    }

    private static double mean(double[] v, int from) {
        double s = 0;
        for (int i = from; i < Math.min(v.length, from + 20); i++) s += v[i];
        return s / Math.min(20, v.length - from);
    }
}

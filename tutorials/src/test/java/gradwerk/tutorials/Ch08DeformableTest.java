package gradwerk.tutorials;

import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class Ch08DeformableTest {
    @Test
    void chapterProgramRunsAndItsClaimsHold(@TempDir Path dir) throws Exception {
        var text = new ByteArrayOutputStream();
        var r = Ch08Deformable.run(new PrintStream(text), dir, Ch08Deformable.Settings.quick());

        assertEquals(r.sample()[0], r.sample()[1], 1e-12, "bilinear by hand = grid_sample");
        assertEquals(r.derivative()[0], r.derivative()[1], 1e-12, "hand derivative = autograd");
        assertEquals(r.derivative()[1], r.derivative()[2], 1e-6, "autograd = central difference");
        assertTrue(r.zeroOffset() < 1e-5, "zero offsets: deformable = criss-cross, " + r.zeroOffset());
        assertTrue(r.moved() > 1e-2, "non-zero offsets change the output: " + r.moved());
        double[] l = r.losses();
        assertTrue(l[l.length - 1] < l[0] - 0.1, "the offsets learn: loss " + l[0] + " -> " + l[l.length - 1]);
        assertTrue(r.distance()[1] < 0.5 * r.distance()[0], "samples moved toward the bump: "
                + r.distance()[0] + " -> " + r.distance()[1]);
        assertTrue(Files.size(r.curvePng()) > 1000 && Files.size(r.offsetsPng()) > 1000, "PNGs were written");
        assertTrue(text.toString().contains("learning the offset convolution"), text.toString());
    }

    /** d(grid_sample)/d(position) by autograd agrees with central differences away from pixel centres. */
    @Property(tries = 40)
    void positionGradientMatchesFiniteDifferences(@ForAll @DoubleRange(min = 0.05, max = 4.95) double x,
                                                  @ForAll @DoubleRange(min = 0.05, max = 3.95) double y,
                                                  @ForAll long seed) {
        double fx = x - Math.floor(x), fy = y - Math.floor(y);
        if (fx < 1e-3 || fx > 1 - 1e-3 || fy < 1e-3 || fy > 1 - 1e-3) return; // kinks at pixel centres
        Tensor image = Tensor.randn(DType.FLOAT64, new Generator(seed), 1, 1, 5, 6);
        double[] at = Ch08Deformable.sampleWithGrad(image, x, y);
        double eps = 1e-6;
        double dx = (Ch08Deformable.sampleWithGrad(image, x + eps, y)[0] - Ch08Deformable.sampleWithGrad(image, x - eps, y)[0]) / (2 * eps);
        double dy = (Ch08Deformable.sampleWithGrad(image, x, y + eps)[0] - Ch08Deformable.sampleWithGrad(image, x, y - eps)[0]) / (2 * eps);
        assertEquals(dx, at[1], 1e-6, "d/dx at " + x + "," + y);
        assertEquals(dy, at[2], 1e-6, "d/dy at " + x + "," + y);
    }
}

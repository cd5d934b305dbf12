package gradwerk.tutorials;

import gradwerk.autograd.Variable;
import gradwerk.ddanet.attention.AttentionTrace;
import gradwerk.ddanet.attention.DeformableCrissCrossAttention;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class Ch07AttentionTest {
    @Test
    void chapterProgramRunsAndItsClaimsHold(@TempDir Path dir) throws Exception {
        var text = new ByteArrayOutputStream();
        var r = Ch07Attention.run(new PrintStream(text), dir, Ch07Attention.Settings.quick());

        // the 3x4 picture: row 1 holds slots 0..3, column 2 holds 4 (above) and 5 (below)
        assertTrue(r.layout().contains(" .  .  4  .") && r.layout().contains(" 0  1  2  3") && r.layout().contains(" .  .  5  ."),
                r.layout());
        assertEquals(Ch07Attention.slots(6, 7, 2, 3).length, r.handWeights().length);
        assertEquals(1.0, sum(r.handWeights()), 1e-12, "softmax weights sum to 1");
        assertTrue(r.handVsLibrary() < 1e-5, "the hand computation is the library's: " + r.handVsLibrary());

        int n = r.size();
        assertEquals(2 * n - 1, count(r.oneLoop()), "one loop reaches exactly the H + W - 1 criss-cross pixels");
        for (int[] p : Ch07Attention.slots(n, n, r.row(), r.col()))
            assertTrue(r.oneLoop()[p[0] * n + p[1]] > 0, "slot pixel " + p[0] + "," + p[1] + " has weight");
        assertEquals(n * n, count(r.twoLoops()), "two loops reach every pixel");
        assertEquals(1.0, sum(r.oneLoop()), 1e-4);
        assertEquals(1.0, sum(r.twoLoops()), 1e-4);
        assertTrue(Files.size(r.oneLoopPng()) > 1000 && Files.size(r.twoLoopsPng()) > 1000, "PNGs were written");
        assertTrue(text.toString().contains("two loops"), text.toString());
    }

    /** The chapter's slot layout is the library's: the base positions of a deformable block's trace (zero offsets). */
    @Test
    void slotLayoutIsTheLibrarys() {
        int h = 5, w = 6;
        var block = new DeformableCrissCrossAttention(8, h, w, 1, false, new Generator(1));
        block.forward(Variable.constant(Tensor.randn(new Generator(2), 1, 8, h, w)));
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) {
                AttentionTrace t = block.trace(0, i, j);
                int[][] p = Ch07Attention.slots(h, w, i, j);
                assertEquals(p.length, t.slots());
                for (int s = 0; s < p.length; s++) {
                    assertEquals(p[s][0], t.baseY()[s], 0, "row of slot " + s);
                    assertEquals(p[s][1], t.baseX()[s], 0, "col of slot " + s);
                }
            }
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s;
    }

    private static int count(double[] v) {
        int n = 0;
        for (double x : v) if (x > 0) n++;
        return n;
    }
}

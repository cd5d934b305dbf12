package gradwerk.ddanet.attention;

import gradwerk.autograd.Variable;
import gradwerk.nn.Module;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;

import java.util.Locale;

/** Not a test: forward + backward time of the two blocks at the default bottleneck (B=4, C=256, 16×16, R=2). */
public final class BlockTiming {
    public static void main(String[] args) {
        Generator g = new Generator(0);
        Tensor x = Tensor.randn(g, 4, 256, 16, 16);
        Module[] blocks = {new CrissCrossAttention(256, 2, g), new DeformableCrissCrossAttention(256, 16, 16, 2, true, g)};
        for (Module b : blocks) {
            b.namedParameters().get("gamma").value().fill(0.5);
            for (int r = 0; r < 6; r++) {
                long t0 = System.nanoTime();
                Variable xi = Variable.param(x);
                Variable y = b.forward(xi);
                long t1 = System.nanoTime();
                y.sum().backward();
                long t2 = System.nanoTime();
                if (r >= 3) System.out.printf(Locale.ROOT, "%s: forward %.1f ms, backward %.1f ms%n", b.getClass().getSimpleName(), (t1 - t0) / 1e6, (t2 - t1) / 1e6);
            }
        }
    }
}

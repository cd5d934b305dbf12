package gradwerk.tutorials;

import gradwerk.autograd.Variable;
import gradwerk.ddanet.attention.CrissCrossAttention;
import gradwerk.ddanet.attention.DeformableCrissCrossAttention;
import gradwerk.ddanet.plot.AttentionMap;
import gradwerk.ddanet.plot.Charts;
import gradwerk.ddanet.plot.Overlay;
import gradwerk.nn.Parameter;
import gradwerk.nn.functional.F;
import gradwerk.nn.optim.Adam;
import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.GridPadding;
import gradwerk.tensor.nn.Interpolation;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Chapter 8: deformable sampling. Bilinear grid_sample by hand, its derivative with respect to the sampling
 * position (by hand, by autograd, by finite differences, and along a line), the deformable criss-cross block
 * reducing to criss-cross attention at zero offsets, and offsets that learn to move toward what a loss rewards.
 */
public final class Ch08Deformable {
    /** Settings: Adam steps for the offsets. */
    public record Settings(int steps) {
        public static Settings full() { return new Settings(150); }
        public static Settings quick() { return new Settings(60); }

        /** {@link #quick} with {@code -Dgradwerk.tutorial.quick=true}, else {@link #full}. */
        public static Settings fromSystemProperties() {
            return Boolean.getBoolean("gradwerk.tutorial.quick") ? quick() : full();
        }
    }

    /**
     * @param sample     the bilinear value at the chapter's point: by hand, by grid_sample
     * @param derivative d value / d x at that point (pixels): by hand, by autograd, by central differences
     * @param zeroOffset max |deformable − criss-cross| with zero offsets
     * @param moved      max |deformable − criss-cross| with every offset (0.5, 0)
     * @param losses     the offset-learning loss per step
     * @param distance   mean distance of the drawn pixel's samples to the bump: before, after
     */
    public record Result(double[] sample, double[] derivative, double zeroOffset, double moved, double[] losses,
                         double[] distance, Path curvePng, Path offsetsPng) {}

    public static void main(String[] args) {
        run(System.out, Path.of(args.length > 0 ? args[0] : "out/tutorial-08"), Settings.full());
    }

    public static Result run(PrintStream out, Path outDir, Settings s) {
        // 1. one bilinear sample by hand and by grid_sample
        double[] pixels = {1, 3, 0, 2, 4, 8, 6, 1, 2, 7, 9, 3, 0, 5, 4, 6};
        Tensor image = Tensor.of(pixels, 1, 1, 4, 4);                        // float64
        double px = 1.3, py = 2.6;
        int x0 = (int) Math.floor(px), y0 = (int) Math.floor(py);
        double fx = px - x0, fy = py - y0;
        double nw = pixels[y0 * 4 + x0], ne = pixels[y0 * 4 + x0 + 1], sw = pixels[(y0 + 1) * 4 + x0], se = pixels[(y0 + 1) * 4 + x0 + 1];
        double hand = (1 - fx) * (1 - fy) * nw + fx * (1 - fy) * ne + (1 - fx) * fy * sw + fx * fy * se;
        double[] sampled = sampleWithGrad(image, px, py);                   // value, d/dx, d/dy by autograd
        out.printf(Locale.ROOT, "1. bilinear sample of a 4x4 image at (x, y) = (%.1f, %.1f): neighbours nw %.0f ne %.0f sw %.0f se %.0f,"
                + " fx %.1f fy %.1f%n   by hand %.4f, F.gridSample %.4f%n", px, py, nw, ne, sw, se, fx, fy, hand, sampled[0]);

        // 2. its derivative with respect to the position
        double handDx = (1 - fy) * (ne - nw) + fy * (se - sw);
        double eps = 1e-6;
        double fd = (sampleWithGrad(image, px + eps, py)[0] - sampleWithGrad(image, px - eps, py)[0]) / (2 * eps);
        out.printf(Locale.ROOT, "%n2. d(sample)/dx at the same point: by hand (1-fy)(ne-nw) + fy(se-sw) = %.6f,"
                + " autograd %.6f, central difference %.6f%n", handDx, sampled[1], fd);
        int n = 301;
        double[] xs = new double[n], value = new double[n], slope = new double[n];
        for (int i = 0; i < n; i++) {
            xs[i] = 3.0 * i / (n - 1);
            double[] r = sampleWithGrad(image, xs[i], py);
            value[i] = r[0];
            slope[i] = r[1];
        }
        Path curve = Charts.lines(outDir.resolve("bilinear.png"), "Chapter 8: bilinear sample along y = 2.6", "x (pixels)",
                "value, derivative", false, new Charts.Series("sample value", xs, value),
                new Charts.Series("d value / dx (autograd)", xs, slope));
        out.println("   value and derivative along y = 2.6 written to " + curve);

        // 3. the deformable block at zero offsets is criss-cross attention
        Generator g = new Generator(8);
        int c = 16, h = 6, w = 7, slots = h + w - 1;
        CrissCrossAttention.Weights cc = new CrissCrossAttention(c, 1, g).weights();
        Variable gamma = Variable.constant(Tensor.of(new float[] {0.7f}, 1));
        cc = new CrissCrossAttention.Weights(cc.wq(), cc.bq(), cc.wk(), cc.bk(), cc.wv(), cc.bv(), gamma);
        Variable x = Variable.constant(Tensor.randn(g, 2, c, h, w));
        Tensor criss = CrissCrossAttention.apply(x, cc, 1).value();
        Variable zeroW = Variable.constant(Tensor.zeros(2 * slots, c, 3, 3));
        double[] half = new double[2 * slots];
        for (int sl = 0; sl < slots; sl++) half[2 * sl] = 0.5;           // Δx = 0.5 pixel for every slot, Δy = 0
        double zero = 0, moved = 0;
        for (Tensor bias : List.of(Tensor.zeros(2 * slots), Tensor.of(half, 2 * slots).to(DType.FLOAT32))) {
            var dw = new DeformableCrissCrossAttention.Weights(cc.wq(), cc.bq(), cc.wk(), cc.bk(), cc.wv(), cc.bv(),
                    zeroW, Variable.constant(bias), gamma);
            double diff = DeformableCrissCrossAttention.apply(x, dw, 1, false).value().sub(criss).abs().max().item();
            if (bias.abs().max().item() == 0) zero = diff;
            else moved = diff;
        }
        out.printf(Locale.ROOT, "%n3. deformable vs plain criss-cross attention, x [2,%d,%d,%d], gamma 0.7:%n"
                + "   zero offsets: max |difference| %.1e;   every offset (0.5, 0): %.3f%n", c, h, w, zero, moved);

        // 4. offsets that learn: samples move toward a bump that the loss rewards
        Offsets o = learnOffsets(s.steps());
        out.printf(Locale.ROOT, "%n4. learning the offset convolution (Adam lr 0.05, %d steps, 12x12 map, uniform attention):"
                + " reward each pixel for the bump value it collects%n", s.steps());
        out.printf(Locale.ROOT, "   loss (minus the mean collected value) %.4f -> %.4f%n", o.losses()[0], o.losses()[s.steps() - 1]);
        out.printf(Locale.ROOT, "   pixel (row %d, col %d): mean distance of its %d samples to the bump %.2f -> %.2f pixels%n",
                Offsets.ROW, Offsets.COL, slots(12, 12), o.distance()[0], o.distance()[1]);
        Path arrows = Overlay.write(outDir.resolve("offsets.png"), AttentionMap.render(12, 12, o.bump(), Offsets.ROW, Offsets.COL,
                o.baseX(), o.baseY(), o.sampleX(), o.sampleY(), o.weights(), "learned offsets of one pixel, after " + s.steps() + " steps"));
        out.println("   offsets drawn in " + arrows);
        return new Result(new double[] {hand, sampled[0]}, new double[] {handDx, sampled[1], fd}, zero, moved,
                o.losses(), o.distance(), curve, arrows);
    }

    /**
     * grid_sample of a one-channel image [1,1,H,W] at pixel position (x, y), and d value / dx, d value / dy in
     * pixels, by autograd. grid_sample wants normalised coordinates: with alignCorners false, x_norm =
     * (2x + 1)/W − 1, so d x_norm / dx = 2/W.
     */
    static double[] sampleWithGrad(Tensor image, double x, double y) {
        int hh = image.size(2), ww = image.size(3);
        Variable grid = Variable.param(Tensor.of(new double[] {(2 * x + 1) / ww - 1, (2 * y + 1) / hh - 1}, 1, 1, 1, 2));
        Variable v = F.gridSample(Variable.constant(image), grid, Interpolation.BILINEAR, GridPadding.BORDER, false);
        v.sum().backward();
        return new double[] {v.item(), grid.grad().get(0, 0, 0, 0) * 2.0 / ww, grid.grad().get(0, 0, 0, 1) * 2.0 / hh};
    }

    /** What {@link #learnOffsets} returns: the loss curve and the drawn pixel's trace before and after. */
    record Offsets(double[] losses, double[] distance, float[] bump, double[] baseX, double[] baseY, double[] sampleX,
                   double[] sampleY, double[] weights) {
        static final int SIZE = 12, ROW = 9, COL = 2;
        static final double BUMP_X = 8, BUMP_Y = 3, SIGMA = 2;
    }

    /**
     * A 12 × 12 map with a Gaussian bump at (x 8, y 3). Input channels: the bump, the row and column coordinates,
     * and a constant; V copies the bump; Q and K are zero, so every pixel weighs its samples equally. Only the
     * offset convolution learns, to maximise the mean of {@code out}: each pixel's samples should land on the bump.
     */
    static Offsets learnOffsets(int steps) {
        int n = Offsets.SIZE, c = 8, slots = slots(n, n);
        float[] bump = new float[n * n], in = new float[c * n * n];
        for (int r = 0; r < n; r++)
            for (int col = 0; col < n; col++) {
                int at = r * n + col;
                bump[at] = (float) Math.exp(-(Math.pow(col - Offsets.BUMP_X, 2) + Math.pow(r - Offsets.BUMP_Y, 2))
                        / (2 * Offsets.SIGMA * Offsets.SIGMA));
                in[at] = bump[at];
                in[n * n + at] = r / (n - 1f);
                in[2 * n * n + at] = col / (n - 1f);
                in[3 * n * n + at] = 1;
            }
        Variable x = Variable.constant(Tensor.of(in, 1, c, n, n));
        Variable zq = Variable.constant(Tensor.zeros(1, c, 1, 1)), zb = Variable.constant(Tensor.zeros(1));
        float[] copy = new float[c * c];
        copy[0] = 1;                                                          // V channel 0 = the bump
        Variable wv = Variable.constant(Tensor.of(copy, c, c, 1, 1)), bv = Variable.constant(Tensor.zeros(c));
        Parameter wOff = new Parameter("offsetWeight", Tensor.zeros(2 * slots, c, 3, 3));
        Parameter bOff = new Parameter("offsetBias", Tensor.zeros(2 * slots));
        var weights = new DeformableCrissCrossAttention.Weights(zq, zb, zq, zb, wv, bv, wOff.v(), bOff.v(),
                Variable.constant(Tensor.ones(1)));
        Adam opt = new Adam(List.of(wOff, bOff), 0.05);
        double[] losses = new double[steps];
        double before = 0;
        DeformableCrissCrossAttention.Step last = null;
        for (int step = 0; step < steps; step++) {
            last = DeformableCrissCrossAttention.step(x, weights, false);
            if (step == 0) before = meanDistance(last.positions());
            Variable loss = last.y().narrow(1, 0, 1).mean().neg();          // minus the mean collected bump value
            opt.zeroGrad();
            loss.backward();
            opt.step();
            losses[step] = loss.item();
        }
        last = DeformableCrissCrossAttention.step(x, weights, false);
        int u = Offsets.ROW * n + Offsets.COL;
        double[] pos = last.positions().select(0, 0).select(0, u).to(DType.FLOAT64).toDoubleArray();
        double[] a = last.attention().select(0, 0).select(0, u).to(DType.FLOAT64).toDoubleArray();
        int[][] base = Ch07Attention.slots(n, n, Offsets.ROW, Offsets.COL);
        double[] bx = new double[slots], by = new double[slots], sx = new double[slots], sy = new double[slots];
        for (int sl = 0; sl < slots; sl++) {
            by[sl] = base[sl][0];
            bx[sl] = base[sl][1];
            sx[sl] = pos[2 * sl];
            sy[sl] = pos[2 * sl + 1];
        }
        return new Offsets(losses, new double[] {before, meanDistance(last.positions())}, bump, bx, by, sx, sy, a);
    }

    /** Mean distance to the bump of the drawn pixel's sample positions [1, H·W, S, 2]. */
    private static double meanDistance(Tensor positions) {
        double[] p = positions.select(0, 0).select(0, Offsets.ROW * Offsets.SIZE + Offsets.COL).to(DType.FLOAT64).toDoubleArray();
        double d = 0;
        for (int i = 0; i < p.length; i += 2) d += Math.hypot(p[i] - Offsets.BUMP_X, p[i + 1] - Offsets.BUMP_Y);
        return d / (p.length / 2);
    }

    private static int slots(int h, int w) {
        return h + w - 1;
    }
}

package gradwerk.tutorials;

import gradwerk.autograd.Variable;
import gradwerk.ddanet.attention.CrissCrossAttention;
import gradwerk.ddanet.data.CtSlice;
import gradwerk.ddanet.data.SyntheticCt;
import gradwerk.ddanet.plot.AttentionMap;
import gradwerk.ddanet.plot.Overlay;
import gradwerk.nn.functional.F;
import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Chapter 7: criss-cross attention. The slot layout of one pixel, the block's computation redone by hand for one
 * pixel and compared with the library, the attention map of a pixel of a synthetic CT slice after one and two
 * loops (read out of the library's {@code attend} with one-hot values), and what criss-cross saves over full
 * attention.
 */
public final class Ch07Attention {
    /** Settings: the side of the CT slice whose attention maps are drawn. */
    public record Settings(int size) {
        public static Settings full() { return new Settings(32); }
        public static Settings quick() { return new Settings(16); }

        /** {@link #quick} with {@code -Dgradwerk.tutorial.quick=true}, else {@link #full}. */
        public static Settings fromSystemProperties() {
            return Boolean.getBoolean("gradwerk.tutorial.quick") ? quick() : full();
        }
    }

    /**
     * @param handWeights  the attention weights of the step-by-step pixel, computed by hand (slot order)
     * @param handVsLibrary max |hand − library| of that pixel's output
     * @param oneLoop      the attention map of the drawn pixel over all H·W pixels, one loop
     * @param twoLoops     the same after two loops (same Q and K)
     */
    public record Result(String layout, int[][] slots, double[] handWeights, double handVsLibrary, int size, int row,
                         int col, double[] oneLoop, double[] twoLoops, Path oneLoopPng, Path twoLoopsPng) {}

    public static void main(String[] args) {
        run(System.out, Path.of(args.length > 0 ? args[0] : "out/tutorial-07"), Settings.full());
    }

    public static Result run(PrintStream out, Path outDir, Settings s) {
        // 1. the slots of pixel (1, 2) of a 3 x 4 map
        int[][] small = slots(3, 4, 1, 2);
        String layout = drawSlots(3, 4, small);
        out.println("1. the criss-cross slots of pixel (row 1, col 2) of a 3x4 map: the row, then the column without the centre");
        out.print(layout);

        // 2. one pixel by hand: energies, softmax, weighted sum of values; against the library's attend
        Generator g = new Generator(7);
        int c = 16, h = 6, w = 7, qi = 2, qj = 3;
        CrissCrossAttention block = new CrissCrossAttention(c, 1, g);
        CrissCrossAttention.Weights wt = block.weights();
        Variable x = Variable.constant(Tensor.randn(g, 1, c, h, w));
        Variable q = F.conv2d(x, wt.wq(), wt.bq(), 1, 0), k = F.conv2d(x, wt.wk(), wt.bk(), 1, 0),
                v = F.conv2d(x, wt.wv(), wt.bv(), 1, 0);
        Tensor library = CrissCrossAttention.attend(q, k, v).value();
        int[][] p = slots(h, w, qi, qj);
        double[] energy = new double[p.length], weight = new double[p.length];
        for (int sl = 0; sl < p.length; sl++)
            for (int ch = 0; ch < q.size(1); ch++)
                energy[sl] += q.value().get(0, ch, qi, qj) * k.value().get(0, ch, p[sl][0], p[sl][1]);
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (double e : energy) max = Math.max(max, e);
        for (int sl = 0; sl < p.length; sl++) sum += weight[sl] = Math.exp(energy[sl] - max);
        for (int sl = 0; sl < p.length; sl++) weight[sl] /= sum;
        double worst = 0, total = 0;
        for (int ch = 0; ch < c; ch++) {
            double o = 0;
            for (int sl = 0; sl < p.length; sl++) o += weight[sl] * v.value().get(0, ch, p[sl][0], p[sl][1]);
            worst = Math.max(worst, Math.abs(o - library.get(0, ch, qi, qj)));
        }
        out.printf(Locale.ROOT, "%n2. pixel (row %d, col %d) of a random %dx%d map, C = %d, C' = %d: its %d slots by hand%n",
                qi, qj, h, w, c, q.size(1), p.length);
        out.println("   slot  (row,col)   energy  weight");
        for (int sl = 0; sl < p.length; sl++) {
            total += weight[sl];
            out.printf(Locale.ROOT, "   %4d  (%d,%d)    %7.3f  %.4f%n", sl, p[sl][0], p[sl][1], energy[sl], weight[sl]);
        }
        out.printf(Locale.ROOT, "   weights sum to %.6f; max |by hand - CrissCrossAttention.attend| over the %d output channels: %.1e%n",
                total, c, worst);

        // 3. attention maps of one pixel of a CT slice, read out of attend with one-hot values
        CtSlice ct = new SyntheticCt(3).generate(0, s.size());
        int n = s.size(), hw = n * n;
        int[] u = queryPixel(ct);
        Variable qk = Variable.constant(similarityFeatures(ct, 10));          // Q = K: "attend to pixels like me"
        Variable oneHot = Variable.constant(Tensor.eye(hw).view(1, hw, n, n)); // channel c is 1 at pixel c only
        Variable once = CrissCrossAttention.attend(qk, qk, oneHot);           // [1, H·W, H, W]: once[c, u] = A(u, c)
        Variable twice = CrissCrossAttention.attend(qk, qk, once);            // Σ_p A(u, p) A(p, c)
        double[] map1 = column(once.value(), u), map2 = column(twice.value(), u);
        out.printf(Locale.ROOT, "%n3. attention maps of pixel (row %d, col %d) of a %dx%d synthetic CT slice (intensity %.2f),"
                + " Q = K = sqrt(10)·(x, 1-x)%n", u[0], u[1], n, n, ct.pixel(u[0], u[1]));
        out.printf(Locale.ROOT, "   one loop:  %4d of %4d pixels get weight > 0 (H + W - 1 = %d), sum %.6f%n",
                count(map1), hw, 2 * n - 1, sum(map1));
        out.printf(Locale.ROOT, "   two loops: %4d of %4d pixels get weight > 0, sum %.6f%n", count(map2), hw, sum(map2));
        int[][] slotsU = slots(n, n, u[0], u[1]);
        double[] bx = new double[slotsU.length], by = new double[slotsU.length], wU = new double[slotsU.length];
        for (int sl = 0; sl < slotsU.length; sl++) {
            by[sl] = slotsU[sl][0];
            bx[sl] = slotsU[sl][1];
            wU[sl] = map1[slotsU[sl][0] * n + slotsU[sl][1]];
        }
        Path png1 = Overlay.write(outDir.resolve("one-loop.png"), AttentionMap.render(n, n, ct.image(), u[0], u[1], bx, by,
                bx, by, wU, "criss-cross attention, one loop"));
        Path png2 = Heatmap.write(outDir.resolve("two-loops.png"), n, n, ct.image(), map2, u[0], u[1],
                "criss-cross attention, two loops (red: weight, relative to the largest)");
        out.println("   maps written to " + png1 + " and " + png2);

        // 4. what it costs: energies per image, criss-cross against full (non-local) attention
        out.println("\n4. energies per image and their float32 memory, criss-cross vs full attention");
        out.printf("   %-9s %14s %14s%n", "map", "criss-cross", "full");
        for (int side : new int[] {16, 32, 64}) {
            long cc = (long) side * side * (2L * side - 1), full = (long) side * side * side * side;
            out.printf(Locale.ROOT, "   %2dx%-6d %,14d %,14d   (%.1f MB vs %.1f MB)%n", side, side, cc, full, cc * 4 / 1e6, full * 4 / 1e6);
        }
        return new Result(layout, small, weight, worst, n, u[0], u[1], map1, map2, png1, png2);
    }

    /**
     * The criss-cross slots of pixel (i, j) of an h × w map as (row, col): the row (slots 0..w-1, the pixel itself
     * at slot j), then the column from the top, skipping the pixel.
     */
    static int[][] slots(int h, int w, int i, int j) {
        int[][] p = new int[h + w - 1][];
        for (int col = 0; col < w; col++) p[col] = new int[] {i, col};
        for (int k = 0; k < h - 1; k++) p[w + k] = new int[] {k < i ? k : k + 1, j};
        return p;
    }

    /** Q = K = sqrt(beta)·(x, 1 − x) per pixel: ⟨Q_u, K_p⟩ = beta·(x_u x_p + (1 − x_u)(1 − x_p)), large for similar x. */
    static Tensor similarityFeatures(CtSlice ct, double beta) {
        int n = ct.height() * ct.width();
        float[] f = new float[2 * n];
        float a = (float) Math.sqrt(beta);
        for (int i = 0; i < n; i++) {
            f[i] = a * ct.image()[i];
            f[n + i] = a * (1 - ct.image()[i]);
        }
        return Tensor.of(f, 1, 2, ct.height(), ct.width());
    }

    /** The lesion pixel nearest to the centre of all lesion pixels (the image centre if there is none). */
    static int[] queryPixel(CtSlice ct) {
        double sr = 0, sc = 0;
        int m = 0;
        for (int r = 0; r < ct.height(); r++)
            for (int c = 0; c < ct.width(); c++)
                if (ct.label(r, c) != CtSlice.BACKGROUND) {
                    sr += r;
                    sc += c;
                    m++;
                }
        if (m == 0) return new int[] {ct.height() / 2, ct.width() / 2};
        double cr = sr / m, cc = sc / m, best = Double.MAX_VALUE;
        int[] u = null;
        for (int r = 0; r < ct.height(); r++)
            for (int c = 0; c < ct.width(); c++)
                if (ct.label(r, c) != CtSlice.BACKGROUND && Math.hypot(r - cr, c - cc) < best) {
                    best = Math.hypot(r - cr, c - cc);
                    u = new int[] {r, c};
                }
        return u;
    }

    /** maps[0, :, u] as a double array over the H·W channels. */
    private static double[] column(Tensor maps, int[] u) {
        return maps.select(0, 0).select(1, u[0]).select(1, u[1]).to(DType.FLOAT64).toDoubleArray();
    }

    private static int count(double[] m) {
        int n = 0;
        for (double v : m) if (v > 0) n++;
        return n;
    }

    private static double sum(double[] m) {
        double s = 0;
        for (double v : m) s += v;
        return s;
    }

    private static String drawSlots(int h, int w, int[][] slots) {
        String[][] cell = new String[h][w];
        for (String[] r : cell) java.util.Arrays.fill(r, " .");
        for (int sl = 0; sl < slots.length; sl++) cell[slots[sl][0]][slots[sl][1]] = String.format("%2d", sl);
        StringBuilder sb = new StringBuilder();
        for (String[] r : cell) sb.append("   ").append(String.join(" ", r)).append('\n');
        return sb.toString();
    }
}

package gradwerk.tensor.cpu;

import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.Window2d;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The three convolution engines of {@link CpuBackend} (which take {@link DirectConv} for float32 stride-1
 * convolutions) against {@link ScalarBackend}'s im2col + matmul, on shapes chosen to hit every edge of the direct
 * kernels: widths around multiples of the vector length (partial slots), output-channel counts that are no
 * multiple of 4 (partial channel blocks), 1..5-wide kernels, padding up to and beyond k-1 (the input gradient then
 * crops), strided and transposed operands, bands and channel blocks forced small, 1-3 threads. Also the shapes
 * that fall back to the general path (stride, dilation, groups, float64) through the same entry points.
 *
 * <p>Tolerance: float32 sums of K products of N(0,1) numbers, compared with float64 sums, so
 * {@code |diff| <= 1e-5·(1 + Σ|terms|)} per element, bounded here by {@code 2e-5·(1 + K)}.
 */
class DirectConvTest {
    static final ScalarBackend REF = ScalarBackend.INSTANCE;
    static final CpuBackend CPU = CpuBackend.INSTANCE;

    record Case(int n, int c, int m, int h, int w, int kh, int kw, int ph, int pw, boolean bias, int layout,
                int threads, boolean smallBlocks) {
        static Case random(long seed) {
            Random r = new Random(seed);
            int[] widths = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 23, 24, 31, 33, 40};
            int kh = 1 + r.nextInt(r.nextInt(3) == 0 ? 5 : 3), kw = r.nextBoolean() ? kh : 1 + r.nextInt(4);
            int ph = r.nextInt(kh + 1), pw = r.nextInt(kw + 1);
            if (r.nextInt(6) == 0) { ph = kh + r.nextInt(2); pw = kw; } // padding beyond k-1: the fold crops
            int h = Math.max(1 + r.nextInt(12), kh - 2 * ph), w = Math.max(widths[r.nextInt(widths.length)], kw - 2 * pw);
            return new Case(1 + r.nextInt(3), 1 + r.nextInt(r.nextBoolean() ? 6 : 20), 1 + r.nextInt(r.nextBoolean() ? 6 : 14),
                    h, w, kh, kw, ph, pw, r.nextBoolean(), r.nextInt(3), 1 + r.nextInt(3), r.nextBoolean());
        }

        Window2d win() { return new Window2d(kh, kw, 1, 1, ph, pw, 1, 1); }
        int oh() { return h + 2 * ph - kh + 1; }
        int ow() { return w + 2 * pw - kw + 1; }
        int k() { return c * kh * kw; }
    }

    /** A random [n, c, h, w] tensor: contiguous, a narrowed view (row stride and offset), or a transposed one. */
    static Tensor images(DType dt, Generator g, int layout, int n, int c, int h, int w) {
        return switch (layout) {
            case 0 -> Tensor.randn(dt, g, n, c, h, w);
            case 1 -> Tensor.randn(dt, g, n, c + 1, h + 2, w + 3).narrow(1, 1, c).narrow(2, 1, h).narrow(3, 2, w);
            default -> Tensor.randn(dt, g, n, c, w, h).transpose(2, 3);
        };
    }

    @Property(tries = 300)
    void theEnginesMatchTheReference(@ForAll long seed) {
        Case s = Case.random(seed);
        if (s.oh() < 1 || s.ow() < 1) return;
        run(s, DType.FLOAT32, s.win(), 1, seed);
    }

    @Test
    void uNetSizedShapesMatchTheReference() {
        // a few U-Net layers at reduced size: wide and shallow, the first (1 channel in), and deep and narrow
        int[][] shapes = {{2, 16, 16, 64, 64}, {1, 1, 16, 40, 72}, {2, 16, 1, 33, 35}, {1, 96, 36, 16, 16},
                {1, 256, 8, 8, 8}, {1, 64, 64, 17, 24},
                // more than DIRECT_WEIGHT_K channel-taps on maps of at least DIRECT_WEIGHT_AREA pixels: direct weight gradient
                {1, 72, 8, 32, 32}, {2, 96, 12, 40, 33}};
        for (int[] sh : shapes) {
            Case s = new Case(sh[0], sh[1], sh[2], sh[3], sh[4], 3, 3, 1, 1, true, 0, 2, false);
            run(s, DType.FLOAT32, s.win(), 1, sh[1] * 31L + sh[2]);
        }
    }

    @Test
    void deepLayersOnLargeMapsTakeTheDirectWeightGradient() {
        assertTrue(DirectConv.directWeight(Tensor.zeros(1, 8, 32, 32), Tensor.zeros(1, 8, 72 * 9)), "72 channels at 32x32");
        assertTrue(DirectConv.directWeight(Tensor.zeros(1, 8, 16, 16), Tensor.zeros(1, 8, 64 * 9)), "64 channels at 16x16");
        assertFalse(DirectConv.directWeight(Tensor.zeros(1, 8, 16, 16), Tensor.zeros(1, 8, 128 * 9)), "128 channels at 16x16");
    }

    @Property(tries = 60)
    void shapesOutsideTheDirectPathStillMatch(@ForAll long seed) {
        Case s = Case.random(seed);
        Random r = new Random(seed);
        int kind = r.nextInt(3);
        Window2d win = switch (kind) {
            case 0 -> new Window2d(s.kh, s.kw, 2, 1, s.ph, s.pw, 1, 1);
            case 1 -> new Window2d(s.kh, s.kw, 1, 1, s.ph, s.pw, 2, 1);
            default -> s.win();
        };
        int oh = win.outH(s.h, false), ow = win.outW(s.w, false);
        if (oh < 1 || ow < 1) return;
        run(s, kind == 2 ? DType.FLOAT64 : DType.FLOAT32, win, 1, seed);
        if (s.c % 2 == 0 && s.m % 2 == 0 && kind == 2) run(s, DType.FLOAT32, win, 2, seed); // groups
    }

    /** Runs the three engines on both backends with the case's sizes, window and groups, and compares. */
    static void run(Case s, DType dt, Window2d win, int groups, long seed) {
        int threads = Parallel.threads(), band = DirectConv.bandBytes, wband = DirectConv.wbandBytes, kc = DirectConv.kcTaps;
        int pack = DirectConv.packPanelChannels;
        try {
            Parallel.setThreads(s.threads);
            // the forward tile over the band (never packed), over a packed panel (always), or the default rule
            DirectConv.packPanelChannels = switch ((int) Math.floorMod(seed, 3)) { case 0 -> 0; case 1 -> 1; default -> pack; };
            if (s.smallBlocks) {
                DirectConv.bandBytes = 64;
                DirectConv.wbandBytes = 64;
                DirectConv.kcTaps = 1 + (int) Math.floorMod(seed, 20);
            }
            Generator g = new Generator(seed);
            int oh = win.outH(s.h, false), ow = win.outW(s.w, false);
            int m = s.m / groups, k = s.c / groups * s.kh * s.kw;
            Tensor x = images(dt, g, s.layout, s.n, s.c, s.h, s.w);
            Tensor dy = images(dt, g, (s.layout + 1) % 3, s.n, s.m, oh, ow);
            Tensor a = s.layout == 2 ? Tensor.randn(dt, g, groups, k, m).transpose(1, 2) : Tensor.randn(dt, g, groups, m, k);
            Tensor b = s.bias ? Tensor.randn(dt, g, s.m) : null;
            Tensor[] out = new Tensor[2], in = new Tensor[2], into = new Tensor[2], gw = new Tensor[2];
            for (int i = 0; i < 2; i++) {
                var be = i == 0 ? REF : CPU;
                // the forward and the assigning fold write every element: NaN wherever one is missed
                out[i] = Tensor.full(dt, i == 0 ? 0 : Double.NaN, s.n, s.m, oh, ow);
                be.convUnfoldProduct(x, a, win, b, out[i]);
                in[i] = Tensor.ones(dt, s.n, s.c, s.h, s.w);
                be.convFoldProduct(dy, a, win, in[i]);
                into[i] = Tensor.full(dt, Double.NaN, s.n, s.c, s.h, s.w);
                be.convFoldProductInto(dy, a, win, into[i]);
                gw[i] = Tensor.ones(dt, groups, m, k);
                be.convUnfoldWeightProduct(dy, x, win, gw[i]);
            }
            String what = s + " " + dt + " " + win + " groups=" + groups;
            close(out[0], out[1], k, "forward " + what);
            close(in[0], in[1], m * s.kh * s.kw, "input gradient " + what);
            close(in[0].sub(1), into[1], m * s.kh * s.kw, "input gradient written whole " + what);
            close(gw[0], gw[1], s.n * oh * ow, "weight gradient " + what);
        } finally {
            Parallel.setThreads(threads);
            DirectConv.bandBytes = band;
            DirectConv.wbandBytes = wband;
            DirectConv.kcTaps = kc;
            DirectConv.packPanelChannels = pack;
        }
    }

    @Test
    void thePackedPanelGivesTheSameBits() {
        int pack = DirectConv.packPanelChannels;
        try {
            Generator g = new Generator(8);
            Window2d win = Window2d.square(3, 1, 1, 1);
            for (int[] sh : new int[][] {{2, 24, 12, 16, 16}, {1, 40, 9, 11, 29}}) { // {n, c, m, h, w}: full and partial slots, m % 4 != 0
                Tensor x = Tensor.randn(g, sh[0], sh[1], sh[3], sh[4]), a = Tensor.randn(g, 1, sh[2], sh[1] * 9), b = Tensor.randn(g, sh[2]);
                Tensor[] out = new Tensor[2], in = new Tensor[2];
                for (int i = 0; i < 2; i++) {
                    DirectConv.packPanelChannels = i == 0 ? 0 : 1;
                    out[i] = Tensor.zeros(sh[0], sh[2], sh[3], sh[4]);
                    CPU.convUnfoldProduct(x, a, win, b, out[i]);
                    in[i] = Tensor.ones(sh[0], sh[1], sh[3], sh[4]);
                    CPU.convFoldProduct(out[0], a, win, in[i]);
                }
                assertEquals(0, out[0].sub(out[1]).abs().max().item(), "forward " + java.util.Arrays.toString(sh));
                assertEquals(0, in[0].sub(in[1]).abs().max().item(), "input gradient " + java.util.Arrays.toString(sh));
            }
        } finally {
            DirectConv.packPanelChannels = pack;
        }
    }

    static void close(Tensor expected, Tensor actual, int terms, String what) {
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        double tol = expected.dtype() == DType.FLOAT32 ? 2e-5 * (1 + terms) : 1e-10 * (1 + terms);
        for (int i = 0; i < e.length; i++)
            if (!(Math.abs(e[i] - a[i]) <= tol))
                fail(what + ": element " + i + " is " + a[i] + ", expected " + e[i] + " (tolerance " + tol + ")");
        assertTrue(e.length == a.length);
    }
}

package gradwerk.tensor.cpu;

import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.GridPadding;
import gradwerk.tensor.nn.Interpolation;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The kernels built on {@link Blas1} (the grid_sample contractions, bilinear resizing) against the scalar reference,
 * at every vector width: this class is in the cpu package, so Surefire runs it once per gradwerk.simd.bits (see
 * tensor/pom.xml). Channel counts and widths up to 40 cover whole vectors and tails at 4, 8 and 16 lanes.
 */
class RowKernelsTest {
    private static final CpuBackend CPU = CpuBackend.INSTANCE;
    private static final ScalarBackend REF = ScalarBackend.INSTANCE;

    @Property(tries = 60)
    void gridContractionsMatchTheReference(@ForAll long seed) {
        Generator g = new Generator(seed);
        DType dt = g.nextInt(2) == 0 ? DType.FLOAT32 : DType.FLOAT64;
        int n = 1 + g.nextInt(2), c = 1 + g.nextInt(40), h = 1 + g.nextInt(6), w = 1 + g.nextInt(6);
        int q = 1 + g.nextInt(5), s = 1 + g.nextInt(7);
        GridPadding pad = g.nextInt(2) == 0 ? GridPadding.ZEROS : GridPadding.BORDER;
        boolean ac = g.nextInt(2) == 0;
        Tensor x = Tensor.randn(DType.FLOAT64, g, n, c, h, w).to(dt), p = Tensor.randn(DType.FLOAT64, g, n, c, q).to(dt);
        Tensor wt = Tensor.randn(DType.FLOAT64, g, n, q, s).to(dt);
        Tensor grid = Tensor.rand(DType.FLOAT64, g, n, q, s, 2).mul(2.6).sub(1.3).to(dt);
        String what = dt + " n" + n + " c" + c + " " + h + "x" + w + " q" + q + " s" + s + " " + pad + (ac ? " aligned" : "");
        Tensor[] dot = new Tensor[2], mix = new Tensor[2], gi = new Tensor[2], gg = new Tensor[2];
        for (int i = 0; i < 2; i++) {
            var be = i == 0 ? REF : CPU;
            dot[i] = Tensor.zeros(dt, n, q, s);
            be.gridSampleDot(p, x, grid, pad, ac, dot[i]);
            mix[i] = Tensor.zeros(dt, n, c, q);
            be.gridSampleMix(wt, x, grid, pad, ac, mix[i]);
            gi[i] = Tensor.full(dt, 3, n, c, h, w);
            gg[i] = Tensor.full(dt, 3, n, q, s, 2);
            be.gridSampleContractBackward(p, wt, x, grid, pad, ac, gi[i], gg[i]);
        }
        double tol = dt == DType.FLOAT32 ? 1e-4 : 1e-11;
        close(dot[0], dot[1], tol, "dot " + what);
        close(mix[0], mix[1], tol, "mix " + what);
        close(gi[0], gi[1], tol, "input gradient " + what);
        close(gg[0], gg[1], tol * 4, "grid gradient " + what);
    }

    @Property(tries = 60)
    void bilinearResizingMatchesTheReference(@ForAll long seed) {
        Generator g = new Generator(seed);
        boolean ac = g.nextInt(2) == 0;
        int n = 1 + g.nextInt(2), c = 1 + g.nextInt(3), h = 1 + g.nextInt(20), w = 1 + g.nextInt(40);
        int oh = 1 + g.nextInt(40), ow = 1 + g.nextInt(40);
        double sh = (ac ? (oh > 1 ? (h - 1.0) / (oh - 1) : 0) : (double) h / oh);
        double sw = (ac ? (ow > 1 ? (w - 1.0) / (ow - 1) : 0) : (double) w / ow);
        Tensor x = Tensor.randn(g, n, c, h, w), go = Tensor.randn(g, n, c, oh, ow);
        String what = h + "x" + w + " -> " + oh + "x" + ow + (ac ? " aligned" : "");
        Tensor[] out = new Tensor[2], gi = new Tensor[2];
        for (int i = 0; i < 2; i++) {
            var be = i == 0 ? REF : CPU;
            out[i] = Tensor.zeros(n, c, oh, ow);
            be.upsample2d(x, Interpolation.BILINEAR, ac, sh, sw, out[i]);
            gi[i] = Tensor.full(3, n, c, h, w);
            be.upsample2dBackward(go, Interpolation.BILINEAR, ac, sh, sw, gi[i]);
        }
        close(out[0], out[1], 1e-5, "upsample " + what);
        // Each input pixel's gradient sums the output pixels it feeds, up to (oh/h + 1) x (ow/w + 1) of them, in
        // another order than the reference does: float32 rounding grows with the square root of that count.
        double fanIn = (Math.ceil((double) oh / h) + 1) * (Math.ceil((double) ow / w) + 1);
        close(gi[0], gi[1], 1e-5 * Math.sqrt(fanIn), "upsample backward " + what);
    }

    /** |e - a| <= tol · (1 + |e|) elementwise. */
    private static void close(Tensor expected, Tensor actual, double tol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++)
            if (!(Math.abs(e[i] - a[i]) <= tol * (1 + Math.abs(e[i]))))
                fail(what + " (" + Simd.describe() + "): element " + i + " expected " + e[i] + " got " + a[i]);
    }
}

package gradwerk.tensor.nn;

import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.cpu.Parallel;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import static gradwerk.tensor.nn.NnTesting.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Upsampling, grid_sample and affine_grid: fast kernels vs the reference (every mode/padding/alignment), gradients
 * vs finite differences (input AND grid), and hand-checked coordinate conventions.
 */
class SamplingProperties {

    // ================================================================ upsample

    @Property(tries = 150)
    void upsampleMatchesTheReference(@ForAll long seed) {
        Generator g = new Generator(seed);
        DType dt = g.nextInt(2) == 0 ? DType.FLOAT32 : DType.FLOAT64;
        Interpolation mode = g.nextInt(2) == 0 ? Interpolation.NEAREST : Interpolation.BILINEAR;
        boolean align = mode == Interpolation.BILINEAR && g.nextInt(2) == 0;
        int n = 1 + g.nextInt(2), c = 1 + g.nextInt(3), h = 1 + g.nextInt(7), w = 1 + g.nextInt(7);
        double factor = new double[] {0, 0, 2, 0.5, 1.5, 1.7, 3}[g.nextInt(7)];
        int oh = factor > 0 ? (int) Math.floor(h * factor) : 1 + g.nextInt(12);
        int ow = factor > 0 ? (int) Math.floor(w * factor) : 1 + g.nextInt(12);
        if (oh < 1 || ow < 1) { oh = Math.max(oh, 1); ow = Math.max(ow, 1); factor = 0; }
        double sh = Sampling.scale(mode, align, h, oh, factor), sw = Sampling.scale(mode, align, w, ow, factor);
        String what = mode + (align ? " aligned " : " ") + h + "x" + w + " -> " + oh + "x" + ow + " factor " + factor + " " + dt;
        Tensor x = strided(randn(dt, seed, n, c, h, w), seed);
        // the fast outputs start as NaN: the kernels overwrite every element (Sampling allocates them unfilled)
        Tensor a = Tensor.full(dt, Double.NaN, n, c, oh, ow), b = Tensor.zeros(dt, n, c, oh, ow);
        FAST.upsample2d(x, mode, align, sh, sw, a);
        REFERENCE.upsample2d(x, mode, align, sh, sw, b);
        assertClose(b, a, tol(dt), "upsample " + what);
        Tensor go = strided(randn(dt, ~seed, n, c, oh, ow), seed + 1);
        Tensor ga = Tensor.full(dt, Double.NaN, n, c, h, w), gb = Tensor.zeros(dt, n, c, h, w);
        FAST.upsample2dBackward(go, mode, align, sh, sw, ga);
        REFERENCE.upsample2dBackward(go, mode, align, sh, sw, gb);
        assertClose(gb, ga, tol(dt) * 4, "upsample backward " + what);
    }

    @Property(tries = 30)
    void upsampleBackwardMatchesFiniteDifferences(@ForAll long seed) {
        Generator g = new Generator(seed);
        Interpolation mode = g.nextInt(2) == 0 ? Interpolation.NEAREST : Interpolation.BILINEAR;
        boolean align = mode == Interpolation.BILINEAR && g.nextInt(2) == 0;
        int h = 1 + g.nextInt(5), w = 1 + g.nextInt(5), oh = 1 + g.nextInt(9), ow = 1 + g.nextInt(9);
        Tensor x = randn(DType.FLOAT64, seed, 2, 2, h, w), go = randn(DType.FLOAT64, ~seed, 2, 2, oh, ow);
        checkVjp(t -> Sampling.upsample(t, oh, ow, mode, align), x, go, Sampling.upsampleBackward(go, x.shape(), mode, align),
                "upsample " + mode + " " + align);
    }

    @Test
    void upsampleCoordinateConventions() {
        Tensor x = Tensor.of(new float[] {0, 1}, 1, 1, 1, 2);
        assertValues(new double[] {0, 0.5, 1}, Sampling.upsample(x, 1, 3, Interpolation.BILINEAR, true), 1e-7, "aligned 2->3");
        // not aligned, 2->4: sources -0.25 (clamped to 0), 0.25, 0.75, 1.25 (right neighbour clamped)
        assertValues(new double[] {0, 0.25, 0.75, 1}, Sampling.upsample(x, 1, 4, Interpolation.BILINEAR, false), 1e-7, "2->4");
        assertValues(new double[] {0, 0.25, 0.75, 1}, Sampling.upsample(x, 2.0, Interpolation.BILINEAR, false).narrow(2, 0, 1),
                1e-7, "scale 2");
        Tensor y = Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 1, 4);
        // nearest: floor(o * in/out): 2->3 reads 0, 0, 1; 4->2 reads 0, 2
        assertValues(new double[] {1, 1, 2}, Sampling.upsample(y.narrow(3, 0, 2), 1, 3, Interpolation.NEAREST, false), 0, "2->3");
        assertValues(new double[] {1, 3}, Sampling.upsample(y, 1, 2, Interpolation.NEAREST, false), 0, "4->2");
        assertValues(new double[] {2, 1}, Sampling.upsampleBackward(Tensor.ones(1, 1, 1, 3), new int[] {1, 1, 1, 2},
                Interpolation.NEAREST, false), 0, "nearest backward counts the copies");
        var e = assertThrows(IllegalArgumentException.class, () -> Sampling.upsample(x, 2, 2, Interpolation.NEAREST, true));
        assertEquals("upsample: alignCorners only applies to bilinear interpolation", e.getMessage());
    }

    // ================================================================ grid_sample

    record GridCase(int n, int c, int h, int w, int oh, int ow, Interpolation mode, GridPadding padding, boolean align,
                    DType dt) {
        static GridCase random(long seed) {
            Generator g = new Generator(seed);
            return new GridCase(1 + g.nextInt(3), 1 + g.nextInt(4), 1 + g.nextInt(6), 1 + g.nextInt(6), 1 + g.nextInt(4),
                    1 + g.nextInt(5), g.nextInt(2) == 0 ? Interpolation.NEAREST : Interpolation.BILINEAR,
                    g.nextInt(2) == 0 ? GridPadding.ZEROS : GridPadding.BORDER, g.nextInt(2) == 0,
                    g.nextInt(2) == 0 ? DType.FLOAT32 : DType.FLOAT64);
        }
    }

    /** Normalised coordinate of pixel coordinate p along an axis of the given size (the inverse of unnormalize). */
    static double normalise(double p, int size, boolean align) {
        return align ? (size == 1 ? 0 : p * 2 / (size - 1) - 1) : (2 * p + 1) / size - 1;
    }

    /** A grid with random points in and around the image, plus exact pixel centres, edges, ±1 and a NaN. */
    static Tensor anyGrid(GridCase k, long seed) {
        Generator g = new Generator(seed);
        double[] v = new double[k.n * k.oh * k.ow * 2];
        for (int i = 0; i < v.length; i++) {
            int size = i % 2 == 0 ? k.w : k.h;
            v[i] = switch (g.nextInt(8)) {
                case 0 -> normalise(g.nextInt(size), size, k.align);          // exactly on a pixel centre
                case 1 -> new double[] {-1, 1, 0}[g.nextInt(3)];
                case 2 -> normalise(g.nextInt(size + 1) - 0.5, size, k.align); // exactly half way (nearest ties)
                case 3 -> g.nextInt(50) == 0 ? Double.NaN : 3 * (g.nextDouble() - 0.5);
                default -> 2.6 * (g.nextDouble() - 0.5);
            };
        }
        return Tensor.of(v, k.n, k.oh, k.ow, 2).to(k.dt);
    }

    @Property(tries = 200)
    void gridSampleMatchesTheReferenceInEveryMode(@ForAll long seed) {
        GridCase k = GridCase.random(seed);
        int threads = Parallel.threads();
        try {
            Parallel.setThreads(1 + (int) Math.floorMod(seed, 4)); // the backward pass splits channels when N < threads
            Tensor x = strided(randn(k.dt, seed, k.n, k.c, k.h, k.w), seed);
            Tensor grid = strided(anyGrid(k, ~seed), seed + 1);
            Tensor a = Tensor.zeros(k.dt, k.n, k.c, k.oh, k.ow), b = Tensor.zeros(k.dt, k.n, k.c, k.oh, k.ow);
            FAST.gridSample2d(x, grid, k.mode, k.padding, k.align, a);
            REFERENCE.gridSample2d(x, grid, k.mode, k.padding, k.align, b);
            assertClose(b, a, tol(k.dt), "grid_sample " + k);
            Tensor go = strided(randn(k.dt, seed + 2, k.n, k.c, k.oh, k.ow), seed + 3);
            Tensor gia = Tensor.zeros(k.dt, x.shape()), gib = Tensor.zeros(k.dt, x.shape());
            Tensor gga = Tensor.full(k.dt, 7, grid.shape()), ggb = Tensor.full(k.dt, 7, grid.shape());
            FAST.gridSample2dBackward(go, x, grid, k.mode, k.padding, k.align, gia, gga);
            REFERENCE.gridSample2dBackward(go, x, grid, k.mode, k.padding, k.align, gib, ggb);
            assertClose(gib, gia, tol(k.dt) * 4, "grid_sample grad input " + k);
            assertClose(ggb, gga, tol(k.dt) * 8, "grid_sample grad grid " + k);
            // asking for one gradient only gives the same numbers
            Tensor only = Tensor.zeros(k.dt, grid.shape());
            FAST.gridSample2dBackward(go, x, grid, k.mode, k.padding, k.align, null, only);
            assertClose(gga, only, 0, "grid gradient alone " + k);
        } finally {
            Parallel.setThreads(threads);
        }
    }

    /**
     * A grid for finite differences: pixel coordinates k + u with u in [0.1, 0.9] (away from the integer
     * coordinates where bilinear weights have kinks, and for nearest away from the half-way points), and for
     * border padding either well inside [0, size-1] or clearly clamped.
     */
    static Tensor smoothGrid(GridCase k, long seed) {
        Generator g = new Generator(seed);
        double[] v = new double[k.n * k.oh * k.ow * 2];
        for (int i = 0; i < v.length; i++) {
            int size = i % 2 == 0 ? k.w : k.h;
            double u = k.mode == Interpolation.NEAREST ? (g.nextInt(2) == 0 ? 0.1 : 0.6) + 0.3 * g.nextDouble()
                    : 0.1 + 0.8 * g.nextDouble();
            double p;
            if (k.padding == GridPadding.BORDER && size >= 2 && g.nextInt(4) > 0) p = g.nextInt(size - 1) + u;
            else if (k.padding == GridPadding.BORDER) p = g.nextInt(2) == 0 ? -1 - u : size + u;      // clamped
            else p = g.nextInt(size + 3) - 2 + u;                                                      // around the image
            v[i] = normalise(p, size, k.align);
        }
        return Tensor.of(v, k.n, k.oh, k.ow, 2);
    }

    @Property(tries = 80)
    void gridSampleGradientsMatchFiniteDifferences(@ForAll long seed) {
        GridCase k = GridCase.random(seed);
        Tensor x = randn(DType.FLOAT64, seed, k.n, k.c, k.h, k.w), grid = smoothGrid(k, ~seed);
        Tensor go = randn(DType.FLOAT64, seed + 1, k.n, k.c, k.oh, k.ow);
        var grads = Sampling.gridSampleBackward(go, x, grid, k.mode, k.padding, k.align, true, true);
        checkVjp(t -> Sampling.gridSample(t, grid, k.mode, k.padding, k.align), x, go, grads.input(), "d input " + k);
        checkVjp(t -> Sampling.gridSample(x, t, k.mode, k.padding, k.align), grid, go, grads.grid(), "d grid " + k);
    }

    @Test
    void gridSampleCoordinateConventions() {
        // 2x3 image with values 1..6; corners of the grid (±1, ±1)
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 1, 1, 2, 3);
        Tensor corners = Tensor.of(new double[] {-1, -1, 1, -1, -1, 1, 1, 1}, 1, 2, 2, 2);
        // aligned: ±1 are the centres of the corner pixels
        assertValues(new double[] {1, 3, 4, 6}, grid(x, corners, Interpolation.BILINEAR, GridPadding.ZEROS, true), 1e-12, "aligned");
        // not aligned: ±1 are the outer edges, half a pixel outside every corner centre: a quarter of the corner
        // pixel with zeros padding, the corner pixel itself with border padding
        assertValues(new double[] {0.25, 0.75, 1, 1.5}, grid(x, corners, Interpolation.BILINEAR, GridPadding.ZEROS, false),
                1e-12, "edges, zeros");
        assertValues(new double[] {1, 3, 4, 6}, grid(x, corners, Interpolation.BILINEAR, GridPadding.BORDER, false), 1e-12,
                "edges, border");
        // the image centre (0, 0) is pixel (1, 0.5): the mean of 2 and 5
        Tensor centre = Tensor.of(new double[] {0, 0}, 1, 1, 1, 2);
        assertValues(new double[] {3.5}, grid(x, centre, Interpolation.BILINEAR, GridPadding.ZEROS, false), 1e-12, "centre");
        // nearest rounds half to even: pixel x = 0.5 -> 0, 1.5 -> 2 (aligned, W = 3: x = -0.5 and 0.5)
        Tensor halves = Tensor.of(new double[] {-0.5, -1, 0.5, -1}, 1, 1, 2, 2);
        assertValues(new double[] {1, 3}, grid(x, halves, Interpolation.NEAREST, GridPadding.ZEROS, true), 0, "half to even");
        // far outside: zeros gives 0, border gives the edge pixel, and the clamped coordinate has no gradient
        Tensor far = Tensor.of(new double[] {3, 0.3}, 1, 1, 1, 2);
        assertValues(new double[] {0}, grid(x, far, Interpolation.BILINEAR, GridPadding.ZEROS, true), 0, "outside, zeros");
        var gb = Sampling.gridSampleBackward(Tensor.ones(DType.FLOAT64, 1, 1, 1, 1), x, far, Interpolation.BILINEAR,
                GridPadding.BORDER, true, true, true);
        assertEquals(0.0, gb.grid().get(0, 0, 0, 0), 0.0, "clamped x: zero gradient");
        assertEquals(1.5, gb.grid().get(0, 0, 0, 1), 1e-12, "y still moves the sample: (6-3) * (H-1)/2");
        assertValues(new double[] {0, 0, 0.35, 0, 0, 0.65}, gb.input(), 1e-12, "scatter onto the right column");
    }

    /**
     * Taps outside the image contribute nothing, even next to non-finite pixels: the float32 forward reads outside
     * taps from a zero border (weight times 0) and must not reach an inf or NaN through a neighbouring tap.
     */
    @Test
    void outsideTapsNeverReadTheImage() {
        float inf = Float.POSITIVE_INFINITY;
        // 2 x 3 image, float32, with inf and NaN in the corners next to where the outside points land
        Tensor x = Tensor.of(new float[] {inf, 2, Float.NaN, 4, 5, inf}, 1, 1, 2, 3);
        // aligned, W = 3, H = 2 (pixel x = gx + 1, y = (gy + 1) / 2): x = -2 (both columns left of the image),
        // x = 5 (right of it), y = 3 (below it), and x = -0.5 on row 1, whose only tap inside is pixel (0, 1) = 4
        Tensor far = Tensor.of(new double[] {-3, -1, 4, 1, 0, 5, -1.5, 1}, 1, 1, 4, 2).to(DType.FLOAT32);
        assertValues(new double[] {0, 0, 0, 2}, grid(x, far, Interpolation.BILINEAR, GridPadding.ZEROS, true), 0,
                "bilinear, outside taps");
        // nearest: -0.5 rounds to -0, which is column 0
        assertValues(new double[] {0, 0, 0, 4}, grid(x, far, Interpolation.NEAREST, GridPadding.ZEROS, true), 0,
                "nearest, outside pixels");
    }

    private static Tensor grid(Tensor x, Tensor g, Interpolation mode, GridPadding padding, boolean align) {
        return Sampling.gridSample(x, g, mode, padding, align);
    }

    // ================================================================ grid_sample contractions

    /** A bilinear case with 1-40 channels (SIMD bodies and tails at every width); S = ow, Q = oh. */
    private static GridCase contractionCase(long seed) {
        GridCase k = GridCase.random(seed);
        return new GridCase(k.n(), 1 + new Generator(~seed).nextInt(40), k.h(), k.w(), k.oh(), k.ow(),
                Interpolation.BILINEAR, k.padding(), k.align(), k.dt());
    }

    @Property(tries = 150)
    void gridContractionsMatchTheReference(@ForAll long seed) {
        GridCase k = contractionCase(seed);
        int threads = Parallel.threads();
        try {
            Parallel.setThreads(1 + (int) Math.floorMod(seed, 4)); // the input gradient splits channels when N < threads
            Tensor x = strided(randn(k.dt(), seed, k.n(), k.c(), k.h(), k.w()), seed);
            Tensor grid = strided(anyGrid(k, ~seed), seed + 1);
            Tensor p = strided(randn(k.dt(), seed + 2, k.n(), k.c(), k.oh()), seed + 3);
            Tensor w = strided(randn(k.dt(), seed + 4, k.n(), k.oh(), k.ow()), seed + 5);
            Tensor da = Tensor.zeros(k.dt(), k.n(), k.oh(), k.ow()), db = Tensor.zeros(k.dt(), k.n(), k.oh(), k.ow());
            FAST.gridSampleDot(p, x, grid, k.padding(), k.align(), da);
            REFERENCE.gridSampleDot(p, x, grid, k.padding(), k.align(), db);
            assertClose(db, da, tol(k.dt()) * 4, "gridSampleDot " + k);
            Tensor ma = Tensor.zeros(k.dt(), k.n(), k.c(), k.oh()), mb = Tensor.zeros(k.dt(), k.n(), k.c(), k.oh());
            FAST.gridSampleMix(w, x, grid, k.padding(), k.align(), ma);
            REFERENCE.gridSampleMix(w, x, grid, k.padding(), k.align(), mb);
            assertClose(mb, ma, tol(k.dt()) * 4, "gridSampleMix " + k);
            Tensor gia = Tensor.full(k.dt(), 7, x.shape()), gib = Tensor.full(k.dt(), 7, x.shape());
            Tensor gga = Tensor.full(k.dt(), 7, grid.shape()), ggb = Tensor.full(k.dt(), 7, grid.shape());
            FAST.gridSampleContractBackward(p, w, x, grid, k.padding(), k.align(), gia, gga);
            REFERENCE.gridSampleContractBackward(p, w, x, grid, k.padding(), k.align(), gib, ggb);
            assertClose(gib, gia, tol(k.dt()) * 8, "gridSampleContractBackward input " + k);
            assertClose(ggb, gga, tol(k.dt()) * 16, "gridSampleContractBackward grid " + k);
            Tensor only = Tensor.full(k.dt(), 7, grid.shape());
            FAST.gridSampleContractBackward(p, w, x, grid, k.padding(), k.align(), null, only);
            assertClose(gga, only, 0, "grid gradient alone " + k);
        } finally {
            Parallel.setThreads(threads);
        }
    }

    @Test
    void gridContractionsAreTheComposedOps() {
        GridCase k = new GridCase(2, 19, 5, 6, 7, 4, Interpolation.BILINEAR, GridPadding.BORDER, true, DType.FLOAT32);
        Tensor x = randn(k.dt(), 1, 2, 19, 5, 6), grid = anyGrid(k, 2), p = randn(k.dt(), 3, 2, 19, 7), w = randn(k.dt(), 4, 2, 7, 4);
        Tensor sampled = Sampling.gridSample(x, grid, Interpolation.BILINEAR, GridPadding.BORDER, true); // [N,C,Q,S]
        assertClose(sampled.mul(p.unsqueeze(3)).sum(1), Sampling.gridSampleDot(p, x, grid, GridPadding.BORDER, true), 1e-5,
                "dot = (gridSample · p).sum over channels");
        assertClose(sampled.mul(w.unsqueeze(1)).sum(3), Sampling.gridSampleMix(w, x, grid, GridPadding.BORDER, true), 1e-5,
                "mix = (gridSample · w).sum over slots");
        var composed = Sampling.gridSampleBackward(p.unsqueeze(3).mul(w.unsqueeze(1)), x, grid, Interpolation.BILINEAR,
                GridPadding.BORDER, true, true, true);
        var fused = Sampling.gridSampleContractBackward(p, w, x, grid, GridPadding.BORDER, true, true, true);
        assertClose(composed.input(), fused.input(), 1e-5, "input gradient");
        assertClose(composed.grid(), fused.grid(), 1e-4, "grid gradient");
        var e = assertThrows(IllegalArgumentException.class,
                () -> Sampling.gridSampleDot(p.narrow(2, 0, 6), x, grid, GridPadding.BORDER, true));
        assertEquals("gridSampleDot: p [2,19,6] must have shape [2,19,7]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Sampling.gridSampleMix(w, x, grid.select(3, 0), GridPadding.BORDER, true));
        assertEquals("gridSampleMix: grid [2,7,4] must be 4-d [N,Q,S,2]", e.getMessage());
    }

    @Property(tries = 40)
    void gridContractionGradientsMatchFiniteDifferences(@ForAll long seed) {
        GridCase k = contractionCase(seed);
        k = new GridCase(k.n(), 1 + k.c() % 5, k.h(), k.w(), k.oh(), k.ow(), k.mode(), k.padding(), k.align(), DType.FLOAT64);
        GridCase kk = k;
        Tensor x = randn(DType.FLOAT64, seed, k.n(), k.c(), k.h(), k.w()), grid = smoothGrid(k, ~seed);
        Tensor p = randn(DType.FLOAT64, seed + 1, k.n(), k.c(), k.oh()), w = randn(DType.FLOAT64, seed + 2, k.n(), k.oh(), k.ow());
        Tensor gDot = randn(DType.FLOAT64, seed + 3, k.n(), k.oh(), k.ow()), gMix = randn(DType.FLOAT64, seed + 4, k.n(), k.c(), k.oh());
        GridPadding pad = k.padding();
        boolean ac = k.align();
        // Dot(p) with output gradient g: d/dp = Mix(g); d/dinput and d/dgrid = the contraction's backward with w = g
        var dotGrads = Sampling.gridSampleContractBackward(p, gDot, x, grid, pad, ac, true, true);
        checkVjp(t -> Sampling.gridSampleDot(t, x, grid, pad, ac), p, gDot, Sampling.gridSampleMix(gDot, x, grid, pad, ac), "dot d p " + kk);
        checkVjp(t -> Sampling.gridSampleDot(p, t, grid, pad, ac), x, gDot, dotGrads.input(), "dot d input " + kk);
        checkVjp(t -> Sampling.gridSampleDot(p, x, t, pad, ac), grid, gDot, dotGrads.grid(), "dot d grid " + kk);
        // Mix(w) with output gradient g: d/dw = Dot(g); d/dinput and d/dgrid with p = g
        var mixGrads = Sampling.gridSampleContractBackward(gMix, w, x, grid, pad, ac, true, true);
        checkVjp(t -> Sampling.gridSampleMix(t, x, grid, pad, ac), w, gMix, Sampling.gridSampleDot(gMix, x, grid, pad, ac), "mix d w " + kk);
        checkVjp(t -> Sampling.gridSampleMix(w, t, grid, pad, ac), x, gMix, mixGrads.input(), "mix d input " + kk);
        checkVjp(t -> Sampling.gridSampleMix(w, x, t, pad, ac), grid, gMix, mixGrads.grid(), "mix d grid " + kk);
    }

    // ================================================================ affine_grid

    @Test
    void affineGridOfTheIdentityIsTheBaseGrid() {
        Tensor identity = Tensor.of(new double[] {1, 0, 0, 0, 1, 0}, 1, 2, 3);
        assertValues(new double[] {-1, -1, 0, -1, 1, -1, -1, 1, 0, 1, 1, 1},
                Sampling.affineGrid(identity, new int[] {1, 1, 2, 3}, true), 1e-12, "aligned");
        double t = 2.0 / 3;
        assertValues(new double[] {-t, -.5, 0, -.5, t, -.5, -t, .5, 0, .5, t, .5},
                Sampling.affineGrid(identity, new int[] {1, 1, 2, 3}, false), 1e-12, "not aligned");
        // sampling with the identity grid reproduces the image (both conventions)
        Tensor x = randn(DType.FLOAT64, 3, 2, 3, 4, 5);
        for (boolean align : new boolean[] {true, false}) {
            Tensor id = Tensor.of(new double[] {1, 0, 0, 0, 1, 0}, 1, 2, 3).expand(2, 2, 3);
            Tensor g = Sampling.affineGrid(id, new int[] {2, 3, 4, 5}, align);
            assertClose(x, Sampling.gridSample(x, g, Interpolation.BILINEAR, GridPadding.ZEROS, align), 1e-12, "identity");
        }
    }

    @Property(tries = 30)
    void affineGridBackwardMatchesFiniteDifferences(@ForAll long seed) {
        Generator g = new Generator(seed);
        int[] size = {1 + g.nextInt(3), 1, 1 + g.nextInt(5), 1 + g.nextInt(5)};
        boolean align = g.nextInt(2) == 0;
        Tensor theta = randn(DType.FLOAT64, seed, size[0], 2, 3), gg = randn(DType.FLOAT64, ~seed, size[0], size[2], size[3], 2);
        checkVjp(t -> Sampling.affineGrid(t, size, align), theta, gg, Sampling.affineGridBackward(gg, size, align), "affine");
    }
}

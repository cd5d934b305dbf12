package gradwerk.tensor.nn;

import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import static gradwerk.tensor.nn.NnTesting.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Max, average and adaptive pooling: fast kernels vs the reference, gradients vs finite differences, examples. */
class PoolProperties {

    /** A random pooling setup (padding at most half the kernel, output never empty). */
    record Setup(int n, int c, int h, int w, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceil,
                 DType dt, long layout) {
        static Setup random(long seed, boolean dilated) {
            Generator g = new Generator(seed);
            int kh = 1 + g.nextInt(4), kw = 1 + g.nextInt(4);
            int[] d = dilated ? new int[] {1 + g.nextInt(2), 1 + g.nextInt(2)} : new int[] {1, 1};
            int[] p = {g.nextInt(kh / 2 + 1), g.nextInt(kw / 2 + 1)};
            int h = Math.max(1 + g.nextInt(9), d[0] * (kh - 1) + 1 - 2 * p[0]);
            int w = Math.max(1 + g.nextInt(9), d[1] * (kw - 1) + 1 - 2 * p[1]);
            return new Setup(1 + g.nextInt(2), 1 + g.nextInt(3), h, w, new int[] {kh, kw},
                    new int[] {1 + g.nextInt(3), 1 + g.nextInt(3)}, p, d, g.nextInt(2) == 0,
                    g.nextInt(2) == 0 ? DType.FLOAT32 : DType.FLOAT64, g.nextLong());
        }

        Window2d win() {
            return new Window2d(kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1]);
        }

        int[] inShape() { return new int[] {n, c, h, w}; }

        int[] outShape() { return new int[] {n, c, win().outH(h, ceil), win().outW(w, ceil)}; }

        @Override
        public String toString() {
            return "pool " + java.util.Arrays.toString(inShape()) + " " + win() + (ceil ? " ceil" : "") + " " + dt;
        }
    }

    // ---------------------------------------------------------------- fast vs reference

    @Property(tries = 150)
    void maxPoolMatchesTheReferenceIncludingTies(@ForAll long seed) {
        Setup s = Setup.random(seed, true);
        // small integers: many ties, which must resolve to the first maximum in both implementations
        Tensor x = strided(Tensor.randint(new Generator(seed), -2, 3, s.inShape()).to(s.dt), s.layout);
        Tensor o1 = Tensor.zeros(s.dt, s.outShape()), i1 = Tensor.zeros(s.dt, s.outShape());
        Tensor o2 = Tensor.zeros(s.dt, s.outShape()), i2 = Tensor.zeros(s.dt, s.outShape());
        FAST.maxPool2d(x, s.win(), o1, i1);
        REFERENCE.maxPool2d(x, s.win(), o2, i2);
        assertClose(o2, o1, 0, "max " + s);
        assertClose(i2, i1, 0, "argmax " + s);
        Tensor g = strided(randn(s.dt, ~seed, s.outShape()), s.layout + 1);
        // the fast gradient starts as NaN: maxPool2dBackward overwrites it (Pool allocates it unfilled)
        Tensor b1 = Tensor.full(s.dt, Double.NaN, s.inShape()), b2 = Tensor.zeros(s.dt, s.inShape());
        FAST.maxPool2dBackward(g, i1, b1);
        REFERENCE.maxPool2dBackward(g, i2, b2);
        assertClose(b2, b1, tol(s.dt), "max backward " + s);
    }

    /**
     * The vectorised 2×2 / stride 2 path (float32), on rows wide enough for several vectors: small integers for
     * ties, some NaN and -inf, odd sizes (a column or row left over) and strided views.
     */
    @Property(tries = 60)
    void maxPool2x2MatchesTheReferenceIncludingTiesAndNaN(@ForAll long seed) {
        Generator g = new Generator(seed);
        int n = 1 + g.nextInt(2), c = 1 + g.nextInt(3), h = 2 + g.nextInt(19), w = 2 + g.nextInt(99);
        float[] data = new float[n * c * h * w];
        for (int i = 0; i < data.length; i++) {
            int r = g.nextInt(40);
            data[i] = r == 0 ? Float.NaN : r == 1 ? Float.NEGATIVE_INFINITY : g.nextInt(5) - 2;
        }
        Tensor x = strided(Tensor.of(data, n, c, h, w), g.nextLong());
        Window2d win = Window2d.square(2, 2, 0, 1);
        int[] out = {n, c, h / 2, w / 2};
        Tensor o1 = Tensor.zeros(out), i1 = Tensor.zeros(out), o2 = Tensor.zeros(out), i2 = Tensor.zeros(out);
        FAST.maxPool2d(x, win, o1, i1);
        REFERENCE.maxPool2d(x, win, o2, i2);
        String what = "2x2 pool " + n + "x" + c + "x" + h + "x" + w;
        assertClose(o2, o1, 0, "max " + what);
        assertClose(i2, i1, 0, "argmax " + what);
    }

    @Property(tries = 150)
    void avgPoolMatchesTheReference(@ForAll long seed) {
        Setup s = Setup.random(seed, false);
        boolean include = seed % 2 == 0;
        int divisor = seed % 5 == 0 ? 3 : 0;
        Tensor x = strided(randn(s.dt, seed, s.inShape()), s.layout);
        Tensor o1 = Tensor.zeros(s.dt, s.outShape()), o2 = Tensor.zeros(s.dt, s.outShape());
        FAST.avgPool2d(x, s.win(), include, divisor, o1);
        REFERENCE.avgPool2d(x, s.win(), include, divisor, o2);
        assertClose(o2, o1, tol(s.dt), "avg " + s);
        Tensor g = strided(randn(s.dt, ~seed, s.outShape()), s.layout + 1);
        Tensor b1 = Tensor.zeros(s.dt, s.inShape()), b2 = Tensor.zeros(s.dt, s.inShape());
        FAST.avgPool2dBackward(g, s.win(), include, divisor, b1);
        REFERENCE.avgPool2dBackward(g, s.win(), include, divisor, b2);
        assertClose(b2, b1, tol(s.dt), "avg backward " + s);
    }

    @Property(tries = 100)
    void adaptiveAvgPoolMatchesTheReference(@ForAll long seed) {
        Setup s = Setup.random(seed, false);
        Generator g = new Generator(seed);
        int oh = 1 + g.nextInt(s.h + 3), ow = 1 + g.nextInt(s.w + 3); // smaller and larger than the input
        Tensor x = strided(randn(s.dt, seed, s.inShape()), s.layout);
        Tensor o1 = Tensor.zeros(s.dt, s.n, s.c, oh, ow), o2 = Tensor.zeros(s.dt, s.n, s.c, oh, ow);
        FAST.adaptiveAvgPool2d(x, o1);
        REFERENCE.adaptiveAvgPool2d(x, o2);
        assertClose(o2, o1, tol(s.dt), "adaptive " + s);
        Tensor gr = strided(randn(s.dt, ~seed, s.n, s.c, oh, ow), s.layout + 1);
        Tensor b1 = Tensor.zeros(s.dt, s.inShape()), b2 = Tensor.zeros(s.dt, s.inShape());
        FAST.adaptiveAvgPool2dBackward(gr, b1);
        REFERENCE.adaptiveAvgPool2dBackward(gr, b2);
        assertClose(b2, b1, tol(s.dt), "adaptive backward " + s);
    }

    // ---------------------------------------------------------------- gradients vs finite differences

    @Property(tries = 40)
    void poolingGradientsMatchFiniteDifferences(@ForAll long seed) {
        Setup s = Setup.random(seed, true);
        DType d = DType.FLOAT64;
        Tensor x = randn(d, seed, s.inShape()); // distinct values: the argmax is stable under tiny perturbations
        Pool.MaxPoolResult r;
        try {
            r = Pool.maxPool2dWithIndices(x, s.kernel, s.stride, s.padding, s.dilation, s.ceil);
        } catch (IllegalArgumentException e) { // a dilated window entirely in the padding: rejected (see errorsNameTheOp)
            Assume.that(false);
            return;
        }
        Tensor g = randn(d, ~seed, r.output().shape());
        checkVjp(t -> Pool.maxPool2dWithIndices(t, s.kernel, s.stride, s.padding, s.dilation, s.ceil).output(), x, g,
                Pool.maxPool2dBackward(g, r.indices(), x.shape()), "max pool " + s);

        boolean include = seed % 2 == 0;
        int divisor = seed % 5 == 0 ? 2 : 0;
        Tensor avg = Pool.avgPool2d(x, s.kernel, s.stride, s.padding, s.ceil, include, divisor);
        Tensor ga = randn(d, seed + 5, avg.shape());
        checkVjp(t -> Pool.avgPool2d(t, s.kernel, s.stride, s.padding, s.ceil, include, divisor), x, ga,
                Pool.avgPool2dBackward(ga, x.shape(), s.kernel, s.stride, s.padding, s.ceil, include, divisor), "avg pool " + s);

        int oh = 1 + (int) Math.floorMod(seed, s.h + 2), ow = 1 + (int) Math.floorMod(seed >> 8, s.w + 2);
        Tensor gd = randn(d, seed + 6, s.n, s.c, oh, ow);
        checkVjp(t -> Pool.adaptiveAvgPool2d(t, oh, ow), x, gd, Pool.adaptiveAvgPool2dBackward(gd, x.shape()),
                "adaptive pool " + s);
    }

    // ---------------------------------------------------------------- hand-checked semantics

    @Test
    void maxPoolKeepsTheFirstMaximumAndPropagatesNaN() {
        Tensor x = Tensor.of(new float[] {0, 2, 2, 0, 1, 1, 1, 1}, 1, 2, 2, 2);
        var r = Pool.maxPool2dWithIndices(x, new int[] {2}, null, new int[] {0}, new int[] {1}, false);
        assertValues(new double[] {2, 1}, r.output(), 0, "max");
        assertValues(new double[] {1, 0}, r.indices(), 0, "first max (row-major) wins ties");
        // gradient: overlapping windows (stride 1) that pick the same pixel add up
        Tensor y = Tensor.of(new float[] {1, 5, 2, 0, 0, 0, 0, 0, 0}, 1, 1, 3, 3);
        var r2 = Pool.maxPool2dWithIndices(y, new int[] {2}, new int[] {1}, new int[] {0}, new int[] {1}, false);
        assertValues(new double[] {1, 1, 3, 4}, r2.indices(), 0, "indices (all-zero windows: their first pixel)");
        assertValues(new double[] {0, 2, 0, 1, 1, 0, 0, 0, 0},
                Pool.maxPool2dBackward(Tensor.ones(1, 1, 2, 2), r2.indices(), y.shape()).sum(0, 1), 0, "scatter-add");
        Tensor nan = Tensor.of(new float[] {1, Float.NaN, 3, 4}, 1, 1, 2, 2);
        var r3 = Pool.maxPool2dWithIndices(nan, new int[] {2}, null, new int[] {0}, new int[] {1}, false);
        assertEquals(Double.NaN, r3.output().item());
        assertEquals(1.0, r3.indices().item());
    }

    @Test
    void ceilModeAndPaddingDivisors() {
        Tensor row = Tensor.of(new float[] {1, 2, 3, 4, 5}, 1, 1, 1, 5);
        // ceil mode keeps the last half window and divides by its clipped size
        assertValues(new double[] {1.5, 3.5, 5}, Pool.avgPool2d(row, new int[] {1, 2}, new int[] {1, 2}, new int[] {0}, true,
                true, 0), 1e-7, "ceil avg");
        assertValues(new double[] {1.5, 3.5}, Pool.avgPool2d(row, new int[] {1, 2}, new int[] {1, 2}, new int[] {0}, false,
                true, 0), 1e-7, "floor avg");
        var m = Pool.maxPool2dWithIndices(row, new int[] {1, 2}, new int[] {1, 2}, new int[] {0}, new int[] {1}, true);
        assertValues(new double[] {2, 4, 5}, m.output(), 0, "ceil max");
        Tensor ones = Tensor.ones(1, 1, 2, 2);
        assertValues(new double[] {.25, .5, .25, .5, 1, .5, .25, .5, .25},
                Pool.avgPool2d(ones, new int[] {2}, new int[] {1}, new int[] {1}, false, true, 0), 1e-7, "count padding");
        assertValues(new double[] {1, 1, 1, 1, 1, 1, 1, 1, 1},
                Pool.avgPool2d(ones, new int[] {2}, new int[] {1}, new int[] {1}, false, false, 0), 1e-7, "skip padding");
        assertValues(new double[] {1 / 3.0, 2 / 3.0, 1 / 3.0, 2 / 3.0, 4 / 3.0, 2 / 3.0, 1 / 3.0, 2 / 3.0, 1 / 3.0},
                Pool.avgPool2d(ones, new int[] {2}, new int[] {1}, new int[] {1}, false, false, 3), 1e-7, "divisor override");
    }

    @Test
    void adaptiveBinsRunFromFloorToCeil() {
        // H=5 into 3 bins: rows [floor(0*5/3), ceil(5/3)) = [0,2), [1,4), [3,5)
        Tensor col = Tensor.of(new float[] {1, 2, 3, 4, 5}, 1, 1, 5, 1);
        assertValues(new double[] {1.5, 3, 4.5}, Pool.adaptiveAvgPool2d(col, 3, 1), 1e-7, "5 -> 3");
        // upsampling bins: 2 -> 3 gives [0,1), [0,2), [1,2)
        Tensor two = Tensor.of(new float[] {2, 4}, 1, 1, 1, 2);
        assertValues(new double[] {2, 3, 4}, Pool.adaptiveAvgPool2d(two, 1, 3), 1e-7, "2 -> 3");
        assertValues(new double[] {1.5, 1.5}, Pool.adaptiveAvgPool2dBackward(Tensor.ones(1, 1, 1, 3), two.shape()), 1e-7,
                "2 -> 3 backward");
    }

    @Test
    void errorsNameTheOp() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Pool.maxPool2dWithIndices(Tensor.zeros(1, 1, 4, 4), new int[] {2}, null, new int[] {2}, new int[] {1}, false));
        assertEquals("maxPool2d: padding [2,2] must be at most half the kernel [2,2]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Pool.avgPool2d(Tensor.zeros(1, 1, 4), 2));
        assertEquals("avgPool2d: input [1,1,4] must be 4-d [N,C,H,W]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Pool.maxPool2dWithIndices(Tensor.zeros(1, 2, 1, 6),
                new int[] {2, 1}, new int[] {1, 2}, new int[] {1, 0}, new int[] {2, 1}, true));
        assertEquals("maxPool2d: with input [1,2,1,6] and kernel 2x1 stride 1x2 padding 1x0 dilation 2x1, the window at "
                + "output row 0 lies entirely in the padding", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Pool.maxPool2d(Tensor.zeros(1, 1, 1, 4), 2));
        assertEquals("maxPool2d: input [1,1,1,4] is too small for kernel 2x2 stride 2x2 padding 0x0 dilation 1x1 (output 0x2)",
                e.getMessage());
    }
}

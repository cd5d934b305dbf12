package gradwerk.tensor.nn;

import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.cpu.Parallel;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import static gradwerk.tensor.nn.NnTesting.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * conv2d and conv_transpose2d: the fast im2col/col2im against the reference, the ops against their textbook
 * definitions (direct loops written here), the backward passes against finite differences, and the adjoint
 * relation between the two ops.
 */
class ConvProperties {

    /** A random convolution setup whose output is never empty. */
    record Setup(int n, int groups, int cin, int cout, int h, int w, Window2d win, DType dt, boolean bias,
                 long layout) {
        static Setup random(long seed, int maxHw) {
            Generator g = new Generator(seed);
            int groups = 1 + g.nextInt(3);
            int kh = 1 + g.nextInt(3), kw = 1 + g.nextInt(3), sh = 1 + g.nextInt(3), sw = 1 + g.nextInt(3);
            int ph = g.nextInt(3), pw = g.nextInt(3), dh = 1 + g.nextInt(2), dw = 1 + g.nextInt(2);
            int h = Math.max(1 + g.nextInt(maxHw), dh * (kh - 1) + 1 - 2 * ph);
            int w = Math.max(1 + g.nextInt(maxHw), dw * (kw - 1) + 1 - 2 * pw);
            return new Setup(1 + g.nextInt(2), groups, groups * (1 + g.nextInt(3)), groups * (1 + g.nextInt(3)), h, w,
                    new Window2d(kh, kw, sh, sw, ph, pw, dh, dw), g.nextInt(2) == 0 ? DType.FLOAT32 : DType.FLOAT64,
                    g.nextInt(3) > 0, g.nextLong());
        }

        int[] stride() { return new int[] {win.sh(), win.sw()}; }
        int[] padding() { return new int[] {win.ph(), win.pw()}; }
        int[] dilation() { return new int[] {win.dh(), win.dw()}; }
        int oh() { return win.outH(h, false); }
        int ow() { return win.outW(w, false); }
        int[] weightShape() { return new int[] {cout, cin / groups, win.kh(), win.kw()}; }
    }

    // ---------------------------------------------------------------- fast kernels vs the reference

    @Property(tries = 150)
    void im2colAndCol2imMatchTheReference(@ForAll long seed) {
        Setup s = Setup.random(seed, 9);
        int rows = s.cin * s.win.kh() * s.win.kw();
        Tensor img = strided(randn(s.dt, seed, s.cin, s.h, s.w), s.layout);
        Tensor fast = Tensor.zeros(s.dt, rows, s.oh(), s.ow()), ref = Tensor.zeros(s.dt, rows, s.oh(), s.ow());
        FAST.im2col(img, s.win, fast);
        REFERENCE.im2col(img, s.win, ref);
        assertClose(ref, fast, 0, "im2col " + s);

        // col2im accumulates into an existing (strided) image
        Tensor cols = randn(s.dt, ~seed, rows, s.oh(), s.ow());
        Tensor start = randn(s.dt, seed + 1, s.cin, s.h, s.w);
        Tensor a = strided(start, s.layout + 1), b = strided(start, s.layout + 2);
        FAST.col2im(cols, s.win, a);
        REFERENCE.col2im(cols, s.win, b);
        assertClose(b, a, tol(s.dt), "col2im " + s);
    }

    @Property(tries = 50)
    void col2imIsTheAdjointOfIm2col(@ForAll long seed) {
        Setup s = Setup.random(seed, 7);
        int rows = s.cin * s.win.kh() * s.win.kw();
        Tensor x = randn(DType.FLOAT64, seed, s.cin, s.h, s.w), c = randn(DType.FLOAT64, ~seed, rows, s.oh(), s.ow());
        Tensor cx = Tensor.zeros(DType.FLOAT64, rows, s.oh(), s.ow()), xc = Tensor.zeros(DType.FLOAT64, s.cin, s.h, s.w);
        FAST.im2col(x, s.win, cx);
        FAST.col2im(c, s.win, xc);
        assertEquals(dot(cx, c), dot(x, xc), 1e-9 * (1 + Math.abs(dot(cx, c))), "<im2col x, c> = <x, col2im c>");
    }

    @Property(tries = 60)
    void theThreeEnginesMatchTheReferenceOnAnyThreadCount(@ForAll long seed) {
        Setup s = Setup.random(seed, 9);
        int threads = Parallel.threads(), saved = ConvLowering.columnBudget;
        try {
            Parallel.setThreads(1 + (int) Math.floorMod(seed, 4));
            ConvLowering.columnBudget = seed % 2 == 0 ? 20 : saved;
            int g = s.groups, m = s.cout / g, k = s.cin / g * s.win.kh() * s.win.kw();
            Tensor x = strided(randn(s.dt, seed, s.n, s.cin, s.h, s.w), s.layout), a = randn(s.dt, seed + 1, g, m, k);
            Tensor b = s.bias ? randn(s.dt, seed + 2, s.cout) : null, dy = randn(s.dt, seed + 3, s.n, s.cout, s.oh(), s.ow());
            Tensor[] out = new Tensor[2], in = new Tensor[2], gw = new Tensor[2];
            for (int i = 0; i < 2; i++) {
                var be = i == 0 ? REFERENCE : FAST;
                out[i] = Tensor.zeros(s.dt, s.n, s.cout, s.oh(), s.ow());
                be.convUnfoldProduct(x, a, s.win, b, out[i]);
                in[i] = Tensor.ones(s.dt, s.n, s.cin, s.h, s.w);
                be.convFoldProduct(dy, a, s.win, in[i]);
                gw[i] = Tensor.ones(s.dt, g, m, k);
                be.convUnfoldWeightProduct(dy, x, s.win, gw[i]);
            }
            assertClose(out[0], out[1], tol(s.dt) * 4, "unfold product " + s);
            assertClose(in[0], in[1], tol(s.dt) * 4, "fold product " + s);
            assertClose(gw[0], gw[1], tol(s.dt) * 10, "weight product " + s);
        } finally {
            Parallel.setThreads(threads);
            ConvLowering.columnBudget = saved;
        }
    }

    // ---------------------------------------------------------------- conv2d

    /** conv2d by its definition: out[n,co,y,x] = b[co] + Σ x[n, g·Cg+ci, y·s-p+i·d, x·s-p+j·d] · w[co,ci,i,j]. */
    static Tensor definition(Tensor x, Tensor w, Tensor b, Window2d win, int groups) {
        int n0 = x.size(0), c0 = x.size(1), h = x.size(2), wd = x.size(3), co0 = w.size(0), cg = w.size(1);
        int oh = win.outH(h, false), ow = win.outW(wd, false), perGroup = co0 / groups;
        double[] xs = x.toDoubleArray(), ws = w.toDoubleArray(), bs = b == null ? null : b.toDoubleArray();
        double[] out = new double[n0 * co0 * oh * ow];
        for (int n = 0; n < n0; n++)
            for (int co = 0; co < co0; co++)
                for (int y = 0; y < oh; y++)
                    for (int xx = 0; xx < ow; xx++) {
                        double acc = bs == null ? 0 : bs[co];
                        for (int ci = 0; ci < cg; ci++)
                            for (int i = 0; i < win.kh(); i++)
                                for (int j = 0; j < win.kw(); j++) {
                                    int c = co / perGroup * cg + ci;
                                    int ih = y * win.sh() - win.ph() + i * win.dh(), iw = xx * win.sw() - win.pw() + j * win.dw();
                                    if (ih < 0 || ih >= h || iw < 0 || iw >= wd) continue;
                                    acc += xs[((n * c0 + c) * h + ih) * wd + iw] * ws[((co * cg + ci) * win.kh() + i) * win.kw() + j];
                                }
                        out[((n * co0 + co) * oh + y) * ow + xx] = acc;
                    }
        return Tensor.of(out, n0, co0, oh, ow);
    }

    @Property(tries = 120)
    void conv2dMatchesItsDefinition(@ForAll long seed) {
        Setup s = Setup.random(seed, 10);
        Tensor x = strided(randn(s.dt, seed, s.n, s.cin, s.h, s.w), s.layout);
        Tensor w = randn(s.dt, seed + 1, s.weightShape()), b = s.bias ? randn(s.dt, seed + 2, s.cout) : null;
        int saved = ConvLowering.columnBudget;
        try {
            ConvLowering.columnBudget = seed % 3 == 0 ? 7 : saved; // a tiny budget forces one band per output row
            Tensor y = Conv.conv2d(x, w, b, s.stride(), s.padding(), s.dilation(), s.groups);
            assertClose(definition(x, w, b, s.win, s.groups), y, tol(s.dt) * 4, "conv2d " + s);
        } finally {
            ConvLowering.columnBudget = saved;
        }
    }

    @Property(tries = 40)
    void conv2dBackwardMatchesFiniteDifferences(@ForAll long seed) {
        Setup s = Setup.random(seed, 6);
        DType d = DType.FLOAT64;
        Tensor x = randn(d, seed, s.n, s.cin, s.h, s.w), w = randn(d, seed + 1, s.weightShape());
        Tensor b = randn(d, seed + 2, s.cout);
        Tensor g = randn(d, seed + 3, s.n, s.cout, s.oh(), s.ow());
        int saved = ConvLowering.columnBudget;
        try {
            ConvLowering.columnBudget = seed % 2 == 0 ? 5 : saved;
            Tensor gx = Conv.conv2dBackwardInput(g, w, x.shape(), s.stride(), s.padding(), s.dilation(), s.groups);
            Tensor gw = Conv.conv2dBackwardWeight(g, strided(x, seed), s.weightShape(), s.stride(), s.padding(),
                    s.dilation(), s.groups);
            Tensor gb = Conv.convBackwardBias(g);
            checkVjp(t -> Conv.conv2d(t, w, b, s.stride(), s.padding(), s.dilation(), s.groups), x, g, gx, "conv2d dx " + s);
            checkVjp(t -> Conv.conv2d(x, t, b, s.stride(), s.padding(), s.dilation(), s.groups), w, g, gw, "conv2d dw " + s);
            checkVjp(t -> Conv.conv2d(x, w, t, s.stride(), s.padding(), s.dilation(), s.groups), b, g, gb, "conv2d db " + s);
        } finally {
            ConvLowering.columnBudget = saved;
        }
    }

    // ---------------------------------------------------------------- conv_transpose2d

    /** conv_transpose2d by its definition: every input pixel scatters x·w into the output window it maps to. */
    static Tensor transposeDefinition(Tensor x, Tensor w, Tensor b, Window2d win, int groups, int oh, int ow) {
        int n0 = x.size(0), ci0 = x.size(1), h = x.size(2), wd = x.size(3), cog = w.size(1), cig = ci0 / groups;
        int co0 = cog * groups;
        double[] xs = x.toDoubleArray(), ws = w.toDoubleArray(), bs = b == null ? null : b.toDoubleArray();
        double[] out = new double[n0 * co0 * oh * ow];
        for (int n = 0; n < n0; n++)
            for (int co = 0; co < co0; co++)
                for (int i = 0; i < oh * ow; i++) out[(n * co0 + co) * oh * ow + i] = bs == null ? 0 : bs[co];
        for (int n = 0; n < n0; n++)
            for (int ci = 0; ci < ci0; ci++)
                for (int y = 0; y < h; y++)
                    for (int xx = 0; xx < wd; xx++)
                        for (int k = 0; k < cog; k++)
                            for (int i = 0; i < win.kh(); i++)
                                for (int j = 0; j < win.kw(); j++) {
                                    int co = ci / cig * cog + k;
                                    int oy = y * win.sh() - win.ph() + i * win.dh(), ox = xx * win.sw() - win.pw() + j * win.dw();
                                    if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
                                    out[((n * co0 + co) * oh + oy) * ow + ox] += xs[((n * ci0 + ci) * h + y) * wd + xx]
                                            * ws[((ci * cog + k) * win.kh() + i) * win.kw() + j];
                                }
        return Tensor.of(out, n0, co0, oh, ow);
    }

    /** A transposed-convolution setup: input h×w, output padding below the stride or dilation. */
    static int[] outputPadding(Setup s, long seed) {
        Generator g = new Generator(seed);
        int a = g.nextInt(Math.max(s.win.sh(), s.win.dh())), b = g.nextInt(Math.max(s.win.sw(), s.win.dw()));
        return new int[] {a, b};
    }

    static int transposedSize(int in, int k, int s, int p, int d, int op) {
        return (in - 1) * s - 2 * p + d * (k - 1) + op + 1;
    }

    @Property(tries = 120)
    void convTranspose2dMatchesItsDefinition(@ForAll long seed) {
        Setup s = Setup.random(seed, 7);
        int[] op = outputPadding(s, seed);
        Window2d win = s.win;
        int oh = transposedSize(s.h, win.kh(), win.sh(), win.ph(), win.dh(), op[0]);
        int ow = transposedSize(s.w, win.kw(), win.sw(), win.pw(), win.dw(), op[1]);
        Assume.that(oh >= 1 && ow >= 1); // else too much padding for this input: the op rejects it
        Tensor x = strided(randn(s.dt, seed, s.n, s.cin, s.h, s.w), s.layout);
        Tensor w = randn(s.dt, seed + 1, s.cin, s.cout / s.groups, win.kh(), win.kw());
        Tensor b = s.bias ? randn(s.dt, seed + 2, s.cout) : null;
        int saved = ConvLowering.columnBudget;
        try {
            ConvLowering.columnBudget = seed % 3 == 0 ? 7 : saved;
            Tensor y = Conv.convTranspose2d(x, w, b, s.stride(), s.padding(), op, s.groups, s.dilation());
            assertClose(transposeDefinition(x, w, b, win, s.groups, oh, ow), y, tol(s.dt) * 4, "convTranspose2d " + s);
        } finally {
            ConvLowering.columnBudget = saved;
        }
    }

    @Property(tries = 40)
    void convTranspose2dBackwardMatchesFiniteDifferences(@ForAll long seed) {
        Setup s = Setup.random(seed, 5);
        int[] op = outputPadding(s, seed);
        Window2d win = s.win;
        int oh = transposedSize(s.h, win.kh(), win.sh(), win.ph(), win.dh(), op[0]);
        int ow = transposedSize(s.w, win.kw(), win.sw(), win.pw(), win.dw(), op[1]);
        Assume.that(oh >= 1 && ow >= 1);
        DType d = DType.FLOAT64;
        Tensor x = randn(d, seed, s.n, s.cin, s.h, s.w), w = randn(d, seed + 1, s.cin, s.cout / s.groups, win.kh(), win.kw());
        Tensor g = randn(d, seed + 3, s.n, s.cout, oh, ow);
        Tensor gx = Conv.convTranspose2dBackwardInput(g, w, x.shape(), s.stride(), s.padding(), op, s.groups, s.dilation());
        Tensor gw = Conv.convTranspose2dBackwardWeight(g, x, w.shape(), s.stride(), s.padding(), op, s.groups, s.dilation());
        checkVjp(t -> Conv.convTranspose2d(t, w, null, s.stride(), s.padding(), op, s.groups, s.dilation()), x, g, gx,
                "convTranspose2d dx " + s);
        checkVjp(t -> Conv.convTranspose2d(x, t, null, s.stride(), s.padding(), op, s.groups, s.dilation()), w, g, gw,
                "convTranspose2d dw " + s);
    }

    @Property(tries = 60)
    void convTransposeIsTheAdjointOfConv(@ForAll long seed) {
        Setup s = Setup.random(seed, 8);
        DType d = DType.FLOAT64;
        Tensor x = randn(d, seed, s.n, s.cin, s.h, s.w), w = randn(d, seed + 1, s.weightShape());
        Tensor y = randn(d, seed + 2, s.n, s.cout, s.oh(), s.ow());
        // conv2d maps [Cin,H,W] -> [Cout,oh,ow]; its adjoint is conv_transpose2d with the same weight, whose output
        // size (oh-1)s - 2p + d(k-1) + 1 + outputPadding must be H: pick the output padding that gives H
        int opH = s.h - transposedSize(s.oh(), s.win.kh(), s.win.sh(), s.win.ph(), s.win.dh(), 0);
        int opW = s.w - transposedSize(s.ow(), s.win.kw(), s.win.sw(), s.win.pw(), s.win.dw(), 0);
        Assume.that(opH < Math.max(s.win.sh(), s.win.dh()) && opW < Math.max(s.win.sw(), s.win.dw()));
        Tensor conv = Conv.conv2d(x, w, null, s.stride(), s.padding(), s.dilation(), s.groups);
        Tensor back = Conv.convTranspose2d(y, w, null, s.stride(), s.padding(), new int[] {opH, opW}, s.groups, s.dilation());
        assertEquals(dot(conv, y), dot(x, back), 1e-9 * (1 + Math.abs(dot(conv, y))), "<conv x, y> = <x, convT y> " + s);
    }

    // ---------------------------------------------------------------- examples and errors

    @Test
    void aHandCheckedConvolution() {
        // 1 channel 3x3 image, 2x2 kernel of ones, padding 1, stride 2: sums of the 2x2 windows at corners
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
        Tensor w = Tensor.ones(1, 1, 2, 2);
        Tensor y = Conv.conv2d(x, w, Tensor.of(10f), new int[] {2}, new int[] {1}, new int[] {1}, 1);
        assertValues(new double[] {11, 15, 21, 38}, y, 0, "conv2d stride 2 pad 1");
        // dilation 2 with a 2x2 kernel reads the four corners
        assertValues(new double[] {20}, Conv.conv2d(x, w, null, new int[] {1}, new int[] {0}, new int[] {2}, 1), 0, "dilated");
        // conv_transpose of a single 1 stamps the kernel
        Tensor one = Tensor.of(new float[] {1}, 1, 1, 1, 1), k = Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 2, 2);
        assertValues(new double[] {1, 2, 3, 4}, Conv.convTranspose2d(one, k, null, 1, 0), 0, "stamp");
    }

    @Test
    void aBackendWithoutTheNnPrimitivesSaysSo() {
        gradwerk.tensor.Backend bare = new gradwerk.tensor.Backend() { // only the core primitives, as a new device starts
            public gradwerk.tensor.Storage allocate(DType d, int n) { return REFERENCE.allocate(d, n); }
            public gradwerk.tensor.Storage upload(float[] d) { return REFERENCE.upload(d); }
            public gradwerk.tensor.Storage upload(double[] d) { return REFERENCE.upload(d); }
            public void download(Tensor s, float[] d) { REFERENCE.download(s, d); }
            public void download(Tensor s, double[] d) { REFERENCE.download(s, d); }
            public void map(gradwerk.tensor.UnaryOp op, double p, double q, Tensor a, Tensor o) { REFERENCE.map(op, p, q, a, o); }
            public void zip(gradwerk.tensor.BinaryOp op, Tensor a, Tensor b, Tensor o) { REFERENCE.zip(op, a, b, o); }
            public void where(Tensor c, Tensor a, Tensor b, Tensor o) { REFERENCE.where(c, a, b, o); }
            public void copy(Tensor s, Tensor o) { REFERENCE.copy(s, o); }
            public void fill(Tensor o, double v) { REFERENCE.fill(o, v); }
            public void reduce(gradwerk.tensor.ReduceOp op, Tensor a, int r, Tensor o) { REFERENCE.reduce(op, a, r, o); }
            public void matmul(Tensor a, Tensor b, Tensor o, boolean acc) { REFERENCE.matmul(a, b, o, acc); }
            public void softmax(Tensor a, Tensor o, boolean log) { REFERENCE.softmax(a, o, log); }
        };
        var e = assertThrows(IllegalStateException.class,
                () -> bare.im2col(Tensor.zeros(1, 3, 3), Window2d.square(3, 1, 1, 1), Tensor.zeros(9, 3, 3)));
        assertTrue(e.getMessage().startsWith("im2col: not available on the "), e.getMessage());
        // the convolution engines have defaults built on im2col, so they fail the same way
        e = assertThrows(IllegalStateException.class, () -> bare.convUnfoldProduct(Tensor.zeros(1, 1, 3, 3),
                Tensor.zeros(1, 1, 9), Window2d.square(3, 1, 1, 1), null, Tensor.zeros(1, 1, 3, 3)));
        assertTrue(e.getMessage().startsWith("im2col: not available"), e.getMessage());
    }

    @Test
    void errorsNameTheOpAndTheShapes() {
        Tensor x = Tensor.zeros(2, 3, 8, 8);
        var e = assertThrows(IllegalArgumentException.class, () -> Conv.conv2d(x, Tensor.zeros(16, 4, 3, 3)));
        assertEquals("conv2d: input [2,3,8,8] has 3 channels, weight [16,4,3,3] expects 4 (groups=1)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Conv.conv2d(x, Tensor.zeros(16, 3, 9, 9)));
        assertTrue(e.getMessage().startsWith("conv2d: input [2,3,8,8] padded by 0x0 is smaller than the kernel"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Conv.conv2d(x, Tensor.zeros(4, 1, 3, 3), null, new int[] {1}, new int[] {0}, new int[] {1}, 3));
        assertTrue(e.getMessage().contains("not divisible by groups=3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Conv.conv2d(x, Tensor.zeros(4, 3, 3, 3), Tensor.zeros(5), 1, 0));
        assertEquals("conv2d: bias [5] must have shape [4]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Conv.conv2d(x, Tensor.zeros(DType.FLOAT64, 4, 3, 3, 3)));
        assertTrue(e.getMessage().startsWith("conv2d: weight is float64 but the input is float32"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Conv.convTranspose2d(x, Tensor.zeros(3, 2, 3, 3), null,
                new int[] {2}, new int[] {0}, new int[] {2}, 1, new int[] {1}));
        assertTrue(e.getMessage().contains("output padding [2,2] must be smaller than either the stride or the dilation"),
                e.getMessage());
    }
}

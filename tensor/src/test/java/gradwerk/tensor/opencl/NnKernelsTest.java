package gradwerk.tensor.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import gradwerk.tensor.DType;
import gradwerk.tensor.Device;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.Conv;
import gradwerk.tensor.nn.ConvLowering;
import gradwerk.tensor.nn.GridPadding;
import gradwerk.tensor.nn.Interpolation;
import gradwerk.tensor.nn.Norm;
import gradwerk.tensor.nn.Pool;
import gradwerk.tensor.nn.Sampling;
import gradwerk.tensor.nn.Window2d;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The nn primitives on OpenCL (conv.cl, pool.cl, sampling.cl, norm.cl) against the same calls on the CPU, through
 * the front ends of gradwerk.tensor.nn (and the raw Backend for im2col/col2im): float and double, random odd
 * sizes, strides, padding, dilation, groups, ceil mode, every sampling mode, and strided (permuted, stepped,
 * offset) inputs on the device. The scatter kernels run both ways: with atomic adds and deterministically.
 */
class NnKernelsTest {
    private Device dev;
    private ClNn nn;

    @BeforeEach
    void device() {
        OpenClContext ctx = OpenClTestSupport.context(); // skips (or fails on CI) without OpenCL
        dev = Device.get("opencl");
        nn = ctx.kernels().nn();
    }

    private List<DType> dtypes() {
        return OpenClPlatforms.defaultDevice().fp64() ? List.of(DType.FLOAT32, DType.FLOAT64) : List.of(DType.FLOAT32);
    }

    // ---------------------------------------------------------------- helpers

    /** Standard-normal values of a shape, as dt (on the CPU). */
    private static Tensor randn(DType dt, long seed, int... shape) {
        return Tensor.randn(DType.FLOAT64, new Generator(seed), shape).to(dt);
    }

    /** Multiples of 0.5 in [-2, 2]: many ties. */
    private static Tensor ties(DType dt, long seed, int... shape) {
        Generator g = new Generator(seed);
        double[] v = new double[gradwerk.tensor.Shape.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (g.nextInt(9) - 4) * 0.5;
        return Tensor.of(v, shape).to(dt);
    }

    /** x itself on the CPU (do not write to it); on the device a strided (permuted, stepped, offset) copy. */
    private Tensor on(Device d, Tensor x, long layout) {
        if (x == null) return null;
        return d == Device.CPU ? x : OpenClBackendTest.stridedOn(d, x, layout);
    }

    /** Runs f on the CPU and on the device and compares every result (null results must match too). */
    private void compare(String what, DType dt, double floatTol, Function<Device, Tensor[]> f) {
        Tensor[] want = f.apply(Device.CPU), got = f.apply(dev);
        double tol = dt == DType.FLOAT32 ? floatTol : 1e-11;
        for (int i = 0; i < want.length; i++) {
            if (want[i] == null || got[i] == null) {
                assertEquals(want[i] == null, got[i] == null, what + " result " + i + ": null on one device only");
                continue;
            }
            assertEquals(dev, got[i].device(), what + " result " + i + ": device");
            close(what + " result " + i, want[i], got[i], tol);
        }
    }

    private static void close(String what, Tensor want, Tensor got, double tol) {
        assertArrayEquals(want.shape(), got.shape(), what + ": shape");
        assertEquals(want.dtype(), got.dtype(), what + ": dtype");
        double[] w = want.toDoubleArray(), g = got.toDoubleArray();
        for (int i = 0; i < w.length; i++) {
            boolean ok = Double.isNaN(w[i]) ? Double.isNaN(g[i])
                    : Double.isInfinite(w[i]) ? w[i] == g[i] : Math.abs(w[i] - g[i]) <= tol * (1 + Math.abs(w[i]));
            if (!ok) fail(what + ": element " + i + " want " + w[i] + " got " + g[i] + " (tolerance " + tol + ")");
        }
    }

    /** Runs body with the scatter kernels atomic (false) and deterministic (true). */
    private void bothScatterPaths(java.util.function.Consumer<Boolean> body) {
        boolean saved = nn.deterministic;
        try {
            for (boolean det : new boolean[] {false, true}) {
                nn.deterministic = det;
                body.accept(det);
            }
        } finally {
            nn.deterministic = saved;
        }
    }

    /** A random window: kernel 1-3, stride 1-3, padding 0-2 (at most half the kernel when pooling), dilation 1-2. */
    private static Window2d window(Generator g, boolean pooling, boolean dilation) {
        int kh = 1 + g.nextInt(3), kw = 1 + g.nextInt(3);
        int ph = g.nextInt(3), pw = g.nextInt(3);
        if (pooling) {
            ph = Math.min(ph, kh / 2);
            pw = Math.min(pw, kw / 2);
        }
        return new Window2d(kh, kw, 1 + g.nextInt(3), 1 + g.nextInt(3), ph, pw, dilation ? 1 + g.nextInt(2) : 1,
                dilation ? 1 + g.nextInt(2) : 1);
    }

    // ---------------------------------------------------------------- convolution

    @Test
    void im2colAndCol2im() {
        for (DType dt : dtypes())
            for (int trial = 0; trial < 12; trial++) {
                Generator g = new Generator(100 + trial);
                Window2d w = window(g, false, true);
                int c = 1 + g.nextInt(4);
                int h = Math.max(1 + g.nextInt(9), w.dh() * (w.kh() - 1) + 1 - 2 * w.ph());
                int wd = Math.max(1 + g.nextInt(9), w.dw() * (w.kw() - 1) + 1 - 2 * w.pw());
                int oh = w.outH(h, false), ow = w.outW(wd, false), rows = c * w.kh() * w.kw();
                Tensor img = randn(dt, trial, c, h, wd), cols = randn(dt, ~trial, rows, oh, ow);
                Tensor start = randn(dt, trial + 7, c, h, wd);
                long layout = trial * 13L;
                compare("im2col/col2im " + w + " " + c + "x" + h + "x" + wd + " " + dt, dt, 1e-6, d -> {
                    Tensor out = Tensor.zeros(dt, rows, oh, ow).to(d);
                    d.backend().im2col(on(d, img, layout), w, out);
                    Tensor acc = d == Device.CPU ? start.copy() : on(d, start, layout + 1); // col2im adds into it
                    d.backend().col2im(on(d, cols, layout + 2), w, acc);
                    return new Tensor[] {out, acc};
                });
            }
    }

    @Test
    void conv2dAndConvTranspose2dThroughTheFrontEnds() throws Exception {
        Field budget = ConvLowering.class.getDeclaredField("columnBudget");
        budget.setAccessible(true);
        int saved = budget.getInt(null);
        try {
            for (DType dt : dtypes())
                for (int trial = 0; trial < 8; trial++) {
                    Generator g = new Generator(200 + trial);
                    budget.setInt(null, trial % 2 == 0 ? 24 : saved); // tiny budget: bands of one row
                    Window2d w = window(g, false, true);
                    int groups = 1 + g.nextInt(3), n = 1 + g.nextInt(2);
                    int cin = groups * (1 + g.nextInt(3)), cout = groups * (1 + g.nextInt(3));
                    int h = Math.max(1 + g.nextInt(9), w.dh() * (w.kh() - 1) + 1 - 2 * w.ph());
                    int wd = Math.max(1 + g.nextInt(9), w.dw() * (w.kw() - 1) + 1 - 2 * w.pw());
                    int oh = w.outH(h, false), ow = w.outW(wd, false);
                    int[] stride = {w.sh(), w.sw()}, pad = {w.ph(), w.pw()}, dil = {w.dh(), w.dw()};
                    int[] xShape = {n, cin, h, wd}, wShape = {cout, cin / groups, w.kh(), w.kw()};
                    Tensor x = randn(dt, trial, xShape), wt = randn(dt, trial + 1, wShape);
                    Tensor bias = g.nextInt(2) == 0 ? randn(dt, trial + 2, cout) : null;
                    Tensor dy = randn(dt, trial + 3, n, cout, oh, ow);
                    // the transposed convolution maps [n, cout, oh, ow] back to [n, cin, h', w'] with weight
                    // [cout, cin/groups, kh, kw] read as [Cin_t = cout, Cout_t/groups = cin/groups]
                    int[] outPad = {0, 0};
                    String what = "conv2d " + w + " groups " + groups + " " + java.util.Arrays.toString(xShape) + " " + dt;
                    compare(what, dt, 1e-4, d -> {
                        Tensor xd = on(d, x, 11), wd2 = on(d, wt, 12), bd = on(d, bias, 13), dyd = on(d, dy, 14);
                        Tensor y = Conv.conv2d(xd, wd2, bd, stride, pad, dil, groups);
                        Tensor gx = Conv.conv2dBackwardInput(dyd, wd2, xShape, stride, pad, dil, groups);
                        Tensor gw = Conv.conv2dBackwardWeight(dyd, xd, wShape, stride, pad, dil, groups);
                        Tensor gb = Conv.convBackwardBias(dyd);
                        Tensor yt = Conv.convTranspose2d(dyd, wd2, null, stride, pad, outPad, groups, dil);
                        Tensor gtIn = Conv.convTranspose2dBackwardInput(yt, wd2, dy.shape(), stride, pad, outPad,
                                groups, dil);
                        Tensor gtW = Conv.convTranspose2dBackwardWeight(yt, dyd, wShape, stride, pad, outPad, groups,
                                dil);
                        return new Tensor[] {y, gx, gw, gb, yt, gtIn, gtW};
                    });
                }
        } finally {
            budget.setInt(null, saved);
        }
    }

    // ---------------------------------------------------------------- pooling

    @Test
    void maxPoolingWithTiesAndBothBackwardPaths() {
        for (DType dt : dtypes())
            for (int trial = 0; trial < 10; trial++) {
                Generator g = new Generator(300 + trial);
                Window2d w = window(g, true, true);
                boolean ceil = g.nextInt(2) == 0;
                int n = 1 + g.nextInt(2), c = 1 + g.nextInt(3);
                int h = w.dh() * (w.kh() - 1) + 1 + g.nextInt(8), wd = w.dw() * (w.kw() - 1) + 1 + g.nextInt(8);
                // multiples of 0.5 in [-2, 2]: many ties, which must pick the first maximum as on the CPU
                Tensor x = ties(dt, trial, n, c, h, wd);
                int[] k = {w.kh(), w.kw()}, s = {w.sh(), w.sw()}, p = {w.ph(), w.pw()}, dl = {w.dh(), w.dw()};
                Pool.MaxPoolResult cpu;
                try {
                    cpu = Pool.maxPool2dWithIndices(x, k, s, p, dl, ceil);
                } catch (IllegalArgumentException e) {
                    continue; // a window entirely in the padding: rejected on every device
                }
                Tensor go = randn(dt, ~trial, cpu.output().shape());
                bothScatterPaths(det -> compare("maxPool2d " + w + (ceil ? " ceil " : " ") + dt + (det ? " det" : ""),
                        dt, 1e-6, d -> {
                            Pool.MaxPoolResult r = Pool.maxPool2dWithIndices(on(d, x, 21), k, s, p, dl, ceil);
                            Tensor gi = Pool.maxPool2dBackward(on(d, go, 22), r.indices(), x.shape());
                            return new Tensor[] {r.output(), r.indices(), gi};
                        }));
            }
    }

    @Test
    void averagePooling() {
        for (DType dt : dtypes())
            for (int trial = 0; trial < 10; trial++) {
                Generator g = new Generator(400 + trial);
                Window2d w = window(g, true, false);
                boolean ceil = g.nextInt(2) == 0, includePad = g.nextInt(2) == 0;
                int divisor = g.nextInt(3) == 0 ? 1 + g.nextInt(5) : 0;
                int n = 1 + g.nextInt(2), c = 1 + g.nextInt(3), h = w.kh() + g.nextInt(8), wd = w.kw() + g.nextInt(8);
                int[] k = {w.kh(), w.kw()}, s = {w.sh(), w.sw()}, p = {w.ph(), w.pw()};
                Tensor x = randn(dt, trial, n, c, h, wd);
                Tensor go = randn(dt, ~trial, Pool.avgPool2d(x, k, s, p, ceil, includePad, divisor).shape());
                compare("avgPool2d " + w + (ceil ? " ceil" : "") + (includePad ? " includePad" : "") + " divisor "
                        + divisor + " " + dt, dt, 1e-5, d -> new Tensor[] {
                        Pool.avgPool2d(on(d, x, 31), k, s, p, ceil, includePad, divisor),
                        Pool.avgPool2dBackward(on(d, go, 32), x.shape(), k, s, p, ceil, includePad, divisor)});
            }
    }

    @Test
    void adaptiveAveragePoolingUpAndDown() {
        for (DType dt : dtypes())
            for (int trial = 0; trial < 8; trial++) {
                Generator g = new Generator(500 + trial);
                int h = 1 + g.nextInt(9), wd = 1 + g.nextInt(9), oh = 1 + g.nextInt(11), ow = 1 + g.nextInt(11);
                Tensor x = randn(dt, trial, 2, 1 + g.nextInt(3), h, wd);
                Tensor go = randn(dt, ~trial, x.size(0), x.size(1), oh, ow);
                compare("adaptiveAvgPool2d " + h + "x" + wd + " -> " + oh + "x" + ow + " " + dt, dt, 1e-5,
                        d -> new Tensor[] {Pool.adaptiveAvgPool2d(on(d, x, 41), oh, ow),
                                Pool.adaptiveAvgPool2dBackward(on(d, go, 42), x.shape())});
            }
    }

    // ---------------------------------------------------------------- sampling

    @Test
    void upsampleEveryModeBySizeAndByFactor() {
        double[] factors = {0, 0, 2, 0.5, 1.5, 1.7, 3};
        for (DType dt : dtypes())
            for (int trial = 0; trial < 14; trial++) {
                Generator g = new Generator(600 + trial);
                Interpolation mode = trial % 2 == 0 ? Interpolation.NEAREST : Interpolation.BILINEAR;
                boolean align = mode == Interpolation.BILINEAR && g.nextInt(2) == 0;
                int h = 1 + g.nextInt(7), wd = 1 + g.nextInt(7);
                double factor = factors[g.nextInt(factors.length)];
                int oh = factor > 0 ? (int) Math.floor(h * factor) : 1 + g.nextInt(12);
                int ow = factor > 0 ? (int) Math.floor(wd * factor) : 1 + g.nextInt(12);
                if (oh < 1 || ow < 1) factor = 0;
                int ohf = Math.max(oh, 1), owf = Math.max(ow, 1);
                double f = factor;
                Tensor x = randn(dt, trial, 1 + g.nextInt(2), 1 + g.nextInt(3), h, wd);
                Tensor go = randn(dt, ~trial, x.size(0), x.size(1), ohf, owf);
                compare("upsample " + mode + (align ? " aligned " : " ") + h + "x" + wd + " -> " + ohf + "x" + owf
                        + " factor " + f + " " + dt, dt, 1e-5, d -> f > 0
                        ? new Tensor[] {Sampling.upsample(on(d, x, 51), f, mode, align),
                                Sampling.upsampleBackward(on(d, go, 52), x.shape(), f, mode, align)}
                        : new Tensor[] {Sampling.upsample(on(d, x, 51), ohf, owf, mode, align),
                                Sampling.upsampleBackward(on(d, go, 52), x.shape(), mode, align)});
            }
    }

    @Test
    void gridSampleEveryModePaddingAndAlignment() {
        for (DType dt : dtypes())
            for (int trial = 0; trial < 16; trial++) {
                Generator g = new Generator(700 + trial);
                Interpolation mode = trial % 4 < 2 ? Interpolation.BILINEAR : Interpolation.NEAREST;
                GridPadding padding = trial % 2 == 0 ? GridPadding.ZEROS : GridPadding.BORDER;
                boolean align = trial % 8 >= 4;
                int n = 1 + g.nextInt(2), c = 1 + g.nextInt(3), h = 1 + g.nextInt(6), wd = 1 + g.nextInt(6);
                int oh = 1 + g.nextInt(5), ow = 1 + g.nextInt(5);
                Tensor x = randn(dt, trial, n, c, h, wd), go = randn(dt, ~trial, n, c, oh, ow);
                // points in [-1.3, 1.3]: some outside the image, where the padding mode matters
                Tensor grid = Tensor.rand(DType.FLOAT64, new Generator(trial + 99), n, oh, ow, 2).mul(2.6).add(-1.3).to(dt);
                boolean wantInput = trial % 3 != 1, wantGrid = trial % 3 != 2;
                String what = "gridSample " + mode + " " + padding + (align ? " aligned " : " ") + h + "x" + wd + " -> "
                        + oh + "x" + ow + " " + dt;
                bothScatterPaths(det -> compare(what + (det ? " det" : ""), dt, 1e-5, d -> {
                    Tensor xd = on(d, x, 61), gd = on(d, grid, 62);
                    Sampling.GridSampleGrads gr = Sampling.gridSampleBackward(on(d, go, 63), xd, gd, mode, padding,
                            align, wantInput, wantGrid);
                    return new Tensor[] {Sampling.gridSample(xd, gd, mode, padding, align), gr.input(), gr.grid()};
                }));
            }
    }

    // ---------------------------------------------------------------- normalisation

    @Test
    void batchNormTrainingAndEvaluation() {
        for (DType dt : dtypes())
            for (int trial = 0; trial < 8; trial++) {
                Generator g = new Generator(800 + trial);
                boolean training = trial % 4 != 3, affine = trial % 3 != 2, running = training ? trial % 2 == 0 : true;
                int n = 1 + g.nextInt(3), c = 1 + g.nextInt(4);
                int[] shape = trial % 2 == 0 ? new int[] {n, c, 1 + g.nextInt(5), 2 + g.nextInt(5)} : new int[] {n + 1, c};
                Tensor x = randn(dt, trial, shape).mul(3).add(1), go = randn(dt, ~trial, shape);
                Tensor w = affine ? randn(dt, trial + 1, c) : null, b = affine ? randn(dt, trial + 2, c) : null;
                Tensor rm = randn(dt, trial + 3, c), rv = randn(dt, trial + 4, c).abs().add(0.5);
                compare("batchNorm " + java.util.Arrays.toString(shape) + (training ? " training" : " eval")
                        + (affine ? " affine" : "") + (running ? " running" : "") + " " + dt, dt, 5e-5, d -> {
                    Tensor rmd = running ? rm.to(d).copy() : null, rvd = running ? rv.to(d).copy() : null;
                    Tensor xd = on(d, x, 71), wd = on(d, w, 72);
                    Norm.NormResult r = Norm.batchNorm(xd, rmd, rvd, wd, on(d, b, 73), training, 0.1, 1e-5);
                    Norm.NormGrads gr = Norm.batchNormBackward(on(d, go, 74), xd, wd, r.saveMean(), r.saveInvstd(),
                            training);
                    return new Tensor[] {r.output(), r.saveMean(), r.saveInvstd(), rmd, rvd, gr.input(), gr.weight(),
                            gr.bias()};
                });
            }
    }

    @Test
    void groupAndInstanceNorm() {
        for (DType dt : dtypes())
            for (int trial = 0; trial < 8; trial++) {
                Generator g = new Generator(900 + trial);
                int groups = 1 + g.nextInt(3), c = groups * (1 + g.nextInt(3)), n = 1 + g.nextInt(3);
                boolean affine = trial % 3 != 2;
                int[] shape = {n, c, 1 + g.nextInt(5), 1 + g.nextInt(6)};
                Tensor x = randn(dt, trial, shape).mul(2).add(-1), go = randn(dt, ~trial, shape);
                Tensor w = affine ? randn(dt, trial + 1, c) : null, b = affine ? randn(dt, trial + 2, c) : null;
                compare("groupNorm " + java.util.Arrays.toString(shape) + " groups " + groups + (affine ? " affine " : " ")
                        + dt, dt, 5e-5, d -> {
                    Tensor xd = on(d, x, 81), wd = on(d, w, 82);
                    Norm.NormResult r = Norm.groupNorm(xd, groups, wd, on(d, b, 83), 1e-5);
                    Norm.NormGrads gr = Norm.groupNormBackward(on(d, go, 84), xd, groups, wd, r.saveMean(),
                            r.saveInvstd());
                    Norm.NormResult in = Norm.instanceNorm(xd, wd, null, 1e-3);
                    List<Tensor> all = new ArrayList<>(List.of(r.output(), r.saveMean(), r.saveInvstd(), gr.input(),
                            in.output()));
                    if (affine) all.addAll(List.of(gr.weight(), gr.bias()));
                    return all.toArray(Tensor[]::new);
                });
            }
    }
}

package gradwerk.tensor.cpu;

import gradwerk.tensor.DType;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.Window2d;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Fast max, average and adaptive average pooling with their backward passes. Every (n, c) plane is independent,
 * so the planes are split across threads; inside a plane the loops follow PyTorch's CPU kernels, with each
 * window's valid range computed once instead of testing every tap. The backward passes scatter into their own
 * plane only, so they are race-free too. Separate float and double loops keep each one monomorphic and fast.
 *
 * <p>Outputs are the freshly allocated contiguous tensors of the front ends (offset 0); inputs may be any view.
 */
final class PoolKernels {
    private PoolKernels() {}

    /** Splits planes across threads so that each task has at least ~16K elements of work. */
    private static void planes(int count, int planeWork, Parallel.Range body) {
        Parallel.forRange(count, Math.max(1, 16384 / Math.max(1, planeWork)), body);
    }

    // ---------------------------------------------------------------- max pooling

    static void maxPool2d(Tensor input, Window2d w, Tensor out, Tensor indices) {
        Tensor in = input.contiguous();
        int h = in.size(2), wd = in.size(3), oh = out.size(2), ow = out.size(3);
        int hw = h * wd, ohw = oh * ow, io = in.offset();
        float[] idx = indices.dtype() == DType.FLOAT32 ? CpuStorage.floats(indices) : null;
        double[] idxD = idx == null ? CpuStorage.doubles(indices) : null;
        boolean f32 = in.dtype() == DType.FLOAT32;
        if (f32 && idx != null && !Simd.SCALAR && w.equals(Window2d.square(2, 2, 0, 1)) && 2 * oh <= h && 2 * ow <= wd) {
            maxPool2x2(CpuStorage.floats(in), io, in.size(0) * in.size(1), h, wd, CpuStorage.floats(out), idx, oh, ow);
            return;
        }
        float[] fi = f32 ? CpuStorage.floats(in) : null, fo = f32 ? CpuStorage.floats(out) : null;
        double[] di = f32 ? null : CpuStorage.doubles(in), dout = f32 ? null : CpuStorage.doubles(out);
        planes(in.size(0) * in.size(1), ohw * w.kh() * w.kw(), (p0, p1) -> {
            for (int p = p0; p < p1; p++)
                for (int y = 0; y < oh; y++) {
                    int h0 = y * w.sh() - w.ph(), h1 = Math.min(h0 + (w.kh() - 1) * w.dh() + 1, h);
                    while (h0 < 0) h0 += w.dh();
                    for (int x = 0; x < ow; x++) {
                        int w0 = x * w.sw() - w.pw(), w1 = Math.min(w0 + (w.kw() - 1) * w.dw() + 1, wd);
                        while (w0 < 0) w0 += w.dw();
                        int base = io + p * hw, best = h0 < h1 && w0 < w1 ? h0 * wd + w0 : -1; // the first tap, value -inf
                        if (f32) {
                            float m = Float.NEGATIVE_INFINITY;
                            for (int ih = h0; ih < h1; ih += w.dh())
                                for (int iw = w0; iw < w1; iw += w.dw()) {
                                    float v = fi[base + ih * wd + iw];
                                    if (v > m || v != v) { m = v; best = ih * wd + iw; } // first max; NaN wins
                                }
                            fo[p * ohw + y * ow + x] = m;
                        } else {
                            double m = Double.NEGATIVE_INFINITY;
                            for (int ih = h0; ih < h1; ih += w.dh())
                                for (int iw = w0; iw < w1; iw += w.dw()) {
                                    double v = di[base + ih * wd + iw];
                                    if (v > m || v != v) { m = v; best = ih * wd + iw; }
                                }
                            dout[p * ohw + y * ow + x] = m;
                        }
                        if (idx != null) idx[p * ohw + y * ow + x] = best;
                        else idxD[p * ohw + y * ow + x] = best;
                    }
                }
        });
    }

    private static final VectorSpecies<Float> F = Simd.F;
    /** 0, 2, 4, ...: the even columns of 2L consecutive ones, as a gather's index map. */
    private static final int[] EVEN = IntStream.range(0, Simd.SCALAR ? 1 : F.length()).map(i -> 2 * i).toArray();

    /**
     * The U-Net's pooling, 2×2 windows with stride 2 and no padding, float32: a vector of L outputs at a time. The
     * four taps of each window are gathered from the even and odd columns of the two input rows, and compared in
     * the generic loop's order, (0, 0), (0, 1), (1, 0), (1, 1), with the same rule: a later tap wins if it is
     * greater or NaN. The tail of a row (fewer than L outputs) takes the scalar form of the same comparisons.
     */
    private static void maxPool2x2(float[] in, int io, int planes, int h, int wd, float[] out, float[] idx, int oh,
                                   int ow) {
        int hw = h * wd, ohw = oh * ow, l = F.length();
        FloatVector cols = FloatVector.zero(F).addIndex(2);       // 0, 2, 4, ...: the windows' first columns
        int[] later = {1, wd, wd + 1};                             // the other taps, from the first, in order
        planes(planes, ohw * 4, (p0, p1) -> {
            for (int p = p0; p < p1; p++)
                for (int y = 0; y < oh; y++) {
                    int r0 = io + p * hw + 2 * y * wd, o = p * ohw + y * ow, x = 0;
                    for (int end = F.loopBound(ow); x < end; x += l) {
                        int at = r0 + 2 * x;
                        FloatVector m = FloatVector.fromArray(F, in, at, EVEN, 0);
                        FloatVector best = cols.add(2 * y * wd + 2 * x);
                        FloatVector c = FloatVector.fromArray(F, in, at + 1, EVEN, 0);
                        VectorMask<Float> wins = c.compare(VectorOperators.GT, m).or(c.test(VectorOperators.IS_NAN));
                        m = m.blend(c, wins);
                        best = best.blend(best.add(1), wins);
                        c = FloatVector.fromArray(F, in, at + wd, EVEN, 0);
                        wins = c.compare(VectorOperators.GT, m).or(c.test(VectorOperators.IS_NAN));
                        m = m.blend(c, wins);
                        best = best.blend(cols.add(2 * y * wd + 2 * x + wd), wins);
                        c = FloatVector.fromArray(F, in, at + wd + 1, EVEN, 0);
                        wins = c.compare(VectorOperators.GT, m).or(c.test(VectorOperators.IS_NAN));
                        m = m.blend(c, wins);
                        best = best.blend(cols.add(2 * y * wd + 2 * x + wd + 1), wins);
                        m.intoArray(out, o + x);
                        best.intoArray(idx, o + x);
                    }
                    for (; x < ow; x++) {
                        int first = 2 * y * wd + 2 * x, b = first;
                        float m = in[io + p * hw + first];
                        for (int t : later) {
                            float v = in[io + p * hw + first + t];
                            if (v > m || v != v) { m = v; b = first + t; }
                        }
                        out[o + x] = m;
                        idx[o + x] = b;
                    }
                }
        });
    }

    static void maxPool2dBackward(Tensor gradOut, Tensor indices, Tensor gradInput) {
        Tensor g = gradOut.contiguous(), ix = indices.contiguous();
        int hw = gradInput.size(2) * gradInput.size(3), ohw = g.size(2) * g.size(3), go = g.offset(), xo = ix.offset();
        boolean f32 = g.dtype() == DType.FLOAT32;
        float[] fg = f32 ? CpuStorage.floats(g) : null, fgi = f32 ? CpuStorage.floats(gradInput) : null;
        double[] dg = f32 ? null : CpuStorage.doubles(g), dgi = f32 ? null : CpuStorage.doubles(gradInput);
        float[] fx = ix.dtype() == DType.FLOAT32 ? CpuStorage.floats(ix) : null;
        double[] dx = fx == null ? CpuStorage.doubles(ix) : null;
        planes(g.size(0) * g.size(1), ohw + hw, (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                if (f32) Arrays.fill(fgi, p * hw, (p + 1) * hw, 0f);
                else Arrays.fill(dgi, p * hw, (p + 1) * hw, 0.0);
                for (int o = 0; o < ohw; o++) {
                    int at = (int) (fx != null ? fx[xo + p * ohw + o] : dx[xo + p * ohw + o]);
                    if (at < 0) continue; // an empty window (the front end rejects those)
                    if (f32) fgi[p * hw + at] += fg[go + p * ohw + o];
                    else dgi[p * hw + at] += dg[go + p * ohw + o];
                }
            }
        });
    }

    // ---------------------------------------------------------------- average pooling

    static void avgPool2d(Tensor input, Window2d w, boolean countIncludePad, int divisorOverride, Tensor out) {
        Tensor in = input.contiguous();
        int h = in.size(2), wd = in.size(3), oh = out.size(2), ow = out.size(3), hw = h * wd, ohw = oh * ow, io = in.offset();
        boolean f32 = in.dtype() == DType.FLOAT32;
        float[] fi = f32 ? CpuStorage.floats(in) : null, fo = f32 ? CpuStorage.floats(out) : null;
        double[] di = f32 ? null : CpuStorage.doubles(in), dout = f32 ? null : CpuStorage.doubles(out);
        planes(in.size(0) * in.size(1), ohw * w.kh() * w.kw(), (p0, p1) -> {
            for (int p = p0; p < p1; p++)
                for (int y = 0; y < oh; y++)
                    for (int x = 0; x < ow; x++) {
                        int div = NnReference.avgDivisor(y, x, w, h, wd, countIncludePad, divisorOverride);
                        int h0 = Math.max(y * w.sh() - w.ph(), 0), h1 = Math.min(y * w.sh() - w.ph() + w.kh(), h);
                        int w0 = Math.max(x * w.sw() - w.pw(), 0), w1 = Math.min(x * w.sw() - w.pw() + w.kw(), wd);
                        int o = p * ohw + y * ow + x, base = io + p * hw;
                        if (f32) {
                            float sum = 0;
                            for (int ih = h0; ih < h1; ih++) for (int iw = w0; iw < w1; iw++) sum += fi[base + ih * wd + iw];
                            fo[o] = div == 0 ? 0 : sum / div;
                        } else {
                            double sum = 0;
                            for (int ih = h0; ih < h1; ih++) for (int iw = w0; iw < w1; iw++) sum += di[base + ih * wd + iw];
                            dout[o] = div == 0 ? 0 : sum / div;
                        }
                    }
        });
    }

    static void avgPool2dBackward(Tensor gradOut, Window2d w, boolean countIncludePad, int divisorOverride,
                                  Tensor gradInput) {
        Tensor g = gradOut.contiguous();
        int h = gradInput.size(2), wd = gradInput.size(3), oh = g.size(2), ow = g.size(3), hw = h * wd, ohw = oh * ow;
        int go = g.offset();
        boolean f32 = g.dtype() == DType.FLOAT32;
        float[] fg = f32 ? CpuStorage.floats(g) : null, fgi = f32 ? CpuStorage.floats(gradInput) : null;
        double[] dg = f32 ? null : CpuStorage.doubles(g), dgi = f32 ? null : CpuStorage.doubles(gradInput);
        planes(g.size(0) * g.size(1), ohw * w.kh() * w.kw(), (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                if (f32) Arrays.fill(fgi, p * hw, (p + 1) * hw, 0f);
                else Arrays.fill(dgi, p * hw, (p + 1) * hw, 0.0);
                for (int y = 0; y < oh; y++)
                    for (int x = 0; x < ow; x++) {
                        int div = NnReference.avgDivisor(y, x, w, h, wd, countIncludePad, divisorOverride);
                        if (div == 0) continue;
                        int h0 = Math.max(y * w.sh() - w.ph(), 0), h1 = Math.min(y * w.sh() - w.ph() + w.kh(), h);
                        int w0 = Math.max(x * w.sw() - w.pw(), 0), w1 = Math.min(x * w.sw() - w.pw() + w.kw(), wd);
                        int o = go + p * ohw + y * ow + x, base = p * hw;
                        if (f32) {
                            float share = fg[o] / div;
                            for (int ih = h0; ih < h1; ih++) for (int iw = w0; iw < w1; iw++) fgi[base + ih * wd + iw] += share;
                        } else {
                            double share = dg[o] / div;
                            for (int ih = h0; ih < h1; ih++) for (int iw = w0; iw < w1; iw++) dgi[base + ih * wd + iw] += share;
                        }
                    }
            }
        });
    }

    // ---------------------------------------------------------------- adaptive average pooling

    static void adaptiveAvgPool2d(Tensor input, Tensor out) {
        Tensor in = input.contiguous();
        int h = in.size(2), wd = in.size(3), oh = out.size(2), ow = out.size(3), hw = h * wd, ohw = oh * ow, io = in.offset();
        boolean f32 = in.dtype() == DType.FLOAT32;
        float[] fi = f32 ? CpuStorage.floats(in) : null, fo = f32 ? CpuStorage.floats(out) : null;
        double[] di = f32 ? null : CpuStorage.doubles(in), dout = f32 ? null : CpuStorage.doubles(out);
        planes(in.size(0) * in.size(1), hw + ohw, (p0, p1) -> {
            for (int p = p0; p < p1; p++)
                for (int y = 0; y < oh; y++) {
                    int h0 = NnReference.binStart(y, oh, h), h1 = NnReference.binEnd(y, oh, h);
                    for (int x = 0; x < ow; x++) {
                        int w0 = NnReference.binStart(x, ow, wd), w1 = NnReference.binEnd(x, ow, wd);
                        int count = (h1 - h0) * (w1 - w0), base = io + p * hw, o = p * ohw + y * ow + x;
                        if (f32) {
                            float sum = 0;
                            for (int ih = h0; ih < h1; ih++) for (int iw = w0; iw < w1; iw++) sum += fi[base + ih * wd + iw];
                            fo[o] = sum / count;
                        } else {
                            double sum = 0;
                            for (int ih = h0; ih < h1; ih++) for (int iw = w0; iw < w1; iw++) sum += di[base + ih * wd + iw];
                            dout[o] = sum / count;
                        }
                    }
                }
        });
    }

    static void adaptiveAvgPool2dBackward(Tensor gradOut, Tensor gradInput) {
        Tensor g = gradOut.contiguous();
        int h = gradInput.size(2), wd = gradInput.size(3), oh = g.size(2), ow = g.size(3), hw = h * wd, ohw = oh * ow;
        int go = g.offset();
        boolean f32 = g.dtype() == DType.FLOAT32;
        float[] fg = f32 ? CpuStorage.floats(g) : null, fgi = f32 ? CpuStorage.floats(gradInput) : null;
        double[] dg = f32 ? null : CpuStorage.doubles(g), dgi = f32 ? null : CpuStorage.doubles(gradInput);
        planes(g.size(0) * g.size(1), hw + ohw, (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                if (f32) Arrays.fill(fgi, p * hw, (p + 1) * hw, 0f);
                else Arrays.fill(dgi, p * hw, (p + 1) * hw, 0.0);
                for (int y = 0; y < oh; y++) {
                    int h0 = NnReference.binStart(y, oh, h), h1 = NnReference.binEnd(y, oh, h);
                    for (int x = 0; x < ow; x++) {
                        int w0 = NnReference.binStart(x, ow, wd), w1 = NnReference.binEnd(x, ow, wd);
                        int count = (h1 - h0) * (w1 - w0), base = p * hw, o = go + p * ohw + y * ow + x;
                        if (f32) {
                            float share = fg[o] / count;
                            for (int ih = h0; ih < h1; ih++) for (int iw = w0; iw < w1; iw++) fgi[base + ih * wd + iw] += share;
                        } else {
                            double share = dg[o] / count;
                            for (int ih = h0; ih < h1; ih++) for (int iw = w0; iw < w1; iw++) dgi[base + ih * wd + iw] += share;
                        }
                    }
                }
            }
        });
    }
}

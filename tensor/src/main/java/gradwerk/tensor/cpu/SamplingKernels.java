package gradwerk.tensor.cpu;

import gradwerk.tensor.DType;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.Interpolation;

import jdk.incubator.vector.FloatVector;

import java.util.Arrays;

/**
 * Fast upsampling (nearest and bilinear, {@code F.interpolate}). The work is split in two: first the geometry of
 * each axis (which input rows and columns each output row and column reads, with which weights), computed once in
 * double precision and shared by every channel; then a short typed loop per plane that only gathers (forward) or
 * scatters (backward) with those weights. grid_sample, the same idea with a free 2-D position per output pixel, is in
 * {@link GridSampleKernels}.
 *
 * <p>Race freedom: the forward pass writes disjoint outputs; the backward pass scatters into the input gradient
 * split by (n, c) plane, so no two threads ever add into the same element.
 */
final class SamplingKernels {
    private SamplingKernels() {}

    // ================================================================ upsampling

    /** For each output index along one axis: the two source indices and their weights (nearest: one, weight 1). */
    private record Axis(int[] i0, int[] i1, double[] l0, double[] l1) {
        static Axis of(Interpolation mode, boolean alignCorners, double scale, int in, int out) {
            int[] i0 = new int[out], i1 = new int[out];
            double[] l0 = new double[out], l1 = new double[out];
            for (int o = 0; o < out; o++) {
                if (mode == Interpolation.NEAREST) {
                    i0[o] = i1[o] = NnReference.nearestSource(o, scale, in);
                    l0[o] = 1;
                } else {
                    double r = NnReference.linearSource(o, scale, alignCorners);
                    int i = (int) r;
                    i0[o] = i;
                    i1[o] = i < in - 1 ? i + 1 : i;
                    l1[o] = r - i;
                    l0[o] = 1 - l1[o];
                }
            }
            return new Axis(i0, i1, l0, l1);
        }
    }

    static void upsample2d(Tensor input, Interpolation mode, boolean alignCorners, double scaleH, double scaleW,
                           Tensor out) {
        Tensor in = input.contiguous();
        int h = in.size(2), wd = in.size(3), oh = out.size(2), ow = out.size(3), hw = h * wd, ohw = oh * ow, io = in.offset();
        Axis ay = Axis.of(mode, alignCorners, scaleH, h, oh), ax = Axis.of(mode, alignCorners, scaleW, wd, ow);
        boolean near = mode == Interpolation.NEAREST, f32 = in.dtype() == DType.FLOAT32;
        if (f32 && !near) {
            bilinearF32(CpuStorage.floats(in), io, in.size(0) * in.size(1), h, wd, ay, ax, CpuStorage.floats(out), oh, ow);
            return;
        }
        float[] fi = f32 ? CpuStorage.floats(in) : null, fo = f32 ? CpuStorage.floats(out) : null;
        double[] di = f32 ? null : CpuStorage.doubles(in), dout = f32 ? null : CpuStorage.doubles(out);
        Parallel.forRange(in.size(0) * in.size(1), Math.max(1, 16384 / Math.max(1, ohw)), (p0, p1) -> {
            for (int p = p0; p < p1; p++)
                for (int y = 0; y < oh; y++) {
                    int r0 = io + p * hw + ay.i0[y] * wd, r1 = io + p * hw + ay.i1[y] * wd, o = p * ohw + y * ow;
                    double a0 = ay.l0[y], a1 = ay.l1[y];
                    if (near && f32) for (int x = 0; x < ow; x++) fo[o + x] = fi[r0 + ax.i0[x]];
                    else if (near) for (int x = 0; x < ow; x++) dout[o + x] = di[r0 + ax.i0[x]];
                    else if (f32)
                        for (int x = 0; x < ow; x++)
                            fo[o + x] = (float) (a0 * (ax.l0[x] * fi[r0 + ax.i0[x]] + ax.l1[x] * fi[r0 + ax.i1[x]])
                                    + a1 * (ax.l0[x] * fi[r1 + ax.i0[x]] + ax.l1[x] * fi[r1 + ax.i1[x]]));
                    else
                        for (int x = 0; x < ow; x++)
                            dout[o + x] = a0 * (ax.l0[x] * di[r0 + ax.i0[x]] + ax.l1[x] * di[r0 + ax.i1[x]])
                                    + a1 * (ax.l0[x] * di[r1 + ax.i0[x]] + ax.l1[x] * di[r1 + ax.i1[x]]);
                }
        });
    }

    static void upsample2dBackward(Tensor gradOut, Interpolation mode, boolean alignCorners, double scaleH,
                                   double scaleW, Tensor gradInput) {
        Tensor g = gradOut.contiguous();
        int h = gradInput.size(2), wd = gradInput.size(3), oh = g.size(2), ow = g.size(3), hw = h * wd, ohw = oh * ow;
        int go = g.offset();
        Axis ay = Axis.of(mode, alignCorners, scaleH, h, oh), ax = Axis.of(mode, alignCorners, scaleW, wd, ow);
        boolean f32 = g.dtype() == DType.FLOAT32;
        if (f32 && mode == Interpolation.BILINEAR) {
            bilinearBackwardF32(CpuStorage.floats(g), go, g.size(0) * g.size(1), h, wd, ay, ax,
                    CpuStorage.floats(gradInput), oh, ow);
            return;
        }
        float[] fg = f32 ? CpuStorage.floats(g) : null, fgi = f32 ? CpuStorage.floats(gradInput) : null;
        double[] dg = f32 ? null : CpuStorage.doubles(g), dgi = f32 ? null : CpuStorage.doubles(gradInput);
        Parallel.forRange(g.size(0) * g.size(1), Math.max(1, 16384 / Math.max(1, ohw)), (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                if (f32) Arrays.fill(fgi, p * hw, (p + 1) * hw, 0f);
                else Arrays.fill(dgi, p * hw, (p + 1) * hw, 0.0);
                for (int y = 0; y < oh; y++) {
                    int r0 = p * hw + ay.i0[y] * wd, r1 = p * hw + ay.i1[y] * wd, o = go + p * ohw + y * ow;
                    double a0 = ay.l0[y], a1 = ay.l1[y];
                    for (int x = 0; x < ow; x++) {
                        double v = f32 ? fg[o + x] : dg[o + x];
                        double b0 = ax.l0[x] * v, b1 = ax.l1[x] * v;
                        int x0 = ax.i0[x], x1 = ax.i1[x];
                        if (f32) {
                            fgi[r0 + x0] += (float) (a0 * b0);
                            fgi[r0 + x1] += (float) (a0 * b1);
                            fgi[r1 + x0] += (float) (a1 * b0);
                            fgi[r1 + x1] += (float) (a1 * b1);
                        } else {
                            dgi[r0 + x0] += a0 * b0;
                            dgi[r0 + x1] += a0 * b1;
                            dgi[r1 + x0] += a1 * b0;
                            dgi[r1 + x1] += a1 * b1;
                        }
                    }
                }
            }
        });
    }

    /**
     * Bilinear resizing of float32 planes, separably: for each output row, the two source rows are blended with
     * their vertical weights into a scratch row (a vector loop over the input width), and each output pixel then
     * blends two neighbours of that row. Two reads per output pixel instead of four, float arithmetic (as
     * PyTorch's float kernel), and the vertical pass vectorised.
     */
    private static void bilinearF32(float[] in, int io, int planes, int h, int wd, Axis ay, Axis ax, float[] out,
                                    int oh, int ow) {
        int hw = h * wd, ohw = oh * ow;
        float[] l0 = floats(ax.l0), l1 = floats(ax.l1);
        Parallel.forRange(planes, Math.max(1, 16384 / Math.max(1, ohw)), (p0, p1) -> {
            float[] row = new float[wd];
            for (int p = p0; p < p1; p++)
                for (int y = 0; y < oh; y++) {
                    int r0 = io + p * hw + ay.i0[y] * wd, r1 = io + p * hw + ay.i1[y] * wd, o = p * ohw + y * ow;
                    blend((float) ay.l0[y], in, r0, (float) ay.l1[y], in, r1, row, wd);
                    int x = 0;
                    if (!Simd.SCALAR)                 // a vector of output pixels: two gathers from the blended row
                        for (int end = Simd.F.loopBound(ow); x < end; x += Simd.F.length())
                            FloatVector.fromArray(Simd.F, row, 0, ax.i0, x).mul(FloatVector.fromArray(Simd.F, l0, x))
                                    .add(FloatVector.fromArray(Simd.F, row, 0, ax.i1, x)
                                            .mul(FloatVector.fromArray(Simd.F, l1, x)))
                                    .intoArray(out, o + x);
                    for (; x < ow; x++) out[o + x] = l0[x] * row[ax.i0[x]] + l1[x] * row[ax.i1[x]];
                }
        });
    }

    /**
     * The gradient of {@link #bilinearF32}: each gradient row is first gathered into a scratch row of the input
     * width with the horizontal weights, and that row is added onto the two source rows with the vertical weights
     * (vector loops). Split by plane: no two threads add into the same element.
     *
     * <p>The horizontal step is a scatter (output pixel x adds into input columns i0[x] and i1[x]), turned into a
     * gather by listing, per input column j, the output pixels that add into it ({@link Taps}): then
     * row[j] = Σ_t w_t[j] · g[x_t[j]] runs a vector of columns at a time. (The scatter as a scalar loop, whose
     * adds into the same element wait for each other, was about 2 % of a U-Net training step.)
     */
    private static void bilinearBackwardF32(float[] g, int go, int planes, int h, int wd, Axis ay, Axis ax, float[] gi,
                                            int oh, int ow) {
        int hw = h * wd, ohw = oh * ow;
        Taps taps = Taps.of(ax, wd);
        Parallel.forRange(planes, Math.max(1, 16384 / Math.max(1, ohw)), (p0, p1) -> {
            float[] row = new float[wd];
            for (int p = p0; p < p1; p++) {
                Arrays.fill(gi, p * hw, (p + 1) * hw, 0f);
                for (int y = 0; y < oh; y++) {
                    taps.gather(g, go + p * ohw + y * ow, row);
                    Blas1.axpy((float) ay.l0[y], row, 0, gi, p * hw + ay.i0[y] * wd, wd);
                    Blas1.axpy((float) ay.l1[y], row, 0, gi, p * hw + ay.i1[y] * wd, wd);
                }
            }
        });
    }

    /**
     * One axis of a bilinear resize seen from the input: input column j receives w[t·n + j] · g[x[t·n + j]] for
     * t &lt; count (unused slots have weight 0 and point at pixel 0).
     */
    private record Taps(int count, int n, int[] x, float[] w) {
        static Taps of(Axis ax, int n) {
            int[] per = new int[n];
            for (int x = 0; x < ax.i0.length; x++) {
                per[ax.i0[x]]++;
                per[ax.i1[x]]++;
            }
            int count = 0;
            for (int c : per) count = Math.max(count, c);
            int[] xs = new int[count * n];
            float[] ws = new float[count * n];
            Arrays.fill(per, 0);
            for (int x = 0; x < ax.i0.length; x++) {
                int j = ax.i0[x];
                xs[per[j] * n + j] = x;
                ws[per[j]++ * n + j] = (float) ax.l0[x];
                j = ax.i1[x];
                xs[per[j] * n + j] = x;
                ws[per[j]++ * n + j] = (float) ax.l1[x];
            }
            return new Taps(count, n, xs, ws);
        }

        /** row[j] = Σ_t w[t·n + j] · g[o + x[t·n + j]] for j &lt; n. */
        void gather(float[] g, int o, float[] row) {
            int j = 0;
            if (!Simd.SCALAR)
                for (int end = Simd.F.loopBound(n); j < end; j += Simd.F.length()) {
                    FloatVector acc = FloatVector.zero(Simd.F);
                    for (int t = 0; t < count; t++)
                        acc = FloatVector.fromArray(Simd.F, g, o, x, t * n + j)
                                .fma(FloatVector.fromArray(Simd.F, w, t * n + j), acc);
                    acc.intoArray(row, j);
                }
            for (; j < n; j++) {
                float acc = 0f;
                for (int t = 0; t < count; t++) acc += w[t * n + j] * g[o + x[t * n + j]];
                row[j] = acc;
            }
        }
    }

    /** row = a0·x[i0 ...] + a1·x[i1 ...] over n elements. */
    private static void blend(float a0, float[] x, int i0, float a1, float[] y, int i1, float[] row, int n) {
        int i = 0;
        if (!Simd.SCALAR) {
            FloatVector va = FloatVector.broadcast(Simd.F, a0), vb = FloatVector.broadcast(Simd.F, a1);
            for (int end = Simd.F.loopBound(n); i < end; i += Simd.F.length())
                FloatVector.fromArray(Simd.F, x, i0 + i).mul(va)
                        .add(FloatVector.fromArray(Simd.F, y, i1 + i).mul(vb)).intoArray(row, i);
        }
        for (; i < n; i++) row[i] = a0 * x[i0 + i] + a1 * y[i1 + i];
    }

    private static float[] floats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }
}

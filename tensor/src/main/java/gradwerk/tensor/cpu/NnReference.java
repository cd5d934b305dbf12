package gradwerk.tensor.cpu;

import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.GridPadding;
import gradwerk.tensor.nn.Interpolation;
import gradwerk.tensor.nn.Window2d;

/**
 * The reference definitions of the neural-network primitives of {@link gradwerk.tensor.Backend}: the most direct
 * loops, in double precision, read straight from PyTorch's semantics. {@link ScalarBackend} uses them, and every
 * fast kernel is tested against them. Slow on purpose.
 */
final class NnReference {
    private NnReference() {}

    /** A tensor's elements addressed by their indices (rank 1 to 4), read and written as doubles. */
    private static final class At {
        final CpuStorage s;
        final int[] st;
        final int off;

        At(Tensor t) {
            s = CpuStorage.cpu(t);
            st = t.strides();
            off = t.offset();
        }

        int pos(int a) { return off + a * st[0]; }
        int pos(int a, int b) { return off + a * st[0] + b * st[1]; }
        int pos(int a, int b, int c) { return off + a * st[0] + b * st[1] + c * st[2]; }
        int pos(int a, int b, int c, int d) { return off + a * st[0] + b * st[1] + c * st[2] + d * st[3]; }
        double get(int p) { return s.get(p); }
        void set(int p, double v) { s.set(p, v); }
        void add(int p, double v) { s.set(p, s.get(p) + v); }
    }

    private static boolean inside(int i, int size) {
        return i >= 0 && i < size;
    }

    // ---------------------------------------------------------------- convolution

    static void im2col(Tensor input, Window2d w, Tensor columns) {
        At in = new At(input), col = new At(columns);
        int c0 = input.size(0), h = input.size(1), wd = input.size(2);
        int oh = columns.size(1), ow = columns.size(2);
        for (int c = 0; c < c0; c++)
            for (int i = 0; i < w.kh(); i++)
                for (int j = 0; j < w.kw(); j++)
                    for (int y = 0; y < oh; y++)
                        for (int x = 0; x < ow; x++) {
                            int ih = y * w.sh() - w.ph() + i * w.dh(), iw = x * w.sw() - w.pw() + j * w.dw();
                            double v = inside(ih, h) && inside(iw, wd) ? in.get(in.pos(c, ih, iw)) : 0;
                            col.set(col.pos((c * w.kh() + i) * w.kw() + j, y, x), v);
                        }
    }

    static void col2im(Tensor columns, Window2d w, Tensor image) {
        At img = new At(image), col = new At(columns);
        int c0 = image.size(0), h = image.size(1), wd = image.size(2);
        int oh = columns.size(1), ow = columns.size(2);
        for (int c = 0; c < c0; c++)
            for (int i = 0; i < w.kh(); i++)
                for (int j = 0; j < w.kw(); j++)
                    for (int y = 0; y < oh; y++)
                        for (int x = 0; x < ow; x++) {
                            int ih = y * w.sh() - w.ph() + i * w.dh(), iw = x * w.sw() - w.pw() + j * w.dw();
                            if (inside(ih, h) && inside(iw, wd))
                                img.add(img.pos(c, ih, iw), col.get(col.pos((c * w.kh() + i) * w.kw() + j, y, x)));
                        }
    }

    // ---------------------------------------------------------------- pooling

    static void maxPool2d(Tensor input, Window2d w, Tensor out, Tensor indices) {
        At in = new At(input), o = new At(out), idx = new At(indices);
        int n0 = input.size(0), c0 = input.size(1), h = input.size(2), wd = input.size(3);
        for (int n = 0; n < n0; n++)
            for (int c = 0; c < c0; c++)
                for (int y = 0; y < out.size(2); y++)
                    for (int x = 0; x < out.size(3); x++) {
                        double best = Double.NEGATIVE_INFINITY;
                        int bestAt = -1;
                        for (int i = 0; i < w.kh(); i++)
                            for (int j = 0; j < w.kw(); j++) {
                                int ih = y * w.sh() - w.ph() + i * w.dh(), iw = x * w.sw() - w.pw() + j * w.dw();
                                if (!inside(ih, h) || !inside(iw, wd)) continue;
                                double v = in.get(in.pos(n, c, ih, iw));
                                // PyTorch: the window's first pixel starts as the answer (value -inf); a larger
                                // value or a NaN replaces it, so ties keep the first maximum
                                if (bestAt < 0) bestAt = ih * wd + iw;
                                if (v > best || Double.isNaN(v)) {
                                    best = v;
                                    bestAt = ih * wd + iw;
                                }
                            }
                        o.set(o.pos(n, c, y, x), best);
                        idx.set(idx.pos(n, c, y, x), bestAt);
                    }
    }

    static void maxPool2dBackward(Tensor gradOut, Tensor indices, Tensor gradInput) {
        At g = new At(gradOut), idx = new At(indices), gi = new At(gradInput);
        int wd = gradInput.size(3);
        fillZero(gradInput);
        for (int n = 0; n < gradOut.size(0); n++)
            for (int c = 0; c < gradOut.size(1); c++)
                for (int y = 0; y < gradOut.size(2); y++)
                    for (int x = 0; x < gradOut.size(3); x++) {
                        int at = (int) idx.get(idx.pos(n, c, y, x));
                        if (at < 0) continue; // an empty window
                        gi.add(gi.pos(n, c, at / wd, at % wd), g.get(g.pos(n, c, y, x)));
                    }
    }

    /** The divisor of one average-pooling window, or 0 for a window that misses the image entirely. */
    static int avgDivisor(int y, int x, Window2d w, int h, int wd, boolean countIncludePad, int divisorOverride) {
        int h0 = y * w.sh() - w.ph(), w0 = x * w.sw() - w.pw();
        int h1 = Math.min(h0 + w.kh(), h + w.ph()), w1 = Math.min(w0 + w.kw(), wd + w.pw());
        int poolSize = (h1 - h0) * (w1 - w0);
        h0 = Math.max(h0, 0);
        w0 = Math.max(w0, 0);
        h1 = Math.min(h1, h);
        w1 = Math.min(w1, wd);
        if (h0 >= h1 || w0 >= w1) return 0;
        if (divisorOverride > 0) return divisorOverride;
        return countIncludePad ? poolSize : (h1 - h0) * (w1 - w0);
    }

    static void avgPool2d(Tensor input, Window2d w, boolean countIncludePad, int divisorOverride, Tensor out) {
        At in = new At(input), o = new At(out);
        int h = input.size(2), wd = input.size(3);
        for (int n = 0; n < input.size(0); n++)
            for (int c = 0; c < input.size(1); c++)
                for (int y = 0; y < out.size(2); y++)
                    for (int x = 0; x < out.size(3); x++) {
                        int div = avgDivisor(y, x, w, h, wd, countIncludePad, divisorOverride);
                        double sum = 0;
                        for (int i = 0; i < w.kh(); i++)
                            for (int j = 0; j < w.kw(); j++) {
                                int ih = y * w.sh() - w.ph() + i, iw = x * w.sw() - w.pw() + j;
                                if (inside(ih, h) && inside(iw, wd)) sum += in.get(in.pos(n, c, ih, iw));
                            }
                        o.set(o.pos(n, c, y, x), div == 0 ? 0 : sum / div);
                    }
    }

    static void avgPool2dBackward(Tensor gradOut, Window2d w, boolean countIncludePad, int divisorOverride,
                                  Tensor gradInput) {
        At g = new At(gradOut), gi = new At(gradInput);
        int h = gradInput.size(2), wd = gradInput.size(3);
        fillZero(gradInput);
        for (int n = 0; n < gradOut.size(0); n++)
            for (int c = 0; c < gradOut.size(1); c++)
                for (int y = 0; y < gradOut.size(2); y++)
                    for (int x = 0; x < gradOut.size(3); x++) {
                        int div = avgDivisor(y, x, w, h, wd, countIncludePad, divisorOverride);
                        if (div == 0) continue;
                        double share = g.get(g.pos(n, c, y, x)) / div;
                        for (int i = 0; i < w.kh(); i++)
                            for (int j = 0; j < w.kw(); j++) {
                                int ih = y * w.sh() - w.ph() + i, iw = x * w.sw() - w.pw() + j;
                                if (inside(ih, h) && inside(iw, wd)) gi.add(gi.pos(n, c, ih, iw), share);
                            }
                    }
    }

    /** First input index of adaptive-pooling bin i of n over an input of size in: floor(i*in/n). */
    static int binStart(int i, int n, int in) {
        return (int) Math.floorDiv((long) i * in, n);
    }

    /** One past the last input index of bin i: ceil((i+1)*in/n). */
    static int binEnd(int i, int n, int in) {
        return (int) Math.ceilDiv((long) (i + 1) * in, n);
    }

    static void adaptiveAvgPool2d(Tensor input, Tensor out) {
        At in = new At(input), o = new At(out);
        int h = input.size(2), wd = input.size(3), oh = out.size(2), ow = out.size(3);
        for (int n = 0; n < input.size(0); n++)
            for (int c = 0; c < input.size(1); c++)
                for (int y = 0; y < oh; y++)
                    for (int x = 0; x < ow; x++) {
                        int h0 = binStart(y, oh, h), h1 = binEnd(y, oh, h), w0 = binStart(x, ow, wd), w1 = binEnd(x, ow, wd);
                        double sum = 0;
                        for (int ih = h0; ih < h1; ih++)
                            for (int iw = w0; iw < w1; iw++) sum += in.get(in.pos(n, c, ih, iw));
                        o.set(o.pos(n, c, y, x), sum / ((h1 - h0) * (w1 - w0)));
                    }
    }

    static void adaptiveAvgPool2dBackward(Tensor gradOut, Tensor gradInput) {
        At g = new At(gradOut), gi = new At(gradInput);
        int h = gradInput.size(2), wd = gradInput.size(3), oh = gradOut.size(2), ow = gradOut.size(3);
        fillZero(gradInput);
        for (int n = 0; n < gradOut.size(0); n++)
            for (int c = 0; c < gradOut.size(1); c++)
                for (int y = 0; y < oh; y++)
                    for (int x = 0; x < ow; x++) {
                        int h0 = binStart(y, oh, h), h1 = binEnd(y, oh, h), w0 = binStart(x, ow, wd), w1 = binEnd(x, ow, wd);
                        double share = g.get(g.pos(n, c, y, x)) / ((h1 - h0) * (w1 - w0));
                        for (int ih = h0; ih < h1; ih++)
                            for (int iw = w0; iw < w1; iw++) gi.add(gi.pos(n, c, ih, iw), share);
                    }
    }

    // ---------------------------------------------------------------- upsampling

    /** PyTorch's nearest source index: min(floor(o * scale), in - 1) computed in float32 as ATen does. */
    static int nearestSource(int o, double scale, int in) {
        return Math.min((int) Math.floor((float) o * (float) scale), in - 1);
    }

    /** PyTorch's area_pixel_compute_source_index for linear modes. */
    static double linearSource(int o, double scale, boolean alignCorners) {
        if (alignCorners) return o * scale;
        double src = scale * (o + 0.5) - 0.5;
        return src < 0 ? 0 : src;
    }

    static void upsample2d(Tensor input, Interpolation mode, boolean alignCorners, double scaleH, double scaleW,
                           Tensor out, boolean backward) {
        // forward: out[y,x] = sum_k weight_k * input[tap_k]; backward: gradInput[tap_k] += weight_k * gradOut[y,x]
        At in = new At(input), o = new At(out);
        int h = input.size(2), wd = input.size(3), oh = out.size(2), ow = out.size(3);
        if (backward) fillZero(input);
        for (int n = 0; n < input.size(0); n++)
            for (int c = 0; c < input.size(1); c++)
                for (int y = 0; y < oh; y++)
                    for (int x = 0; x < ow; x++) {
                        int[] hs, ws;
                        double[] hl, wl;
                        if (mode == Interpolation.NEAREST) {
                            hs = new int[] {nearestSource(y, scaleH, h)};
                            ws = new int[] {nearestSource(x, scaleW, wd)};
                            hl = wl = new double[] {1};
                        } else {
                            double hr = linearSource(y, scaleH, alignCorners), wr = linearSource(x, scaleW, alignCorners);
                            int h1 = (int) hr, w1 = (int) wr;
                            hs = new int[] {h1, h1 < h - 1 ? h1 + 1 : h1};
                            ws = new int[] {w1, w1 < wd - 1 ? w1 + 1 : w1};
                            hl = new double[] {1 - (hr - h1), hr - h1};
                            wl = new double[] {1 - (wr - w1), wr - w1};
                        }
                        int op = o.pos(n, c, y, x);
                        double acc = 0;
                        for (int a = 0; a < hs.length; a++)
                            for (int b = 0; b < ws.length; b++) {
                                int ip = in.pos(n, c, hs[a], ws[b]);
                                if (backward) in.add(ip, hl[a] * wl[b] * o.get(op));
                                else acc += hl[a] * wl[b] * in.get(ip);
                            }
                        if (!backward) o.set(op, acc);
                    }
    }

    // ---------------------------------------------------------------- grid_sample

    /** Normalised coordinate in [-1, 1] to pixel coordinate (PyTorch's grid_sampler_unnormalize). */
    static double unnormalize(double coord, int size, boolean alignCorners) {
        return alignCorners ? (coord + 1) / 2 * (size - 1) : ((coord + 1) * size - 1) / 2;
    }

    /** d(pixel coordinate)/d(normalised coordinate). */
    static double unnormalizeSlope(int size, boolean alignCorners) {
        return alignCorners ? (size - 1) / 2.0 : size / 2.0;
    }

    /**
     * Pixel coordinate and its derivative factor after padding: border clamps into [0, size-1] (derivative 0 when
     * clamped, including exactly at the edge, as in PyTorch's clip_coordinates_set_grad); zeros leaves it alone.
     * NaN or huge coordinates become -100 (outside the image), like PyTorch's safe_downgrade_to_int_range.
     */
    static double[] sourceCoordinate(double coord, int size, GridPadding padding, boolean alignCorners) {
        double p = unnormalize(coord, size, alignCorners), slope = unnormalizeSlope(size, alignCorners);
        if (padding == GridPadding.BORDER) {
            if (p <= 0) { p = 0; slope = 0; }
            else if (p >= size - 1) { p = size - 1; slope = 0; }
        }
        if (!(p > -1e9 && p < 1e9)) p = -100;
        return new double[] {p, slope};
    }

    /**
     * Forward ({@code gradOut == null}) or backward of grid_sample in one definition: the four bilinear taps (or
     * one nearest tap) of each output pixel, their weights, and the derivative of each weight w.r.t. (x, y).
     */
    static void gridSample2d(Tensor input, Tensor grid, Interpolation mode, GridPadding padding, boolean alignCorners,
                             Tensor out, Tensor gradOut, Tensor gradInput, Tensor gradGrid) {
        At in = new At(input), gr = new At(grid);
        At o = out == null ? null : new At(out), g = gradOut == null ? null : new At(gradOut);
        At gi = gradInput == null ? null : new At(gradInput), gg = gradGrid == null ? null : new At(gradGrid);
        if (gradInput != null) fillZero(gradInput);
        int n0 = input.size(0), c0 = input.size(1), h = input.size(2), wd = input.size(3);
        int oh = grid.size(1), ow = grid.size(2);
        for (int n = 0; n < n0; n++)
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++) {
                    double[] sx = sourceCoordinate(gr.get(gr.pos(n, y, x, 0)), wd, padding, alignCorners);
                    double[] sy = sourceCoordinate(gr.get(gr.pos(n, y, x, 1)), h, padding, alignCorners);
                    double ix = sx[0], iy = sy[0];
                    int[] tx, ty;
                    double[] wt, dwx, dwy; // weight of each tap and its derivative w.r.t. ix and iy
                    if (mode == Interpolation.NEAREST) {
                        tx = new int[] {(int) Math.rint(ix)};
                        ty = new int[] {(int) Math.rint(iy)};
                        wt = new double[] {1};
                        dwx = dwy = new double[] {0};
                    } else {
                        int x0 = (int) Math.floor(ix), y0 = (int) Math.floor(iy);
                        double fx = ix - x0, fy = iy - y0;
                        tx = new int[] {x0, x0 + 1, x0, x0 + 1}; // nw, ne, sw, se
                        ty = new int[] {y0, y0, y0 + 1, y0 + 1};
                        wt = new double[] {(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy};
                        dwx = new double[] {-(1 - fy), 1 - fy, -fy, fy};
                        dwy = new double[] {-(1 - fx), -fx, 1 - fx, fx};
                    }
                    double gx = 0, gy = 0;
                    for (int c = 0; c < c0; c++) {
                        double acc = 0, go = g == null ? 0 : g.get(g.pos(n, c, y, x));
                        for (int k = 0; k < wt.length; k++) {
                            if (!inside(tx[k], wd) || !inside(ty[k], h)) continue;
                            double v = in.get(in.pos(n, c, ty[k], tx[k]));
                            acc += wt[k] * v;
                            gx += dwx[k] * v * go;
                            gy += dwy[k] * v * go;
                            if (gi != null) gi.add(gi.pos(n, c, ty[k], tx[k]), wt[k] * go);
                        }
                        if (o != null) o.set(o.pos(n, c, y, x), acc);
                    }
                    if (gg != null) {
                        gg.set(gg.pos(n, y, x, 0), gx * sx[1]);
                        gg.set(gg.pos(n, y, x, 1), gy * sy[1]);
                    }
                }
    }

    // ---------------------------------------------------------------- normalisation

    static void batchNorm(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
                          boolean training, double momentum, double eps, Tensor out, Tensor saveMean,
                          Tensor saveInvstd) {
        At xs = new At(x), o = new At(out), sm = new At(saveMean), si = new At(saveInvstd);
        At w = weight == null ? null : new At(weight), b = bias == null ? null : new At(bias);
        At rm = runningMean == null ? null : new At(runningMean), rv = runningVar == null ? null : new At(runningVar);
        int n0 = x.size(0), c0 = x.size(1), l0 = x.size(2), count = n0 * l0;
        for (int c = 0; c < c0; c++) {
            double mean, invstd;
            if (training) {
                double sum = 0, ss = 0;
                for (int n = 0; n < n0; n++) for (int l = 0; l < l0; l++) sum += xs.get(xs.pos(n, c, l));
                mean = sum / count;
                for (int n = 0; n < n0; n++)
                    for (int l = 0; l < l0; l++) { double d = xs.get(xs.pos(n, c, l)) - mean; ss += d * d; }
                double var = ss / count;
                invstd = 1 / Math.sqrt(var + eps);
                if (rm != null) rm.set(rm.pos(c), (1 - momentum) * rm.get(rm.pos(c)) + momentum * mean);
                if (rv != null) rv.set(rv.pos(c), (1 - momentum) * rv.get(rv.pos(c)) + momentum * ss / (count - 1));
            } else {
                mean = rm.get(rm.pos(c));
                invstd = 1 / Math.sqrt(rv.get(rv.pos(c)) + eps);
            }
            sm.set(sm.pos(c), mean);
            si.set(si.pos(c), invstd);
            double scale = w == null ? 1 : w.get(w.pos(c)), shift = b == null ? 0 : b.get(b.pos(c));
            for (int n = 0; n < n0; n++)
                for (int l = 0; l < l0; l++)
                    o.set(o.pos(n, c, l), (xs.get(xs.pos(n, c, l)) - mean) * invstd * scale + shift);
        }
    }

    static void batchNormBackward(Tensor gradOut, Tensor x, Tensor weight, Tensor saveMean, Tensor saveInvstd,
                                  boolean training, Tensor gradInput, Tensor gradWeight, Tensor gradBias) {
        At g = new At(gradOut), xs = new At(x), sm = new At(saveMean), si = new At(saveInvstd);
        At w = weight == null ? null : new At(weight);
        int n0 = x.size(0), c0 = x.size(1), l0 = x.size(2), count = n0 * l0;
        for (int c = 0; c < c0; c++) {
            double mean = sm.get(sm.pos(c)), invstd = si.get(si.pos(c)), scale = w == null ? 1 : w.get(w.pos(c));
            double sumG = 0, sumGX = 0; // sum of g and of g * xhat
            for (int n = 0; n < n0; n++)
                for (int l = 0; l < l0; l++) {
                    double gv = g.get(g.pos(n, c, l));
                    sumG += gv;
                    sumGX += gv * (xs.get(xs.pos(n, c, l)) - mean) * invstd;
                }
            if (gradWeight != null) new At(gradWeight).set(new At(gradWeight).pos(c), sumGX);
            if (gradBias != null) new At(gradBias).set(new At(gradBias).pos(c), sumG);
            if (gradInput == null) continue;
            At gi = new At(gradInput);
            for (int n = 0; n < n0; n++)
                for (int l = 0; l < l0; l++) {
                    double gv = g.get(g.pos(n, c, l)), xhat = (xs.get(xs.pos(n, c, l)) - mean) * invstd;
                    double d = training ? gv - sumG / count - xhat * sumGX / count : gv;
                    gi.set(gi.pos(n, c, l), scale * invstd * d);
                }
        }
    }

    static void groupNorm(Tensor x, Tensor weight, Tensor bias, int groups, double eps, Tensor out, Tensor saveMean,
                          Tensor saveInvstd) {
        At xs = new At(x), o = new At(out), sm = new At(saveMean), si = new At(saveInvstd);
        At w = weight == null ? null : new At(weight), b = bias == null ? null : new At(bias);
        int n0 = x.size(0), c0 = x.size(1), l0 = x.size(2), cg = c0 / groups, count = cg * l0;
        for (int n = 0; n < n0; n++)
            for (int gr = 0; gr < groups; gr++) {
                double sum = 0, ss = 0;
                for (int c = gr * cg; c < (gr + 1) * cg; c++) for (int l = 0; l < l0; l++) sum += xs.get(xs.pos(n, c, l));
                double mean = sum / count;
                for (int c = gr * cg; c < (gr + 1) * cg; c++)
                    for (int l = 0; l < l0; l++) { double d = xs.get(xs.pos(n, c, l)) - mean; ss += d * d; }
                double invstd = 1 / Math.sqrt(ss / count + eps);
                sm.set(sm.pos(n, gr), mean);
                si.set(si.pos(n, gr), invstd);
                for (int c = gr * cg; c < (gr + 1) * cg; c++) {
                    double scale = w == null ? 1 : w.get(w.pos(c)), shift = b == null ? 0 : b.get(b.pos(c));
                    for (int l = 0; l < l0; l++)
                        o.set(o.pos(n, c, l), (xs.get(xs.pos(n, c, l)) - mean) * invstd * scale + shift);
                }
            }
    }

    static void groupNormBackward(Tensor gradOut, Tensor x, Tensor weight, Tensor saveMean, Tensor saveInvstd,
                                  int groups, Tensor gradInput, Tensor gradWeight, Tensor gradBias) {
        At g = new At(gradOut), xs = new At(x), sm = new At(saveMean), si = new At(saveInvstd);
        At w = weight == null ? null : new At(weight);
        int n0 = x.size(0), c0 = x.size(1), l0 = x.size(2), cg = c0 / groups, count = cg * l0;
        if (gradWeight != null) fillZero(gradWeight);
        if (gradBias != null) fillZero(gradBias);
        At gw = gradWeight == null ? null : new At(gradWeight), gb = gradBias == null ? null : new At(gradBias);
        At gi = gradInput == null ? null : new At(gradInput);
        for (int n = 0; n < n0; n++)
            for (int gr = 0; gr < groups; gr++) {
                double mean = sm.get(sm.pos(n, gr)), invstd = si.get(si.pos(n, gr));
                double sumD = 0, sumDX = 0; // sums of dxhat = g * weight and of dxhat * xhat over the group
                for (int c = gr * cg; c < (gr + 1) * cg; c++) {
                    double scale = w == null ? 1 : w.get(w.pos(c));
                    for (int l = 0; l < l0; l++) {
                        double gv = g.get(g.pos(n, c, l)), xhat = (xs.get(xs.pos(n, c, l)) - mean) * invstd;
                        sumD += gv * scale;
                        sumDX += gv * scale * xhat;
                        if (gw != null) gw.add(gw.pos(c), gv * xhat);
                        if (gb != null) gb.add(gb.pos(c), gv);
                    }
                }
                if (gi == null) continue;
                for (int c = gr * cg; c < (gr + 1) * cg; c++) {
                    double scale = w == null ? 1 : w.get(w.pos(c));
                    for (int l = 0; l < l0; l++) {
                        double xhat = (xs.get(xs.pos(n, c, l)) - mean) * invstd;
                        double d = g.get(g.pos(n, c, l)) * scale;
                        gi.set(gi.pos(n, c, l), invstd * (d - sumD / count - xhat * sumDX / count));
                    }
                }
            }
    }

    private static void fillZero(Tensor t) {
        CpuStorage s = CpuStorage.cpu(t);
        int n = t.numel();
        for (int i = 0; i < n; i++) s.set(ScalarBackend.at(t, i), 0);
    }
}

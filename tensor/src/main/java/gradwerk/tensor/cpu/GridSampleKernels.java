package gradwerk.tensor.cpu;

import gradwerk.tensor.DType;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.GridPadding;
import gradwerk.tensor.nn.Interpolation;

import java.util.Arrays;

/**
 * Fast grid sampling ({@code F.grid_sample}, 2-D, bilinear and nearest, zeros and border padding). As for
 * upsampling ({@link SamplingKernels}), the work is split in two: first the geometry ({@link Taps}: which input pixels
 * each output pixel reads, with which weights), computed once per block of output pixels in double precision and
 * shared by every channel; then a short typed loop per channel that only gathers (forward) or scatters (backward)
 * with those weights. The fused contractions of deformable attention ({@link GridContractions}) use the same taps.
 *
 * <p>Race freedom: the forward pass writes disjoint outputs. The backward pass scatters into the input gradient split
 * by (n, block of channels), so no two threads ever add into the same element. The grid gradient of one sample sums
 * over all channels: when channels are split, each block writes its partial sums to its own buffer and they are
 * added at the end.
 */
final class GridSampleKernels {
    private GridSampleKernels() {}

    /**
     * Output pixels per block. A grid's rows can be very short (deformable attention samples a handful of points
     * per query: [N, queries, points, 2]), so the kernels walk the output pixels of a sample as one flat list
     * (out[n, c] is contiguous over (y, x)) in blocks of this many, whatever the row length.
     */
    static final int PIXELS = 256;

    /**
     * The taps of a block of output pixels: for pixel x and tap t (t < taps: 4 bilinear corners nw, ne, sw, se, or
     * 1 nearest pixel) the offset into the input plane (-1 when outside the image, i.e. zero padding), the weight,
     * and the weight's derivative w.r.t. the pixel coordinates ix and iy. slopeX/slopeY are d(ix)/d(grid x) and
     * d(iy)/d(grid y): the unnormalisation factor, or 0 where border padding clamped the coordinate.
     */
    static final class Taps {
        final int taps, w, h;
        final boolean nearest, border, alignCorners;
        final int[] off;
        final double[] wt, dwx, dwy, slopeX, slopeY, coords;
        /** Bilinear pixels whose four taps are all inside the image: the common case, gathered without tests. */
        final boolean[] inside;
        /** The weights as floats, for float32 images. */
        final float[] wtf;
        /** Pixel coordinates ix, iy of the loaded pixels (after border clamping). */
        final double[] ix, iy;
        /** Forward pass over a zero-bordered copy of the input ({@link #computePadded}): one offset per pixel. */
        final int[] poff;

        Taps(Interpolation mode, GridPadding padding, boolean alignCorners, int h, int w) {
            this.nearest = mode == Interpolation.NEAREST;
            this.border = padding == GridPadding.BORDER;
            this.alignCorners = alignCorners;
            this.taps = nearest ? 1 : 4;
            this.h = h;
            this.w = w;
            off = new int[taps * PIXELS];
            wt = new double[taps * PIXELS];
            dwx = new double[taps * PIXELS];
            dwy = new double[taps * PIXELS];
            slopeX = new double[PIXELS];
            slopeY = new double[PIXELS];
            coords = new double[2 * PIXELS];
            inside = new boolean[PIXELS];
            wtf = new float[taps * PIXELS];
            ix = new double[PIXELS];
            iy = new double[PIXELS];
            poff = new int[PIXELS];
        }

        /** Loads the (x, y) of pixels [p0, p0+len) of sample n from a contiguous grid [N,outH,outW,2]. */
        void load(Tensor grid, int n, int p0, int len) {
            int at = grid.offset() + (n * grid.size(1) * grid.size(2) + p0) * 2;
            if (grid.dtype() == DType.FLOAT32) {
                float[] g = CpuStorage.floats(grid);
                for (int i = 0; i < 2 * len; i++) coords[i] = g[at + i];
            } else System.arraycopy(CpuStorage.doubles(grid), at, coords, 0, 2 * len);
        }

        /**
         * Computes the taps of the first len loaded pixels, and with {@code derivatives} also dwx/dwy: for each tap
         * its offset in the (unpadded) plane, -1 when it is outside the image.
         */
        void compute(int len, boolean derivatives) {
            coordinates(len);
            for (int x = 0; x < len; x++) {
                double ix = this.ix[x], iy = this.iy[x];
                if (nearest) {
                    int cx = (int) Math.rint(ix), cy = (int) Math.rint(iy); // round half to even, like nearbyint
                    off[x] = cx >= 0 && cx < w && cy >= 0 && cy < h ? cy * w + cx : -1;
                    wt[x] = 1;
                    wtf[x] = 1;
                    continue;
                }
                int x0 = (int) Math.floor(ix), y0 = (int) Math.floor(iy), t = 4 * x;
                double fx = ix - x0, fy = iy - y0;
                boolean left = x0 >= 0 && x0 < w, right = x0 + 1 >= 0 && x0 + 1 < w;
                boolean top = y0 >= 0 && y0 < h, bottom = y0 + 1 >= 0 && y0 + 1 < h;
                int o = y0 * w + x0;
                off[t] = left && top ? o : -1;                   // nw
                off[t + 1] = right && top ? o + 1 : -1;          // ne
                off[t + 2] = left && bottom ? o + w : -1;        // sw
                off[t + 3] = right && bottom ? o + w + 1 : -1;   // se
                inside[x] = left && right && top && bottom;
                weights(t, fx, fy);
                if (derivatives) { // d weight / d ix and d weight / d iy
                    dwx[t] = -(1 - fy);
                    dwx[t + 1] = 1 - fy;
                    dwx[t + 2] = -fy;
                    dwx[t + 3] = fy;
                    dwy[t] = -(1 - fx);
                    dwy[t + 1] = -fx;
                    dwy[t + 2] = 1 - fx;
                    dwy[t + 3] = fx;
                }
            }
        }

        /** The bilinear weights of taps t .. t+3 (nw, ne, sw, se) for the fractions fx, fy, in wt and as floats in wtf. */
        private void weights(int t, double fx, double fy) {
            weights(t, fx, fy, true);
        }

        /** {@link #weights(int, double, double)}, with {@code doubles = false} only the floats (the padded forward). */
        private void weights(int t, double fx, double fy, boolean doubles) {
            // From locals, not by reading wt back: C2 turned "wtf[u] = (float) wt[u]" into one vector load over the
            // four stores just made, which cannot be forwarded from them and waits until they reach the cache (JFR
            // put 30 % of a one-channel grid-sample backward's samples here; fwd+bwd 7.5 -> 7.2 ms without it).
            double nw = (1 - fx) * (1 - fy), ne = fx * (1 - fy), sw = (1 - fx) * fy, se = fx * fy;
            if (doubles) {
                wt[t] = nw;
                wt[t + 1] = ne;
                wt[t + 2] = sw;
                wt[t + 3] = se;
            }
            wtf[t] = (float) nw;
            wtf[t + 1] = (float) ne;
            wtf[t + 2] = (float) sw;
            wtf[t + 3] = (float) se;
        }

        /**
         * The pixel coordinates ix, iy of the first len loaded pixels and their slopes. The pixel coordinate
         * {@code (x+1)/2·(size-1)} (aligned) or {@code ((x+1)·size - 1)/2} is computed as {@code (x+1)·slope - shift},
         * which rounds identically (the halving is exact).
         */
        private void coordinates(int len) {
            double sx = alignCorners ? (w - 1) / 2.0 : w / 2.0, sy = alignCorners ? (h - 1) / 2.0 : h / 2.0;
            double shift = alignCorners ? 0 : 0.5;
            for (int x = 0; x < len; x++) {
                double ix = (coords[2 * x] + 1) * sx - shift, iy = (coords[2 * x + 1] + 1) * sy - shift;
                double gx = sx, gy = sy;
                if (border) { // clamp into the image; a clamped coordinate does not move the output (slope 0)
                    if (ix <= 0) { ix = 0; gx = 0; } else if (ix >= w - 1) { ix = w - 1; gx = 0; }
                    if (iy <= 0) { iy = 0; gy = 0; } else if (iy >= h - 1) { iy = h - 1; gy = 0; }
                }
                // NaN or far outside: a coordinate surely outside the image (PyTorch's safe_downgrade_to_int_range)
                if (!(ix > -1e9 && ix < 1e9)) ix = -100;
                if (!(iy > -1e9 && iy < 1e9)) iy = -100;
                this.ix[x] = ix;
                this.iy[x] = iy;
                slopeX[x] = gx;
                slopeY[x] = gy;
            }
        }

        /** The pixel coordinate of normalised coordinate g on an axis of the given size, as {@link #coordinates}. */
        private double pixel(double g, double scale, double shift, int size) {
            double i = (g + 1) * scale - shift;
            if (border) {
                if (i <= 0) i = 0;
                else if (i >= size - 1) i = size - 1;
            }
            return i > -1e9 && i < 1e9 ? i : -100;
        }

        /** Row length of the zero-bordered copy of an h x w plane that {@link #gatherPadded} reads. */
        static int paddedWidth(int w) {
            return w + 2;
        }

        /**
         * Floats per zero-bordered plane: two zero rows above the image, one below, one zero column on each side.
         * Every bilinear 2 x 2 block whose top-left tap (x0, y0) has -1 &lt;= x0 &lt; w and -1 &lt;= y0 &lt; h lies
         * inside it, with its outside taps on zeros; the block at offset 0 is all zeros (the two top rows), which is
         * where a pixel whose taps are all outside reads.
         */
        static int paddedPlane(int h, int w) {
            return (h + 3) * (w + 2);
        }

        /**
         * The forward taps of the first len loaded pixels over zero-bordered planes: {@code poff[x]} is the offset of
         * the pixel's top-left tap (bilinear) or of its pixel (nearest) in the padded plane, {@code wtf} its four
         * weights. A tap outside the image lands on the zero border, so {@link #gatherPadded} needs no tests: it
         * is the same sum as {@link #gather} (taps outside the image add +0).
         */
        void computePadded(int len) {
            int pw = paddedWidth(w);
            double sx = alignCorners ? (w - 1) / 2.0 : w / 2.0, sy = alignCorners ? (h - 1) / 2.0 : h / 2.0;
            double shift = alignCorners ? 0 : 0.5;
            for (int x = 0; x < len; x++) {       // coordinates() inline, without its arrays: the forward needs no slopes
                double ix = pixel(coords[2 * x], sx, shift, w), iy = pixel(coords[2 * x + 1], sy, shift, h);
                if (nearest) {
                    int cx = (int) Math.rint(ix), cy = (int) Math.rint(iy); // round half to even, like nearbyint
                    poff[x] = cx >= 0 && cx < w && cy >= 0 && cy < h ? (cy + 2) * pw + cx + 1 : 0;
                    continue;
                }
                int x0 = (int) Math.floor(ix), y0 = (int) Math.floor(iy), t = 4 * x;
                if (x0 >= -1 && x0 < w && y0 >= -1 && y0 < h) {
                    double fx = ix - x0, fy = iy - y0;
                    poff[x] = (y0 + 2) * pw + x0 + 1;
                    weights(t, fx, fy, false);                    // floats only: the gather reads nothing else
                } else {                                         // all four taps outside: read the zero block
                    poff[x] = 0;
                    wtf[t] = wtf[t + 1] = wtf[t + 2] = wtf[t + 3] = 0f;
                }
            }
        }

        /**
         * out[ob + x] = the taps of pixel x read from the zero-bordered plane at in[ib + ...], for x &lt; len, after
         * {@link #computePadded}. Straight-line code: no test per tap or per pixel.
         */
        void gatherPadded(float[] in, int ib, float[] out, int ob, int len) {
            int[] poff = this.poff;
            if (nearest) {
                for (int x = 0; x < len; x++) out[ob + x] = in[ib + poff[x]];
                return;
            }
            float[] wt = wtf;
            int pw = paddedWidth(w);
            for (int x = 0, t = 0; x < len; x++, t += 4) {
                int o = ib + poff[x];
                out[ob + x] = wt[t] * in[o] + wt[t + 1] * in[o + 1] + wt[t + 2] * in[o + pw] + wt[t + 3] * in[o + pw + 1];
            }
        }

        /** out[ob + x] = sum of the taps of pixel x read from in[ib + ...], for x < len. */
        void gather(float[] in, int ib, float[] out, int ob, int len) {
            int[] off = this.off;
            float[] wt = wtf;
            boolean[] inside = this.inside;
            int taps = this.taps, w = this.w;
            if (nearest) {
                for (int x = 0; x < len; x++) out[ob + x] = off[x] >= 0 ? in[ib + off[x]] : 0f;
                return;
            }
            for (int x = 0, t = 0; x < len; x++, t += 4) {
                if (inside[x]) { // nw, ne, sw, se are o, o+1, o+w, o+w+1
                    int o = ib + off[t];
                    out[ob + x] = wt[t] * in[o] + wt[t + 1] * in[o + 1] + wt[t + 2] * in[o + w] + wt[t + 3] * in[o + w + 1];
                    continue;
                }
                float acc = 0;
                for (int u = t; u < t + taps; u++) if (off[u] >= 0) acc += wt[u] * in[ib + off[u]];
                out[ob + x] = acc;
            }
        }

        void gather(double[] in, int ib, double[] out, int ob, int len) {
            for (int x = 0, t = 0; x < len; x++) {
                double acc = 0;
                for (int e = t + taps; t < e; t++) if (off[t] >= 0) acc += wt[t] * in[ib + off[t]];
                out[ob + x] = acc;
            }
        }
    }

    static void gridSample2d(Tensor input, Tensor grid, Interpolation mode, GridPadding padding, boolean alignCorners,
                             Tensor out) {
        Tensor in = input.contiguous(), gr = grid.contiguous();
        int n0 = in.size(0), c0 = in.size(1), h = in.size(2), wd = in.size(3), ohw = gr.size(1) * gr.size(2);
        int hw = h * wd, io = in.offset(), blocks = Math.ceilDiv(ohw, PIXELS);
        boolean f32 = in.dtype() == DType.FLOAT32;
        float[] fo = f32 ? CpuStorage.floats(out) : null;
        double[] di = f32 ? null : CpuStorage.doubles(in), dout = f32 ? null : CpuStorage.doubles(out);
        // float32: gather from zero-bordered copies of the planes (branch-free taps, see Taps.computePadded)
        int plane = Taps.paddedPlane(h, wd);
        float[] fp = f32 ? padPlanes(CpuStorage.floats(in), io, n0 * c0, h, wd) : null;
        Parallel.forRange(n0 * blocks, Math.max(1, 16384 / (c0 * PIXELS)), (r0, r1) -> {
            Taps tp = new Taps(mode, padding, alignCorners, h, wd);
            for (int r = r0; r < r1; r++) {
                int n = r / blocks, p0 = r % blocks * PIXELS, len = Math.min(PIXELS, ohw - p0);
                tp.load(gr, n, p0, len);
                if (f32) tp.computePadded(len);
                else tp.compute(len, false);
                for (int c = 0; c < c0; c++) {
                    int ob = (n * c0 + c) * ohw + p0;
                    if (f32) tp.gatherPadded(fp, (n * c0 + c) * plane, fo, ob, len);
                    else tp.gather(di, io + (n * c0 + c) * hw, dout, ob, len);
                }
            }
        });
    }

    /**
     * Copies {@code planes} contiguous h x w planes starting at {@code in[at]} into zero-bordered planes of
     * {@link Taps#paddedPlane} floats (image at row 2, column 1). Costs one pass over the input, against the
     * four reads per output pixel and channel of the gather; in exchange the gather has no tests.
     */
    private static float[] padPlanes(float[] in, int at, int planes, int h, int w) {
        int pw = Taps.paddedWidth(w), plane = Taps.paddedPlane(h, w);
        float[] padded = new float[planes * plane];
        Parallel.forRange(planes, Math.max(1, 32768 / plane), (p0, p1) -> {
            for (int p = p0; p < p1; p++)
                for (int y = 0; y < h; y++)
                    System.arraycopy(in, at + (p * h + y) * w, padded, p * plane + (y + 2) * pw + 1, w);
        });
        return padded;
    }

    static void gridSample2dBackward(Tensor gradOut, Tensor input, Tensor grid, Interpolation mode,
                                     GridPadding padding, boolean alignCorners, Tensor gradInput, Tensor gradGrid) {
        Tensor in = input.contiguous(), gr = grid.contiguous(), g = gradOut.contiguous();
        int n0 = in.size(0), c0 = in.size(1), h = in.size(2), wd = in.size(3), ohw = gr.size(1) * gr.size(2);
        int hw = h * wd, io = in.offset(), go = g.offset();
        boolean f32 = in.dtype() == DType.FLOAT32, wantGrid = gradGrid != null && mode == Interpolation.BILINEAR;
        float[] fi = f32 ? CpuStorage.floats(in) : null, fg = f32 ? CpuStorage.floats(g) : null;
        double[] di = f32 ? null : CpuStorage.doubles(in), dg = f32 ? null : CpuStorage.doubles(g);
        float[] fgi = gradInput != null && f32 ? CpuStorage.floats(gradInput) : null;
        double[] dgi = gradInput != null && !f32 ? CpuStorage.doubles(gradInput) : null;
        // split channels into blocks only when there are fewer samples than threads
        int blocks = n0 >= Parallel.threads() ? 1 : Math.max(1, Math.min(c0, Math.ceilDiv(Parallel.threads(), Math.max(1, n0))));
        double[][] gridSums = new double[blocks][wantGrid ? n0 * ohw * 2 : 0];
        Parallel.forRange(n0 * blocks, 1, (t0, t1) -> {
            Taps tp = new Taps(mode, padding, alignCorners, h, wd);
            int k = tp.taps;
            double[] gx = new double[PIXELS], gy = new double[PIXELS];
            for (int task = t0; task < t1; task++) {
                int n = task / blocks, b = task % blocks;
                int cA = (int) ((long) c0 * b / blocks), cB = (int) ((long) c0 * (b + 1) / blocks);
                if (fgi != null) Arrays.fill(fgi, (n * c0 + cA) * hw, (n * c0 + cB) * hw, 0f);
                if (dgi != null) Arrays.fill(dgi, (n * c0 + cA) * hw, (n * c0 + cB) * hw, 0.0);
                double[] sums = gridSums[b];
                for (int p0 = 0; p0 < ohw; p0 += PIXELS) {
                    int len = Math.min(PIXELS, ohw - p0);
                    tp.load(gr, n, p0, len);
                    tp.compute(len, wantGrid);
                    Arrays.fill(gx, 0);
                    Arrays.fill(gy, 0);
                    for (int c = cA; c < cB; c++) {
                        int ib = (n * c0 + c) * hw, gb = go + (n * c0 + c) * ohw + p0;
                        for (int x = 0; x < len; x++) {
                            double gv = f32 ? fg[gb + x] : dg[gb + x];
                            if (f32 && k == 4 && tp.inside[x]) { // the common case: four taps inside, no tests
                                int t = 4 * x, o = ib + tp.off[t];
                                float g1 = (float) gv;
                                if (fgi != null) {
                                    fgi[o] += tp.wtf[t] * g1;
                                    fgi[o + 1] += tp.wtf[t + 1] * g1;
                                    fgi[o + wd] += tp.wtf[t + 2] * g1;
                                    fgi[o + wd + 1] += tp.wtf[t + 3] * g1;
                                }
                                if (wantGrid) {
                                    float nw = fi[io + o], ne = fi[io + o + 1], sw = fi[io + o + wd], se = fi[io + o + wd + 1];
                                    gx[x] += gv * (tp.dwx[t] * nw + tp.dwx[t + 1] * ne + tp.dwx[t + 2] * sw + tp.dwx[t + 3] * se);
                                    gy[x] += gv * (tp.dwy[t] * nw + tp.dwy[t + 1] * ne + tp.dwy[t + 2] * sw + tp.dwy[t + 3] * se);
                                }
                                continue;
                            }
                            for (int t = k * x; t < k * x + k; t++) {
                                int o = tp.off[t];
                                if (o < 0) continue;
                                if (fgi != null) fgi[ib + o] += (float) (tp.wt[t] * gv);
                                else if (dgi != null) dgi[ib + o] += tp.wt[t] * gv;
                                if (wantGrid) {
                                    double v = (f32 ? fi[io + ib + o] : di[io + ib + o]) * gv;
                                    gx[x] += tp.dwx[t] * v;
                                    gy[x] += tp.dwy[t] * v;
                                }
                            }
                        }
                    }
                    if (wantGrid)
                        for (int x = 0; x < len; x++) {
                            sums[2 * (n * ohw + p0 + x)] = gx[x] * tp.slopeX[x];
                            sums[2 * (n * ohw + p0 + x) + 1] = gy[x] * tp.slopeY[x];
                        }
                }
            }
        });
        if (gradGrid == null) return;
        int len = n0 * ohw * 2;
        for (int b = 1; b < blocks && wantGrid; b++) for (int i = 0; i < len; i++) gridSums[0][i] += gridSums[b][i];
        if (gradGrid.dtype() == DType.FLOAT32) {
            float[] gg = CpuStorage.floats(gradGrid);
            for (int i = 0; i < len; i++) gg[i] = wantGrid ? (float) gridSums[0][i] : 0f;
        } else {
            double[] gg = CpuStorage.doubles(gradGrid);
            if (wantGrid) System.arraycopy(gridSums[0], 0, gg, 0, len);
            else Arrays.fill(gg, 0, len, 0.0);
        }
    }
}

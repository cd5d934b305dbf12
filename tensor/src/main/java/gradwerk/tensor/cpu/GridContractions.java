package gradwerk.tensor.cpu;

import gradwerk.tensor.DType;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.GridPadding;
import gradwerk.tensor.nn.Interpolation;

import java.util.Arrays;

/**
 * The fused grid_sample contractions of deformable attention (see {@code Sampling#gridSampleDot}): for every query
 * q and slot s, the four bilinear taps of grid[n,q,s] are combined with a whole vector of channels at once.
 *
 * <p>The composed form samples every channel into an [N,C,Q,S] tensor (32 MB for DDANet's values at batch 4) and
 * then multiplies and reduces it; here nothing of that size exists. The image and p are first copied channels-last
 * ([N,H·W,C] and [N,Q,C]), so a tap is one contiguous run of C numbers and the work per tap is a SIMD dot product
 * (energies, grid gradient) or a SIMD axpy (mixed values, input gradient). Tap positions and weights come from
 * {@link GridSampleKernels.Taps}, the same code as grid_sample's.
 *
 * <p>Race freedom and determinism: Dot, Mix and the grid gradient give each thread whole queries (disjoint
 * outputs). The input gradient scatters into the taps, so it is split by (image, block of channels): each element
 * is added to by one thread, always in the same order.
 */
final class GridContractions {
    private GridContractions() {}

    /** Work per chunk of queries handed to a thread (multiply-adds), so that tiny problems stay on one thread. */
    private static final int GRAIN = 1 << 15;

    /** [N,C,...] → a contiguous [N,...,C] copy (channels last). */
    private static Tensor channelsLast(Tensor t) {
        int[] order = new int[t.rank()];
        order[0] = 0;
        for (int d = 1; d < order.length - 1; d++) order[d] = d + 1;
        order[order.length - 1] = 1;
        return t.permute(order).contiguous();
    }

    /** out[n,q,s] = Σ_c p[n,c,q] · bilinear(input[n,c], grid[n,q,s]). */
    static void dot(Tensor p, Tensor input, Tensor grid, GridPadding padding, boolean alignCorners, Tensor out) {
        Geometry g = new Geometry(input, grid, padding, alignCorners);
        Tensor x = channelsLast(input), pt = channelsLast(p);
        boolean f32 = input.dtype() == DType.FLOAT32;
        float[] pf = f32 ? CpuStorage.floats(pt) : null, xf = f32 ? CpuStorage.floats(x) : null;
        float[] of = f32 ? CpuStorage.floats(out) : null;
        double[] pd = f32 ? null : CpuStorage.doubles(pt), xd = f32 ? null : CpuStorage.doubles(x);
        double[] od = f32 ? null : CpuStorage.doubles(out);
        int c = g.c;
        Parallel.forRange(g.n * g.q, g.grain(c), (r0, r1) -> {
            GridSampleKernels.Taps tp = g.taps();
            for (int r = r0; r < r1; r++) {
                int n = r / g.q, row = pt.offset() + r * c, image = x.offset() + n * g.hw * c;
                for (int s0 = 0; s0 < g.s; s0 += GridSampleKernels.PIXELS) {
                    int len = g.load(tp, n, r % g.q, s0, false), at = out.offset() + r * g.s + s0;
                    for (int i = 0; i < len; i++) {
                        double e = 0;
                        for (int t = 4 * i; t < 4 * i + 4; t++) {
                            if (tp.off[t] < 0) continue;
                            int tap = image + tp.off[t] * c;
                            e += tp.wt[t] * (f32 ? Blas1.dot(pf, row, xf, tap, c) : Blas1.dot(pd, row, xd, tap, c));
                        }
                        if (f32) of[at + i] = (float) e;
                        else od[at + i] = e;
                    }
                }
            }
        });
    }

    /** out[n,c,q] = Σ_s w[n,q,s] · bilinear(input[n,c], grid[n,q,s]). */
    static void mix(Tensor w, Tensor input, Tensor grid, GridPadding padding, boolean alignCorners, Tensor out) {
        Geometry g = new Geometry(input, grid, padding, alignCorners);
        Tensor x = channelsLast(input), wc = w.contiguous();
        boolean f32 = input.dtype() == DType.FLOAT32;
        float[] wf = f32 ? CpuStorage.floats(wc) : null, xf = f32 ? CpuStorage.floats(x) : null;
        float[] of = f32 ? CpuStorage.floats(out) : null;
        double[] wd = f32 ? null : CpuStorage.doubles(wc), xd = f32 ? null : CpuStorage.doubles(x);
        double[] od = f32 ? null : CpuStorage.doubles(out);
        int c = g.c;
        Parallel.forRange(g.n * g.q, g.grain(c), (r0, r1) -> {
            GridSampleKernels.Taps tp = g.taps();
            float[] accF = f32 ? new float[c] : null;
            double[] accD = f32 ? null : new double[c];
            for (int r = r0; r < r1; r++) {
                int n = r / g.q, q = r % g.q, image = x.offset() + n * g.hw * c;
                if (f32) Arrays.fill(accF, 0f);
                else Arrays.fill(accD, 0.0);
                for (int s0 = 0; s0 < g.s; s0 += GridSampleKernels.PIXELS) {
                    int len = g.load(tp, n, q, s0, false), at = wc.offset() + r * g.s + s0;
                    for (int i = 0; i < len; i++) {
                        double weight = f32 ? wf[at + i] : wd[at + i];
                        for (int t = 4 * i; t < 4 * i + 4; t++) {
                            if (tp.off[t] < 0) continue;
                            int tap = image + tp.off[t] * c;
                            if (f32) Blas1.axpy((float) (weight * tp.wt[t]), xf, tap, accF, 0, c);
                            else Blas1.axpy(weight * tp.wt[t], xd, tap, accD, 0, c);
                        }
                    }
                }
                int o = out.offset() + n * c * g.q + q; // out[n, ch, q] for every channel: stride Q
                if (f32) for (int ch = 0; ch < c; ch++) of[o + ch * g.q] = accF[ch];
                else for (int ch = 0; ch < c; ch++) od[o + ch * g.q] = accD[ch];
            }
        });
    }

    /** Input and grid gradients of T = Σ p[n,c,q] · w[n,q,s] · bilinear(input[n,c], grid[n,q,s]); either may be null. */
    static void backward(Tensor p, Tensor w, Tensor input, Tensor grid, GridPadding padding, boolean alignCorners,
                         Tensor gradInput, Tensor gradGrid) {
        Geometry g = new Geometry(input, grid, padding, alignCorners);
        Tensor pt = channelsLast(p), wc = w.contiguous();
        boolean f32 = input.dtype() == DType.FLOAT32;
        if (gradGrid != null) gridGradient(g, pt, wc, channelsLast(input), f32, gradGrid);
        if (gradInput != null) inputGradient(g, pt, wc, f32, gradInput);
    }

    /** gradGrid[n,q,s] = w[n,q,s] · Σ_t (d weight_t / d(x, y)) · ⟨p[n,:,q], input[n,:,tap_t]⟩ · slope. */
    private static void gridGradient(Geometry g, Tensor pt, Tensor wc, Tensor x, boolean f32, Tensor gradGrid) {
        float[] pf = f32 ? CpuStorage.floats(pt) : null, wf = f32 ? CpuStorage.floats(wc) : null;
        float[] xf = f32 ? CpuStorage.floats(x) : null, of = f32 ? CpuStorage.floats(gradGrid) : null;
        double[] pd = f32 ? null : CpuStorage.doubles(pt), wd = f32 ? null : CpuStorage.doubles(wc);
        double[] xd = f32 ? null : CpuStorage.doubles(x), od = f32 ? null : CpuStorage.doubles(gradGrid);
        int c = g.c;
        Parallel.forRange(g.n * g.q, g.grain(c), (r0, r1) -> {
            GridSampleKernels.Taps tp = g.taps();
            for (int r = r0; r < r1; r++) {
                int n = r / g.q, row = pt.offset() + r * c, image = x.offset() + n * g.hw * c;
                for (int s0 = 0; s0 < g.s; s0 += GridSampleKernels.PIXELS) {
                    int len = g.load(tp, n, r % g.q, s0, true), at = r * g.s + s0;
                    for (int i = 0; i < len; i++) {
                        double gx = 0, gy = 0;
                        for (int t = 4 * i; t < 4 * i + 4; t++) {
                            if (tp.off[t] < 0) continue;
                            int tap = image + tp.off[t] * c;
                            double d = f32 ? Blas1.dot(pf, row, xf, tap, c) : Blas1.dot(pd, row, xd, tap, c);
                            gx += tp.dwx[t] * d;
                            gy += tp.dwy[t] * d;
                        }
                        double weight = f32 ? wf[wc.offset() + at + i] : wd[wc.offset() + at + i];
                        int o = gradGrid.offset() + 2 * (at + i);
                        if (f32) {
                            of[o] = (float) (weight * gx * tp.slopeX[i]);
                            of[o + 1] = (float) (weight * gy * tp.slopeY[i]);
                        } else {
                            od[o] = weight * gx * tp.slopeX[i];
                            od[o + 1] = weight * gy * tp.slopeY[i];
                        }
                    }
                }
            }
        });
    }

    /**
     * gradInput[n,c,tap] += w[n,q,s] · weight_t · p[n,c,q] over every query, slot and tap: accumulated
     * channels-last in a scratch [N,H·W,C], then transposed into gradInput. Split by image and, when there are fewer
     * images than threads, by blocks of channels, so every element has one writer.
     */
    private static void inputGradient(Geometry g, Tensor pt, Tensor wc, boolean f32, Tensor gradInput) {
        int c = g.c, hw = g.hw;
        int blocks = g.n >= Parallel.threads() ? 1 : Math.max(1, Math.min(c / 8 + 1, Math.ceilDiv(Parallel.threads(), g.n)));
        float[] scratchF = f32 ? new float[g.n * hw * c] : null, pf = f32 ? CpuStorage.floats(pt) : null;
        float[] wf = f32 ? CpuStorage.floats(wc) : null, gf = f32 ? CpuStorage.floats(gradInput) : null;
        double[] scratchD = f32 ? null : new double[g.n * hw * c], pd = f32 ? null : CpuStorage.doubles(pt);
        double[] wd = f32 ? null : CpuStorage.doubles(wc), gd = f32 ? null : CpuStorage.doubles(gradInput);
        Parallel.forRange(g.n * blocks, 1, (t0, t1) -> {
            GridSampleKernels.Taps tp = g.taps();
            for (int task = t0; task < t1; task++) {
                int n = task / blocks, b = task % blocks;
                int cA = (int) ((long) c * b / blocks), cB = (int) ((long) c * (b + 1) / blocks), width = cB - cA;
                int image = n * hw * c + cA;
                for (int q = 0; q < g.q; q++) {
                    int row = pt.offset() + (n * g.q + q) * c + cA;
                    for (int s0 = 0; s0 < g.s; s0 += GridSampleKernels.PIXELS) {
                        int len = g.load(tp, n, q, s0, false), at = wc.offset() + (n * g.q + q) * g.s + s0;
                        for (int i = 0; i < len; i++) {
                            double weight = f32 ? wf[at + i] : wd[at + i];
                            for (int t = 4 * i; t < 4 * i + 4; t++) {
                                if (tp.off[t] < 0) continue;
                                int tap = image + tp.off[t] * c;
                                if (f32) Blas1.axpy((float) (weight * tp.wt[t]), pf, row, scratchF, tap, width);
                                else Blas1.axpy(weight * tp.wt[t], pd, row, scratchD, tap, width);
                            }
                        }
                    }
                }
                for (int ch = cA; ch < cB; ch++) { // scratch [n, pixel, ch] → gradInput [n, ch, pixel]
                    int o = gradInput.offset() + (n * c + ch) * hw, from = n * hw * c + ch;
                    if (f32) for (int px = 0; px < hw; px++) gf[o + px] = scratchF[from + px * c];
                    else for (int px = 0; px < hw; px++) gd[o + px] = scratchD[from + px * c];
                }
            }
        });
    }

    /** Sizes shared by the kernels, and the tap computation for the S slots of one query. */
    private static final class Geometry {
        final int n, c, h, w, hw, q, s;
        final GridPadding padding;
        final boolean alignCorners;
        final Tensor grid;

        Geometry(Tensor input, Tensor grid, GridPadding padding, boolean alignCorners) {
            n = input.size(0);
            c = input.size(1);
            h = input.size(2);
            w = input.size(3);
            hw = h * w;
            q = grid.size(1);
            s = grid.size(2);
            this.padding = padding;
            this.alignCorners = alignCorners;
            this.grid = grid.contiguous();
        }

        GridSampleKernels.Taps taps() {
            return new GridSampleKernels.Taps(Interpolation.BILINEAR, padding, alignCorners, h, w);
        }

        /** Queries per chunk: about {@link #GRAIN} multiply-adds each (4 taps × channels per slot). */
        int grain(int channels) {
            return Math.max(1, GRAIN / Math.max(1, 4 * s * channels));
        }

        /** Loads and computes the taps of slots [s0, s0 + len) of query q in image n; returns len. */
        int load(GridSampleKernels.Taps tp, int image, int query, int s0, boolean derivatives) {
            int len = Math.min(GridSampleKernels.PIXELS, s - s0);
            tp.load(grid, image, query * s + s0, len);
            tp.compute(len, derivatives);
            return len;
        }
    }
}

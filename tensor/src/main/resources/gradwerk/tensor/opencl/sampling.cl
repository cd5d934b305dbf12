// sampling.cl - resizing (upsample: nearest, bilinear) and grid_sample, forward and backward. -DREAL=float|double.
//
// Operands are strided 4-d views: buffer, element offset, int4 strides. Semantics (PyTorch's, with its float32
// quirks): cpu.NnReference and gradwerk.tensor.nn.Sampling.
//
// upsample backward is a gather (each input pixel sums the outputs that read it: deterministic, no atomics).
// grid_sample backward w.r.t. the input is a scatter - a grid point can land anywhere - so it adds with
// gw_atomic_add (compare-and-swap on the bits, common.cl). Where that is not available (double without
// cl_khr_int64_base_atomics), or the host wants a reproducible sum, a second kernel gives each (n, c) plane to
// one work-item, which walks that plane's outputs in order: deterministic, but with only N*C work-items.

#define AT4(p, off, st, i0, i1, i2, i3) p[(off) + (i0) * (st).s0 + (i1) * (st).s1 + (i2) * (st).s2 + (i3) * (st).s3]
#define SPLIT4(g, C, H, W, n, c, h, w) \
    int w = (g) % (W), h = ((g) / (W)) % (H), c = ((g) / ((W) * (H))) % (C), n = (g) / ((W) * (H) * (C))

// ---- upsample ------------------------------------------------------------------------------------------------------

// Nearest source index min(floor(o * scale), in - 1), in float32 arithmetic like ATen (so on every device the
// same pixels are picked, whatever REAL is).
inline int gw_nearest_source(int o, float scale, int in) {
    return min((int) floor((float) o * scale), in - 1);
}

// Linear: the two taps i0, i1 (equal at the last pixel) and the weight l1 of i1 (i0 gets 1 - l1).
inline int gw_linear_source(int o, REAL scale, int alignCorners, int in, int* i1, REAL* l1) {
    REAL src = alignCorners ? o * scale : scale * (o + (REAL) 0.5) - (REAL) 0.5;
    if (!alignCorners && src < ZERO) src = ZERO;
    int i0 = (int) src;
    *i1 = i0 < in - 1 ? i0 + 1 : i0;
    *l1 = src - i0;
    return i0;
}

// One work-item per output element. nearest: scales are float32; bilinear: REAL.
__kernel void upsample_nearest(__global const REAL* in, int inOff, int4 inSt, int H, int W,
                               __global REAL* out, int outOff, int4 outSt, int C, int outH, int outW,
                               float scaleH, float scaleW, int total) {
    int g = get_global_id(0);
    if (g >= total) return;
    SPLIT4(g, C, outH, outW, n, c, y, x);
    AT4(out, outOff, outSt, n, c, y, x) =
            AT4(in, inOff, inSt, n, c, gw_nearest_source(y, scaleH, H), gw_nearest_source(x, scaleW, W));
}

__kernel void upsample_bilinear(__global const REAL* in, int inOff, int4 inSt, int H, int W,
                                __global REAL* out, int outOff, int4 outSt, int C, int outH, int outW,
                                REAL scaleH, REAL scaleW, int alignCorners, int total) {
    int g = get_global_id(0);
    if (g >= total) return;
    SPLIT4(g, C, outH, outW, n, c, y, x);
    int h1, w1;
    REAL lh, lw;
    int h0 = gw_linear_source(y, scaleH, alignCorners, H, &h1, &lh);
    int w0 = gw_linear_source(x, scaleW, alignCorners, W, &w1, &lw);
    REAL v = (ONE - lh) * ((ONE - lw) * AT4(in, inOff, inSt, n, c, h0, w0) + lw * AT4(in, inOff, inSt, n, c, h0, w1))
           + lh * ((ONE - lw) * AT4(in, inOff, inSt, n, c, h1, w0) + lw * AT4(in, inOff, inSt, n, c, h1, w1));
    AT4(out, outOff, outSt, n, c, y, x) = v;
}

// The weight with which output row o reads input row i (0 if it does not read it; both taps may be i).
inline REAL gw_resize_weight(int o, int i, int nearest, float nscale, REAL scale, int alignCorners, int in,
                             bool* reads) {
    if (nearest) {
        *reads = gw_nearest_source(o, nscale, in) == i;
        return ONE;
    }
    int i1;
    REAL l1;
    int i0 = gw_linear_source(o, scale, alignCorners, in, &i1, &l1);
    *reads = i0 == i || i1 == i;
    return (i0 == i ? ONE - l1 : ZERO) + (i1 == i ? l1 : ZERO);
}

// Output rows that may read input row i: every source formula above maps o to roughly o * scale, so
// o in [(i - 1.5) / scale - 2, (i + 2) / scale + 2] is a safe superset; the last input row also collects every
// output clamped onto it, and scale 0 (one aligned output) reads row 0 only. Candidates are then checked exactly.
inline int2 gw_resize_candidates(int i, int in, int out, float scale) {
    if (!(scale > 0)) return (int2) (0, out - 1);
    float lo = floor((i - 1.5f) / scale) - 2, hi = ceil((i + 2.0f) / scale) + 2;
    int a = (int) clamp(lo, 0.0f, (float) (out - 1)), b = (int) clamp(hi, 0.0f, (float) (out - 1));
    return (int2) (a, i == in - 1 ? out - 1 : b);
}

// Gather: one work-item per input pixel sums weight_row * weight_col * gradOut over the outputs that read it.
__kernel void upsample_backward(__global const REAL* go, int goOff, int4 goSt, int outH, int outW,
                                __global REAL* gi, int giOff, int4 giSt, int C, int H, int W,
                                int nearest, float nScaleH, float nScaleW, REAL scaleH, REAL scaleW,
                                int alignCorners, int total) {
    int g = get_global_id(0);
    if (g >= total) return;
    SPLIT4(g, C, H, W, n, c, ih, iw);
    int2 ys = gw_resize_candidates(ih, H, outH, nearest ? nScaleH : (float) scaleH);
    int2 xs = gw_resize_candidates(iw, W, outW, nearest ? nScaleW : (float) scaleW);
    REAL sum = ZERO;
    for (int y = ys.x; y <= ys.y; ++y) {
        bool rowReads;
        REAL wy = gw_resize_weight(y, ih, nearest, nScaleH, scaleH, alignCorners, H, &rowReads);
        if (!rowReads) continue;
        for (int x = xs.x; x <= xs.y; ++x) {
            bool colReads;
            REAL wx = gw_resize_weight(x, iw, nearest, nScaleW, scaleW, alignCorners, W, &colReads);
            if (colReads) sum += wy * wx * AT4(go, goOff, goSt, n, c, y, x);
        }
    }
    AT4(gi, giOff, giSt, n, c, ih, iw) = sum;
}

// ---- grid_sample ---------------------------------------------------------------------------------------------------
// grid [N, outH, outW, 2] holds (x, y) in [-1, 1]; its int4 strides are (n, h, w, xy).

// Pixel coordinate of a normalised one after padding, and d(pixel)/d(normalised) in *slope (NnReference
// .sourceCoordinate): border clamps into [0, size-1] with slope 0 when clamped; NaN or huge become -100.
inline REAL gw_grid_source(REAL coord, int size, int border, int alignCorners, REAL* slope) {
    REAL p = alignCorners ? (coord + ONE) / 2 * (size - 1) : ((coord + ONE) * size - ONE) / 2;
    REAL s = alignCorners ? (REAL) (size - 1) / 2 : (REAL) size / 2;
    if (border) {
        if (p <= ZERO) { p = ZERO; s = ZERO; }
        else if (p >= size - 1) { p = (REAL) (size - 1); s = ZERO; }
    }
    if (!(p > (REAL) -1e9 && p < (REAL) 1e9)) p = (REAL) -100;
    *slope = s;
    return p;
}

// The taps of one grid point: up to 4 (x, y) positions, their weights, and the weights' derivatives w.r.t. the
// pixel coordinates ix, iy. Nearest: one tap, round half to even (rint), derivative 0.
typedef struct {
    int count;
    int tx[4], ty[4];
    REAL wt[4], dwx[4], dwy[4];
    REAL slopeX, slopeY;
} gw_taps;

inline gw_taps gw_grid_taps(REAL gx, REAL gy, int H, int W, int nearest, int border, int alignCorners) {
    gw_taps t;
    REAL ix = gw_grid_source(gx, W, border, alignCorners, &t.slopeX);
    REAL iy = gw_grid_source(gy, H, border, alignCorners, &t.slopeY);
    if (nearest) {
        t.count = 1;
        t.tx[0] = (int) rint(ix);
        t.ty[0] = (int) rint(iy);
        t.wt[0] = ONE;
        t.dwx[0] = t.dwy[0] = ZERO;
        return t;
    }
    int x0 = (int) floor(ix), y0 = (int) floor(iy);
    REAL fx = ix - x0, fy = iy - y0;
    t.count = 4; // nw, ne, sw, se
    t.tx[0] = x0; t.ty[0] = y0;         t.wt[0] = (ONE - fx) * (ONE - fy); t.dwx[0] = -(ONE - fy); t.dwy[0] = -(ONE - fx);
    t.tx[1] = x0 + 1; t.ty[1] = y0;     t.wt[1] = fx * (ONE - fy);         t.dwx[1] = ONE - fy;    t.dwy[1] = -fx;
    t.tx[2] = x0; t.ty[2] = y0 + 1;     t.wt[2] = (ONE - fx) * fy;         t.dwx[2] = -fy;         t.dwy[2] = ONE - fx;
    t.tx[3] = x0 + 1; t.ty[3] = y0 + 1; t.wt[3] = fx * fy;                 t.dwx[3] = fy;          t.dwy[3] = fx;
    return t;
}

#define GRID_X(i0, i1, i2) grid[gOff + (i0) * gSt.s0 + (i1) * gSt.s1 + (i2) * gSt.s2]
#define GRID_Y(i0, i1, i2) grid[gOff + (i0) * gSt.s0 + (i1) * gSt.s1 + (i2) * gSt.s2 + gSt.s3]

// One work-item per grid point (n, y, x): its taps are computed once and applied to every channel.
__kernel void grid_sample(__global const REAL* in, int inOff, int4 inSt, int C, int H, int W,
                          __global const REAL* grid, int gOff, int4 gSt,
                          __global REAL* out, int outOff, int4 outSt, int outH, int outW,
                          int nearest, int border, int alignCorners, int total) {
    int g = get_global_id(0);
    if (g >= total) return;
    int x = g % outW, y = (g / outW) % outH, n = g / (outW * outH);
    gw_taps t = gw_grid_taps(GRID_X(n, y, x), GRID_Y(n, y, x), H, W, nearest, border, alignCorners);
    for (int c = 0; c < C; ++c) {
        REAL acc = ZERO;
        for (int k = 0; k < t.count; ++k)
            if (t.tx[k] >= 0 && t.tx[k] < W && t.ty[k] >= 0 && t.ty[k] < H)
                acc += t.wt[k] * AT4(in, inOff, inSt, n, c, t.ty[k], t.tx[k]);
        AT4(out, outOff, outSt, n, c, y, x) = acc;
    }
}

// Backward, one work-item per grid point: the grid gradient (summed over channels, times the unnormalisation
// slope) and, with scatterInput, the input gradient by atomic adds of weight * gradOut into gi (zero-filled by
// the host). Without atomics this kernel is built with scatterInput forced off and grid_sample_backward_plane
// computes gi.
__kernel void grid_sample_backward(__global const REAL* go, int goOff, int4 goSt,
                                   __global const REAL* in, int inOff, int4 inSt, int C, int H, int W,
                                   __global const REAL* grid, int gOff, int4 gSt,
                                   __global REAL* gi, int giOff, int4 giSt, int scatterInput,
                                   __global REAL* gg, int ggOff, int4 ggSt, int wantGrid,
                                   int outH, int outW, int nearest, int border, int alignCorners, int total) {
    int g = get_global_id(0);
    if (g >= total) return;
    int x = g % outW, y = (g / outW) % outH, n = g / (outW * outH);
    gw_taps t = gw_grid_taps(GRID_X(n, y, x), GRID_Y(n, y, x), H, W, nearest, border, alignCorners);
    REAL dx = ZERO, dy = ZERO;
    for (int c = 0; c < C; ++c) {
        REAL o = AT4(go, goOff, goSt, n, c, y, x);
        for (int k = 0; k < t.count; ++k) {
            if (t.tx[k] < 0 || t.tx[k] >= W || t.ty[k] < 0 || t.ty[k] >= H) continue;
            if (wantGrid) {
                REAL v = AT4(in, inOff, inSt, n, c, t.ty[k], t.tx[k]);
                dx += t.dwx[k] * v * o;
                dy += t.dwy[k] * v * o;
            }
#ifdef GW_CAN_ATOMIC_ADD
            if (scatterInput) gw_atomic_add(&AT4(gi, giOff, giSt, n, c, t.ty[k], t.tx[k]), t.wt[k] * o);
#endif
        }
    }
    if (wantGrid) {
        gg[ggOff + n * ggSt.x + y * ggSt.y + x * ggSt.z] = dx * t.slopeX;
        gg[ggOff + n * ggSt.x + y * ggSt.y + x * ggSt.z + ggSt.w] = dy * t.slopeY;
    }
}

// The input gradient without atomics: one work-item per (n, c) plane scatters its outputs in row-major order
// into gi (zero-filled by the host). Deterministic.
__kernel void grid_sample_backward_plane(__global const REAL* go, int goOff, int4 goSt, int C, int H, int W,
                                         __global const REAL* grid, int gOff, int4 gSt,
                                         __global REAL* gi, int giOff, int4 giSt,
                                         int outH, int outW, int nearest, int border, int alignCorners, int planes) {
    int p = get_global_id(0);
    if (p >= planes) return;
    int n = p / C, c = p % C;
    for (int y = 0; y < outH; ++y)
        for (int x = 0; x < outW; ++x) {
            gw_taps t = gw_grid_taps(GRID_X(n, y, x), GRID_Y(n, y, x), H, W, nearest, border, alignCorners);
            REAL o = AT4(go, goOff, goSt, n, c, y, x);
            for (int k = 0; k < t.count; ++k)
                if (t.tx[k] >= 0 && t.tx[k] < W && t.ty[k] >= 0 && t.ty[k] < H)
                    AT4(gi, giOff, giSt, n, c, t.ty[k], t.tx[k]) += t.wt[k] * o;
        }
}

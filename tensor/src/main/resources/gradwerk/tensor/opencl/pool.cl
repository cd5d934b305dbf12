// pool.cl - max, average and adaptive average pooling over NCHW images, forward and backward. -DREAL=float|double.
//
// Operands are strided 4-d views: buffer, element offset, int4 strides (n, c, h, w). Forward kernels run one
// work-item per output element and loop over its window. Backward kernels that can be written as a gather (one
// work-item per input pixel, summing the outputs whose windows contain it) are, so they need no atomics and are
// deterministic: average and adaptive pooling. Max pooling's backward pass only knows the argmax positions, not
// the window, so it scatters: with atomic adds (gw_atomic_add, common.cl), or - where there are none (double
// without cl_khr_int64_base_atomics) or the host asks for determinism - with one work-item per (n, c) plane that
// walks the plane's outputs in order.
// The window is one int8: (kh, kw, sh, sw, ph, pw, dh, dw) = (.s0 ... .s7). Semantics: cpu.NnReference.

#define AT4(p, off, st, i0, i1, i2, i3) p[(off) + (i0) * (st).s0 + (i1) * (st).s1 + (i2) * (st).s2 + (i3) * (st).s3]

// Splits a row-major index over [*, C, H, W] into (n, c, h, w).
#define SPLIT4(g, C, H, W, n, c, h, w) \
    int w = (g) % (W), h = ((g) / (W)) % (H), c = ((g) / ((W) * (H))) % (C), n = (g) / ((W) * (H) * (C))

// ---- max pooling ---------------------------------------------------------------------------------------------------

// out, idx: [N,C,outH,outW]. idx gets the flat position ih*W + iw of the first maximum (a NaN counts as the
// maximum), as a REAL.
__kernel void max_pool2d(__global const REAL* in, int inOff, int4 inSt, int H, int W,
                         __global REAL* out, int outOff, int4 outSt, __global REAL* idx, int idxOff, int4 idxSt,
                         int C, int outH, int outW, int8 win, int total) {
    int g = get_global_id(0);
    if (g >= total) return;
    SPLIT4(g, C, outH, outW, n, c, y, x);
    REAL best = -INFINITY;
    int bestAt = -1;
    for (int i = 0; i < win.s0; ++i) {
        int ih = y * win.s2 - win.s4 + i * win.s6;
        if (ih < 0 || ih >= H) continue;
        for (int j = 0; j < win.s1; ++j) {
            int iw = x * win.s3 - win.s5 + j * win.s7;
            if (iw < 0 || iw >= W) continue;
            REAL v = AT4(in, inOff, inSt, n, c, ih, iw);
            // PyTorch: the window's first pixel starts as the answer; a larger value or a NaN replaces it
            if (bestAt < 0) bestAt = ih * W + iw;
            if (v > best || isnan(v)) {
                best = v;
                bestAt = ih * W + iw;
            }
        }
    }
    AT4(out, outOff, outSt, n, c, y, x) = best;
    AT4(idx, idxOff, idxSt, n, c, y, x) = (REAL) bestAt;
}

#ifdef GW_CAN_ATOMIC_ADD
// gradInput (zero-filled by the host) [n, c, at / W, at % W] += gradOut, one work-item per gradOut element.
__kernel void max_pool2d_backward_atomic(__global const REAL* go, int goOff, int4 goSt,
                                         __global const REAL* idx, int idxOff, int4 idxSt,
                                         __global REAL* gi, int giOff, int4 giSt, int W,
                                         int C, int outH, int outW, int total) {
    int g = get_global_id(0);
    if (g >= total) return;
    SPLIT4(g, C, outH, outW, n, c, y, x);
    int at = (int) AT4(idx, idxOff, idxSt, n, c, y, x);
    if (at < 0) return;
    gw_atomic_add(&AT4(gi, giOff, giSt, n, c, at / W, at % W), AT4(go, goOff, goSt, n, c, y, x));
}
#endif

// The same, deterministic: one work-item per (n, c) plane adds its outputs in row-major order.
__kernel void max_pool2d_backward_plane(__global const REAL* go, int goOff, int4 goSt,
                                        __global const REAL* idx, int idxOff, int4 idxSt,
                                        __global REAL* gi, int giOff, int4 giSt, int W,
                                        int C, int outH, int outW, int planes) {
    int p = get_global_id(0);
    if (p >= planes) return;
    int n = p / C, c = p % C;
    for (int y = 0; y < outH; ++y)
        for (int x = 0; x < outW; ++x) {
            int at = (int) AT4(idx, idxOff, idxSt, n, c, y, x);
            if (at >= 0) AT4(gi, giOff, giSt, n, c, at / W, at % W) += AT4(go, goOff, goSt, n, c, y, x);
        }
}

// ---- average pooling (dilation 1) -----------------------------------------------------------------------------------

// The divisor of the window of output (y, x), or 0 for a window that misses the image (NnReference.avgDivisor).
inline int gw_avg_divisor(int y, int x, int8 win, int H, int W, int countIncludePad, int divisorOverride) {
    int h0 = y * win.s2 - win.s4, w0 = x * win.s3 - win.s5;
    int h1 = min(h0 + win.s0, H + win.s4), w1 = min(w0 + win.s1, W + win.s5);
    int poolSize = (h1 - h0) * (w1 - w0);
    h0 = max(h0, 0);
    w0 = max(w0, 0);
    h1 = min(h1, H);
    w1 = min(w1, W);
    if (h0 >= h1 || w0 >= w1) return 0;
    if (divisorOverride > 0) return divisorOverride;
    return countIncludePad ? poolSize : (h1 - h0) * (w1 - w0);
}

__kernel void avg_pool2d(__global const REAL* in, int inOff, int4 inSt, int H, int W,
                         __global REAL* out, int outOff, int4 outSt, int C, int outH, int outW, int8 win,
                         int countIncludePad, int divisorOverride, int total) {
    int g = get_global_id(0);
    if (g >= total) return;
    SPLIT4(g, C, outH, outW, n, c, y, x);
    int div = gw_avg_divisor(y, x, win, H, W, countIncludePad, divisorOverride);
    int h0 = max(y * win.s2 - win.s4, 0), h1 = min(y * win.s2 - win.s4 + win.s0, H);
    int w0 = max(x * win.s3 - win.s5, 0), w1 = min(x * win.s3 - win.s5 + win.s1, W);
    REAL sum = ZERO;
    for (int ih = h0; ih < h1; ++ih)
        for (int iw = w0; iw < w1; ++iw) sum += AT4(in, inOff, inSt, n, c, ih, iw);
    AT4(out, outOff, outSt, n, c, y, x) = div == 0 ? ZERO : sum / div;
}

// Gather: input pixel (ih, iw) lies in the windows of output rows y with y*sh - ph <= ih < y*sh - ph + kh, i.e.
// ceil((ih + ph - kh + 1) / sh) <= y <= floor((ih + ph) / sh), and the same for columns.
__kernel void avg_pool2d_backward(__global const REAL* go, int goOff, int4 goSt, int outH, int outW,
                                  __global REAL* gi, int giOff, int4 giSt, int C, int H, int W, int8 win,
                                  int countIncludePad, int divisorOverride, int total) {
    int g = get_global_id(0);
    if (g >= total) return;
    SPLIT4(g, C, H, W, n, c, ih, iw);
    int kh = win.s0, kw = win.s1, sh = win.s2, sw = win.s3, ph = win.s4, pw = win.s5;
    // (a + sh - 1) / sh is ceil(a / sh) for a >= 0; for a < 0, C's division rounds towards 0, and max(0, ...) is right
    int y0 = max(0, (ih + ph - kh + sh) / sh), y1 = min(outH - 1, (ih + ph) / sh);
    int x0 = max(0, (iw + pw - kw + sw) / sw), x1 = min(outW - 1, (iw + pw) / sw);
    REAL sum = ZERO;
    for (int y = y0; y <= y1; ++y)
        for (int x = x0; x <= x1; ++x) {
            int div = gw_avg_divisor(y, x, win, H, W, countIncludePad, divisorOverride);
            if (div != 0) sum += AT4(go, goOff, goSt, n, c, y, x) / div;
        }
    AT4(gi, giOff, giSt, n, c, ih, iw) = sum;
}

// ---- adaptive average pooling ---------------------------------------------------------------------------------------
// Bin i of n over an input of size in covers [floor(i*in/n), ceil((i+1)*in/n)).

inline int gw_bin_start(int i, int n, int in) { return (int) (((long) i * in) / n); }
inline int gw_bin_end(int i, int n, int in) { return (int) (((long) (i + 1) * in + n - 1) / n); }

__kernel void adaptive_avg_pool2d(__global const REAL* in, int inOff, int4 inSt, int H, int W,
                                  __global REAL* out, int outOff, int4 outSt, int C, int outH, int outW, int total) {
    int g = get_global_id(0);
    if (g >= total) return;
    SPLIT4(g, C, outH, outW, n, c, y, x);
    int h0 = gw_bin_start(y, outH, H), h1 = gw_bin_end(y, outH, H);
    int w0 = gw_bin_start(x, outW, W), w1 = gw_bin_end(x, outW, W);
    REAL sum = ZERO;
    for (int ih = h0; ih < h1; ++ih)
        for (int iw = w0; iw < w1; ++iw) sum += AT4(in, inOff, inSt, n, c, ih, iw);
    AT4(out, outOff, outSt, n, c, y, x) = sum / ((h1 - h0) * (w1 - w0));
}

// Gather: the bins containing input index ih are among floor(ih*n/in) - 1 ... ceil((ih+1)*n/in); each candidate
// is checked exactly.
__kernel void adaptive_avg_pool2d_backward(__global const REAL* go, int goOff, int4 goSt, int outH, int outW,
                                           __global REAL* gi, int giOff, int4 giSt, int C, int H, int W, int total) {
    int g = get_global_id(0);
    if (g >= total) return;
    SPLIT4(g, C, H, W, n, c, ih, iw);
    int y0 = max(0, (int) (((long) ih * outH) / H) - 1), y1 = min(outH - 1, gw_bin_end(ih, H, outH));
    int x0 = max(0, (int) (((long) iw * outW) / W) - 1), x1 = min(outW - 1, gw_bin_end(iw, W, outW));
    REAL sum = ZERO;
    for (int y = y0; y <= y1; ++y) {
        int h0 = gw_bin_start(y, outH, H), h1 = gw_bin_end(y, outH, H);
        if (ih < h0 || ih >= h1) continue;
        for (int x = x0; x <= x1; ++x) {
            int w0 = gw_bin_start(x, outW, W), w1 = gw_bin_end(x, outW, W);
            if (iw < w0 || iw >= w1) continue;
            sum += AT4(go, goOff, goSt, n, c, y, x) / ((h1 - h0) * (w1 - w0));
        }
    }
    AT4(gi, giOff, giSt, n, c, ih, iw) = sum;
}

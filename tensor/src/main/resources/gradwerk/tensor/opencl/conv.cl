// conv.cl - im2col and col2im, the two data-movement kernels convolutions are lowered onto (the arithmetic is the
// GEMM of gemm.cl; see gradwerk.tensor.nn.ConvLowering). -DREAL=float|double.
//
// Shapes follow Backend.im2col: an image [C,H,W] and its columns [C*kh*kw, outH, outW] with
//     columns[(c*kh + i)*kw + j, oh, ow] = image[c, oh*sh - ph + i*dh, ow*sw - pw + j*dw]   (0 outside the image)
// Every operand is a strided view: a buffer, an element offset and one stride per dimension (int4, unused
// components 0), so no operand has to be copied to contiguous memory first.
// The window is one int8: (kh, kw, sh, sw, ph, pw, dh, dw) = (.s0, .s1, .s2, .s3, .s4, .s5, .s6, .s7).

// One work-item per column element. Neighbouring work-items take neighbouring ow, so both the reads (stride sw
// along a row of the image) and the writes (contiguous columns) stay close together.
__kernel void im2col(__global const REAL* img, int imgOff, int4 imgSt, int H, int W,
                     __global REAL* col, int colOff, int4 colSt, int outH, int outW, int8 win, int total) {
    int g = get_global_id(0);
    if (g >= total) return;
    int ow = g % outW, t = g / outW;
    int oh = t % outH, r = t / outH;                 // r = (c*kh + i)*kw + j, the column row
    int j = r % win.s1, i = (r / win.s1) % win.s0, c = r / (win.s0 * win.s1);
    int ih = oh * win.s2 - win.s4 + i * win.s6;
    int iw = ow * win.s3 - win.s5 + j * win.s7;
    REAL v = (ih >= 0 && ih < H && iw >= 0 && iw < W) ? img[imgOff + c * imgSt.x + ih * imgSt.y + iw * imgSt.z] : ZERO;
    col[colOff + r * colSt.x + oh * colSt.y + ow * colSt.z] = v;
}

// The adjoint, ACCUMULATING into the image: image[c, ih, iw] += every column entry im2col would have read from
// that pixel. Written as a gather - one work-item per image pixel collects the (at most kh*kw) entries that came
// from it - so no two work-items write the same element: no atomics, and the result does not depend on
// scheduling. Tap (i, j) of output pixel (oh, ow) reads row ih when ih + ph - i*dh = oh*sh, so for each kernel
// row i the output row is (ih + ph - i*dh) / sh, if that divides evenly and lies in [0, outH).
__kernel void col2im(__global const REAL* col, int colOff, int4 colSt, int outH, int outW,
                     __global REAL* img, int imgOff, int4 imgSt, int C, int H, int W, int8 win, int total) {
    int g = get_global_id(0);
    if (g >= total) return;
    int iw = g % W, t = g / W;
    int ih = t % H, c = t / H;
    int kh = win.s0, kw = win.s1, sh = win.s2, sw = win.s3;
    REAL sum = ZERO;
    for (int i = 0; i < kh; ++i) {
        int y = ih + win.s4 - i * win.s6;            // = oh*sh when tap row i of output row oh lands here
        if (y < 0) break;                            // only decreases with i
        if (y % sh != 0 || y / sh >= outH) continue;
        int oh = y / sh;
        for (int j = 0; j < kw; ++j) {
            int x = iw + win.s5 - j * win.s7;
            if (x < 0) break;
            if (x % sw != 0 || x / sw >= outW) continue;
            int r = (c * kh + i) * kw + j;
            sum += col[colOff + r * colSt.x + oh * colSt.y + (x / sw) * colSt.z];
        }
    }
    img[imgOff + c * imgSt.x + ih * imgSt.y + iw * imgSt.z] += sum;
}

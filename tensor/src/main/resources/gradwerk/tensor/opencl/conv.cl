// conv.cl - im2col and col2im, the two data-movement kernels convolutions are lowered onto (the arithmetic is the
// GEMM of gemm.cl; see gradwerk.tensor.nn.ConvLowering). -DREAL=float|double.
//
// Shapes follow Backend.im2col: an image [C,H,W] and its columns [C*kh*kw, outH, outW] with
//     columns[(c*kh + i)*kw + j, oh, ow] = image[c, oh*sh - ph + i*dh, ow*sw - pw + j*dw]   (0 outside the image)
// Every operand is a strided view: a buffer, an element offset and one stride per dimension (int4, unused
// components 0), so no operand has to be copied to contiguous memory first.
// The window is one int8: (kh, kw, sh, sw, ph, pw, dh, dw) = (.s0, .s1, .s2, .s3, .s4, .s5, .s6, .s7).

// One work-item per (channel, output pixel), as in Caffe's im2col_gpu: it reads the kh*kw input pixels of its
// window and writes them to its column in the kh*kw rows of that channel. Neighbouring work-items take
// neighbouring ow, so the writes of each row are contiguous; the index arithmetic (divisions) is done once per
// window instead of once per element.
__kernel void im2col(__global const REAL* img, int imgOff, int4 imgSt, int H, int W,
                     __global REAL* col, int colOff, int4 colSt, int outH, int outW, int8 win, int total) {
    int g = get_global_id(0);
    if (g >= total) return;
    int ow = g % outW, t = g / outW;
    int oh = t % outH, c = t / outH;
    int kh = win.s0, kw = win.s1;
    int ih0 = oh * win.s2 - win.s4, iw0 = ow * win.s3 - win.s5;
    __global const REAL* src = img + imgOff + c * imgSt.x;
    __global REAL* dst = col + colOff + c * kh * kw * colSt.x + oh * colSt.y + ow * colSt.z;
    for (int i = 0; i < kh; ++i) {
        int ih = ih0 + i * win.s6;
        bool rowInside = ih >= 0 && ih < H;
        for (int j = 0; j < kw; ++j) {
            int iw = iw0 + j * win.s7;
            *dst = rowInside && iw >= 0 && iw < W ? src[ih * imgSt.y + iw * imgSt.z] : ZERO;
            dst += colSt.x; // the next column row: (c*kh + i)*kw + j + 1
        }
    }
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

package gradwerk.tensor.cpu;

import gradwerk.tensor.DType;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.Window2d;

import java.util.Arrays;

/**
 * Fast im2col and col2im, the data movement around the GEMM of a convolution (see {@link gradwerk.tensor.nn.Conv}).
 *
 * <p>Both work one column row at a time: row {@code (c, i, j)} of the columns holds tap (i, j) of channel c for
 * every output pixel. For one output row y that is a strip of input row {@code ih = y*sh - ph + i*dh}, read at
 * {@code iw = x*sw - pw + j*dw}: the taps left and right of the image are padding (zeros), and with stride 1 the
 * rest is one contiguous block, copied with {@link System#arraycopy}. The range of x that falls inside the image
 * is computed once per (j) instead of testing every pixel.
 *
 * <p>im2col splits the column rows across threads (each writes its own rows). col2im adds columns back onto the
 * image; two column rows of the same channel hit the same pixels, so it splits by channel, which keeps every
 * thread's writes disjoint without locks.
 */
final class ConvKernels {
    private ConvKernels() {}

    /** First output x whose tap iw = x*s - p + j*d is >= 0. */
    static int firstInside(int s, int p, int jd) {
        return Math.max(0, Math.ceilDiv(p - jd, s));
    }

    /** One past the last output x (at most n) whose tap is < size. */
    static int endInside(int s, int p, int jd, int size, int n) {
        int end = Math.floorDiv(size - 1 + p - jd, s) + 1;
        return Math.max(0, Math.min(n, end));
    }

    static void im2col(Tensor input, Window2d w, Tensor columns) {
        int c0 = input.size(0), h = input.size(1), wd = input.size(2);
        int sc = input.stride(0), sh = input.stride(1), sw = input.stride(2), off = input.offset();
        int oh = columns.size(1), ow = columns.size(2), kk = w.kh() * w.kw();
        int rows = c0 * kk, plane = oh * ow, colOff = columns.offset();
        boolean f32 = input.dtype() == DType.FLOAT32;
        Object src = f32 ? CpuStorage.floats(input) : CpuStorage.doubles(input);
        Object dst = f32 ? CpuStorage.floats(columns) : CpuStorage.doubles(columns);
        Parallel.forRange(rows, Math.max(1, 32768 / Math.max(1, plane)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int c = r / kk, i = r / w.kw() % w.kh(), j = r % w.kw();
                int jd = j * w.dw();
                int xlo = firstInside(w.sw(), w.pw(), jd), xhi = Math.max(xlo, endInside(w.sw(), w.pw(), jd, wd, ow));
                for (int y = 0; y < oh; y++) {
                    int ih = y * w.sh() - w.ph() + i * w.dh();
                    int d = colOff + r * plane + y * ow;
                    if (ih < 0 || ih >= h || xlo >= xhi) {
                        zero(dst, f32, d, d + ow);
                        continue;
                    }
                    zero(dst, f32, d, d + xlo);
                    zero(dst, f32, d + xhi, d + ow);
                    int s = off + c * sc + ih * sh + (xlo * w.sw() - w.pw() + jd) * sw; // input at x = xlo
                    int step = w.sw() * sw;
                    if (step == 1) System.arraycopy(src, s, dst, d + xlo, xhi - xlo);
                    else if (f32) gather((float[]) src, s, step, (float[]) dst, d + xlo, xhi - xlo);
                    else gather((double[]) src, s, step, (double[]) dst, d + xlo, xhi - xlo);
                }
            }
        });
    }

    static void col2im(Tensor columns, Window2d w, Tensor image) {
        int c0 = image.size(0), h = image.size(1), wd = image.size(2);
        int sc = image.stride(0), sh = image.stride(1), sw = image.stride(2), off = image.offset();
        Tensor cols = columns.contiguous();
        int oh = cols.size(1), ow = cols.size(2), kk = w.kh() * w.kw(), plane = oh * ow, colOff = cols.offset();
        boolean f32 = image.dtype() == DType.FLOAT32;
        float[] fi = f32 ? CpuStorage.floats(image) : null, fc = f32 ? CpuStorage.floats(cols) : null;
        double[] di = f32 ? null : CpuStorage.doubles(image), dc = f32 ? null : CpuStorage.doubles(cols);
        Parallel.forRange(c0, Math.max(1, 32768 / Math.max(1, kk * plane)), (ca, cb) -> {
            for (int c = ca; c < cb; c++)
                for (int i = 0; i < w.kh(); i++)
                    for (int j = 0; j < w.kw(); j++) {
                        int r = (c * w.kh() + i) * w.kw() + j, jd = j * w.dw();
                        int xlo = firstInside(w.sw(), w.pw(), jd), xhi = endInside(w.sw(), w.pw(), jd, wd, ow);
                        if (xlo >= xhi) continue;
                        for (int y = 0; y < oh; y++) {
                            int ih = y * w.sh() - w.ph() + i * w.dh();
                            if (ih < 0 || ih >= h) continue;
                            int s = colOff + r * plane + y * ow + xlo;
                            int d = off + c * sc + ih * sh + (xlo * w.sw() - w.pw() + jd) * sw;
                            int step = w.sw() * sw;
                            if (f32) scatterAdd(fc, s, fi, d, step, xhi - xlo);
                            else scatterAdd(dc, s, di, d, step, xhi - xlo);
                        }
                    }
        });
    }

    private static void zero(Object a, boolean f32, int from, int to) {
        if (from >= to) return;
        if (f32) Arrays.fill((float[]) a, from, to, 0f);
        else Arrays.fill((double[]) a, from, to, 0.0);
    }

    private static void gather(float[] src, int s, int step, float[] dst, int d, int n) {
        for (int x = 0; x < n; x++) dst[d + x] = src[s + x * step];
    }

    private static void gather(double[] src, int s, int step, double[] dst, int d, int n) {
        for (int x = 0; x < n; x++) dst[d + x] = src[s + x * step];
    }

    private static void scatterAdd(float[] src, int s, float[] dst, int d, int step, int n) {
        if (step == 1) for (int x = 0; x < n; x++) dst[d + x] += src[s + x]; // contiguous: the JIT vectorises this
        else for (int x = 0; x < n; x++) dst[d + x * step] += src[s + x];
    }

    private static void scatterAdd(double[] src, int s, double[] dst, int d, int step, int n) {
        if (step == 1) for (int x = 0; x < n; x++) dst[d + x] += src[s + x];
        else for (int x = 0; x < n; x++) dst[d + x * step] += src[s + x];
    }
}

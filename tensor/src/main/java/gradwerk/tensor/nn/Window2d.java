package gradwerk.tensor.nn;

/**
 * The sliding window of a 2-d convolution or pooling layer: kernel size, stride, padding and dilation, each as
 * (height, width).
 *
 * <p>Output pixel {@code (oh, ow)} looks at the input pixels {@code (oh*sh - ph + i*dh, ow*sw - pw + j*dw)} for
 * {@code i < kh, j < kw}. The padding only shifts the window: a kernel treats every input coordinate outside
 * {@code [0,H) x [0,W)} as padding (zero for convolution, ignored for pooling), so the bottom/right padding is
 * implied by the output size the caller chose.
 */
public record Window2d(int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
    public Window2d {
        if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || dh < 1 || dw < 1 || ph < 0 || pw < 0)
            throw new IllegalArgumentException("window: kernel " + kh + "x" + kw + ", stride " + sh + "x" + sw
                    + " and dilation " + dh + "x" + dw + " must be >= 1, padding " + ph + "x" + pw + " >= 0");
    }

    /** A square window: kernel k, stride s, padding p, dilation d. */
    public static Window2d square(int k, int s, int p, int d) {
        return new Window2d(k, k, s, s, p, p, d, d);
    }

    /** The output height for input height {@code h} (PyTorch's formula; see {@link #outSize}). */
    public int outH(int h, boolean ceilMode) {
        return outSize(h, kh, sh, ph, dh, ceilMode);
    }

    /** The output width for input width {@code w}. */
    public int outW(int w, boolean ceilMode) {
        return outSize(w, kw, sw, pw, dw, ceilMode);
    }

    /**
     * {@code floor((in + 2p - d(k-1) - 1) / s) + 1}, the number of window positions that fit in the padded input.
     * With {@code ceilMode} (pooling only) the division rounds up, but the last window must still start inside
     * the input or its left padding, as in PyTorch. May be {@code <= 0} when the window does not fit.
     */
    public static int outSize(int in, int k, int s, int p, int d, boolean ceilMode) {
        int span = in + 2 * p - d * (k - 1) - 1;
        if (span < 0) return 0;
        int out = (ceilMode ? Math.ceilDiv(span, s) : span / s) + 1;
        if (ceilMode && (out - 1) * s >= in + p) out--;
        return out;
    }

    @Override
    public String toString() {
        return "kernel " + kh + "x" + kw + " stride " + sh + "x" + sw + " padding " + ph + "x" + pw + " dilation " + dh
                + "x" + dw;
    }
}

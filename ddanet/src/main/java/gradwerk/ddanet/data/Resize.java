package gradwerk.ddanet.data;

/**
 * Resizing of row-major images and label maps, matching PyTorch's {@code F.interpolate} so that numbers can be
 * compared with a Python reference:
 * <ul>
 *   <li>{@link #area}: down-sampling by whole factors; each output pixel is the mean of a block of input pixels
 *       ({@code mode='area'}, i.e. adaptive average pooling, when the factor is a whole number);</li>
 *   <li>{@link #bilinear}: any size, {@code mode='bilinear', align_corners=False}: pixel centers sit at
 *       {@code i + 0.5}, so output pixel {@code j} samples input position {@code (j + 0.5) * in/out - 0.5}
 *       (clamped at 0). Down-sampling this way by more than 2 skips input pixels (it does not average them);</li>
 *   <li>{@link #nearest}: label maps, {@code mode='nearest'}: output index {@code j} takes input index
 *       {@code floor(j * in / out)}. Labels must never be averaged: the mean of class 0 and class 2 is not
 *       class 1. Computed exactly with integers (PyTorch computes {@code j * (float) (in/out)}, which agrees for
 *       whole factors and can differ by one index for some awkward ratios).</li>
 * </ul>
 * A caution on alignment: with a whole factor {@code f}, {@code nearest} picks the top-left pixel of each
 * f×f block, while {@code area} averages the block, whose center lies {@code (f - 1) / 2} pixels further down and
 * right. PyTorch pipelines have the same half-pixel offset at f = 2; it is small, but it is there.
 */
public final class Resize {
    private Resize() {}

    /** Area down-sampling by {@code factor} along both axes. */
    public static float[] area(float[] image, int height, int width, int factor) {
        return area(image, height, width, factor, factor);
    }

    /**
     * Area down-sampling: output {@code (r, c)} is the mean of input rows {@code [r*fh, (r+1)*fh)} and columns
     * {@code [c*fw, (c+1)*fw)}. The input size must be a multiple of the factors.
     */
    public static float[] area(float[] image, int height, int width, int factorH, int factorW) {
        checkSize(image.length, height, width);
        if (factorH < 1 || factorW < 1 || height % factorH != 0 || width % factorW != 0) {
            throw new IllegalArgumentException("Resize.area: " + height + "x" + width + " is not divisible by factors "
                    + factorH + "x" + factorW);
        }
        int outH = height / factorH, outW = width / factorW;
        float[] out = new float[outH * outW];
        double inv = 1.0 / ((double) factorH * factorW);
        for (int r = 0; r < outH; r++) {
            for (int c = 0; c < outW; c++) {
                double sum = 0;
                for (int dr = 0; dr < factorH; dr++) {
                    int row = (r * factorH + dr) * width + c * factorW;
                    for (int dc = 0; dc < factorW; dc++) sum += image[row + dc];
                }
                out[r * outW + c] = (float) (sum * inv);
            }
        }
        return out;
    }

    /** Bilinear resize to {@code outH × outW} (PyTorch {@code align_corners=False}). */
    public static float[] bilinear(float[] image, int height, int width, int outH, int outW) {
        checkSize(image.length, height, width);
        checkOut(outH, outW);
        // Per output row/column: the two input indices and the weight of the second, computed once.
        int[] r0 = new int[outH], r1 = new int[outH], c0 = new int[outW], c1 = new int[outW];
        double[] wr = new double[outH], wc = new double[outW];
        sourceTaps(height, outH, r0, r1, wr);
        sourceTaps(width, outW, c0, c1, wc);
        float[] out = new float[outH * outW];
        for (int r = 0; r < outH; r++) {
            int top = r0[r] * width, bottom = r1[r] * width;
            for (int c = 0; c < outW; c++) {
                double upper = image[top + c0[c]] * (1 - wc[c]) + image[top + c1[c]] * wc[c];
                double lower = image[bottom + c0[c]] * (1 - wc[c]) + image[bottom + c1[c]] * wc[c];
                out[r * outW + c] = (float) (upper * (1 - wr[r]) + lower * wr[r]);
            }
        }
        return out;
    }

    /** For each output index j: source position (j + 0.5) * in/out - 0.5, clamped, split into taps and weight. */
    private static void sourceTaps(int in, int out, int[] i0, int[] i1, double[] weight) {
        double scale = (double) in / out;
        for (int j = 0; j < out; j++) {
            double src = Math.max(0.0, (j + 0.5) * scale - 0.5);
            int lo = Math.min((int) src, in - 1);
            i0[j] = lo;
            i1[j] = Math.min(lo + 1, in - 1);
            weight[j] = src - lo;
        }
    }

    /** Resizes an image: {@link #area} when the input is a whole multiple of the output, else {@link #bilinear}. */
    public static float[] image(float[] image, int height, int width, int outH, int outW) {
        checkOut(outH, outW);
        if (outH <= height && outW <= width && height % outH == 0 && width % outW == 0) {
            return area(image, height, width, height / outH, width / outW);
        }
        return bilinear(image, height, width, outH, outW);
    }

    /** Nearest-neighbour resize of a label map: output {@code (r, c)} = input {@code (r*H/outH, c*W/outW)}. */
    public static byte[] nearest(byte[] labels, int height, int width, int outH, int outW) {
        checkSize(labels.length, height, width);
        checkOut(outH, outW);
        byte[] out = new byte[outH * outW];
        for (int r = 0; r < outH; r++) {
            int sr = (int) ((long) r * height / outH);
            for (int c = 0; c < outW; c++) {
                int sc = (int) ((long) c * width / outW);
                out[r * outW + c] = labels[sr * width + sc];
            }
        }
        return out;
    }

    /** A slice resized to {@code outH × outW}: image by {@link #image}, labels by {@link #nearest}; same id. */
    public static CtSlice slice(CtSlice s, int outH, int outW) {
        return new CtSlice(s.id(), outH, outW, image(s.image(), s.height(), s.width(), outH, outW),
                nearest(s.labels(), s.height(), s.width(), outH, outW));
    }

    private static void checkSize(int length, int height, int width) {
        if (height <= 0 || width <= 0 || (long) height * width != length) {
            throw new IllegalArgumentException("Resize: " + length + " values do not form a " + height + "x" + width
                    + " image");
        }
    }

    private static void checkOut(int outH, int outW) {
        if (outH <= 0 || outW <= 0) {
            throw new IllegalArgumentException("Resize: output size " + outH + "x" + outW + " is not positive");
        }
    }
}

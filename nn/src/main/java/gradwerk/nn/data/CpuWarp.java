package gradwerk.nn.data;

import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

/**
 * TEMPORARY: a plain-Java resampler with exactly PyTorch's {@code affine_grid} + {@code grid_sample} conventions
 * (padding_mode "zeros"; bilinear for images, nearest for labels), so the augmentation pipeline can be tested
 * before the tensor-level {@code grid_sample} exists. Switch {@link Transforms#randomAffine} users to the
 * grid_sample-based {@link Warp} once it lands; the golden test that checks this class against PyTorch
 * ({@code AffineWarpGoldenTest}) should then run against that implementation instead.
 *
 * <p>Works on CPU tensors of any dtype (computes in double, returns the input's dtype).
 */
public final class CpuWarp implements Warp {
    private final boolean alignCorners;

    /** @param alignCorners grid_sample's flag; must match the one the matrix was built with */
    public CpuWarp(boolean alignCorners) {
        this.alignCorners = alignCorners;
    }

    public CpuWarp() {
        this(false);
    }

    @Override
    public Tensor image(Tensor image, AffineMatrix theta) {
        if (image.rank() != 3)
            throw new IllegalArgumentException("CpuWarp.image: expected [C,H,W], got " + Shape.str(image.shape()));
        int c = image.size(0), h = image.size(1), w = image.size(2);
        double[] src = image.toDoubleArray(), out = new double[src.length];
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                double xo = normalised(j, w), yo = normalised(i, h);
                double px = pixel(theta.x(xo, yo), w), py = pixel(theta.y(xo, yo), h);
                int x0 = (int) Math.floor(px), y0 = (int) Math.floor(py);
                double fx = px - x0, fy = py - y0;
                for (int ch = 0; ch < c; ch++) {
                    int base = ch * h * w;
                    double top = (1 - fx) * at(src, base, x0, y0, w, h) + fx * at(src, base, x0 + 1, y0, w, h);
                    double bottom = (1 - fx) * at(src, base, x0, y0 + 1, w, h) + fx * at(src, base, x0 + 1, y0 + 1, w, h);
                    out[base + i * w + j] = (1 - fy) * top + fy * bottom;
                }
            }
        }
        return Tensor.of(out, image.shape()).to(image.dtype());
    }

    @Override
    public Tensor labels(Tensor labels, AffineMatrix theta) {
        if (labels.rank() != 2)
            throw new IllegalArgumentException("CpuWarp.labels: expected [H,W], got " + Shape.str(labels.shape()));
        int h = labels.size(0), w = labels.size(1);
        double[] src = labels.toDoubleArray(), out = new double[src.length];
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                double xo = normalised(j, w), yo = normalised(i, h);
                // grid_sample's nearest rounds half to even (std::nearbyint), which is Math.rint
                int x = (int) Math.rint(pixel(theta.x(xo, yo), w)), y = (int) Math.rint(pixel(theta.y(xo, yo), h));
                out[i * w + j] = at(src, 0, x, y, w, h);
            }
        }
        return Tensor.of(out, labels.shape()).to(labels.dtype());
    }

    /** affine_grid's base grid: the normalised coordinate of pixel k of n. */
    private double normalised(int k, int n) {
        if (alignCorners) return n == 1 ? -1 : -1 + 2.0 * k / (n - 1);
        return (2.0 * k + 1) / n - 1;
    }

    /** grid_sample's unnormalisation: a normalised coordinate back to a (fractional) pixel index. */
    private double pixel(double coord, int n) {
        return alignCorners ? (coord + 1) / 2 * (n - 1) : ((coord + 1) * n - 1) / 2;
    }

    /** Zero padding: outside pixels read 0. */
    private static double at(double[] src, int base, int x, int y, int w, int h) {
        return x < 0 || y < 0 || x >= w || y >= h ? 0 : src[base + y * w + x];
    }
}

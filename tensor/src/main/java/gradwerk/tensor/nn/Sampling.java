package gradwerk.tensor.nn;

import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

/**
 * Reading images at other positions than their pixel grid: resizing ({@code upsample}, PyTorch's
 * {@code F.interpolate} for 4-d inputs), sampling at arbitrary points ({@code gridSample}) and the affine
 * sampling grids of spatial transformers ({@code affineGrid}), each with its backward pass.
 *
 * <h2>Coordinates (PyTorch's conventions)</h2>
 * A grid holds normalised (x, y) in [-1, 1] per output pixel: x indexes the width, y the height. With
 * {@code alignCorners = true}, -1 and 1 are the centres of the corner pixels: {@code ix = (x+1)/2 · (W-1)}. With
 * {@code false}, they are the outer edges of the corner pixels: {@code ix = ((x+1)·W - 1)/2}, so a resized image
 * does not depend on its resolution. Bilinear sampling weighs the four pixels around (ix, iy); nearest picks
 * {@code round(ix)} rounding half to even. Padding decides what lies outside the image: ZEROS (taps outside add
 * nothing) or BORDER (coordinates are clamped into [0, W-1], so the gradient w.r.t. a clamped coordinate is 0).
 *
 * <p>The gradient w.r.t. the grid is the derivative of the bilinear weights, {@code d out / d ix = Σ_c g ·
 * ((1-fy)(ne - nw) + fy(se - sw))}, times {@code d ix / d x} (the unnormalisation factor (W-1)/2 or W/2);
 * nearest sampling is piecewise constant, so its grid gradient is 0.
 */
public final class Sampling {
    private Sampling() {}

    // ================================================================ upsample

    /** Resizes input [N,C,H,W] to [N,C,outH,outW]; alignCorners must be false for NEAREST (as in PyTorch). */
    public static Tensor upsample(Tensor input, int outH, int outW, Interpolation mode, boolean alignCorners) {
        return resize("upsample", input, outH, outW, 0, mode, alignCorners);
    }

    /**
     * Resizes by a scale factor: output size {@code floor(H·scale)}, and (like PyTorch when the scale factor is
     * given) source positions computed with {@code 1/scale} rather than H/outH, which differs for non-integer scales.
     */
    public static Tensor upsample(Tensor input, double scaleFactor, Interpolation mode, boolean alignCorners) {
        Args.requireRank("upsample", "input", input, 4, "[N,C,H,W]");
        if (!(scaleFactor > 0))
            throw new IllegalArgumentException("upsample: scale factor " + scaleFactor + " must be positive");
        return resize("upsample", input, (int) Math.floor(input.size(2) * scaleFactor),
                (int) Math.floor(input.size(3) * scaleFactor), scaleFactor, mode, alignCorners);
    }

    /** The gradient of {@link #upsample(Tensor, int, int, Interpolation, boolean)} w.r.t. its input. */
    public static Tensor upsampleBackward(Tensor gradOut, int[] inputShape, Interpolation mode, boolean alignCorners) {
        return resizeBackward(gradOut, inputShape, 0, mode, alignCorners);
    }

    /** The gradient of {@link #upsample(Tensor, double, Interpolation, boolean)} w.r.t. its input. */
    public static Tensor upsampleBackward(Tensor gradOut, int[] inputShape, double scaleFactor, Interpolation mode,
                                          boolean alignCorners) {
        return resizeBackward(gradOut, inputShape, scaleFactor, mode, alignCorners);
    }

    private static Tensor resize(String op, Tensor input, int outH, int outW, double scaleFactor, Interpolation mode,
                                 boolean alignCorners) {
        Args.requireRank(op, "input", input, 4, "[N,C,H,W]");
        checkResize(op, input.shape(), outH, outW, mode, alignCorners);
        Tensor out = Args.output(input, input.size(0), input.size(1), outH, outW); // upsample2d writes every element
        if (out.numel() > 0)
            input.device().backend().upsample2d(input, mode, alignCorners,
                    scale(mode, alignCorners, input.size(2), outH, scaleFactor),
                    scale(mode, alignCorners, input.size(3), outW, scaleFactor), out);
        return out;
    }

    private static Tensor resizeBackward(Tensor gradOut, int[] inputShape, double scaleFactor, Interpolation mode,
                                         boolean alignCorners) {
        String op = "upsampleBackward";
        Args.requireRank(op, "gradOut", gradOut, 4, "[N,C,outH,outW]");
        if (inputShape.length != 4 || inputShape[0] != gradOut.size(0) || inputShape[1] != gradOut.size(1))
            throw new IllegalArgumentException(op + ": input shape " + Shape.str(inputShape) + " does not match gradOut "
                    + Shape.str(gradOut.shape()));
        int outH = gradOut.size(2), outW = gradOut.size(3);
        checkResize(op, inputShape, outH, outW, mode, alignCorners);
        Tensor gi = Args.output(gradOut, inputShape); // upsample2dBackward overwrites it
        if (gi.numel() > 0)
            gradOut.device().backend().upsample2dBackward(gradOut, mode, alignCorners,
                    scale(mode, alignCorners, inputShape[2], outH, scaleFactor),
                    scale(mode, alignCorners, inputShape[3], outW, scaleFactor), gi);
        return gi;
    }

    private static void checkResize(String op, int[] in, int outH, int outW, Interpolation mode, boolean alignCorners) {
        if (outH < 1 || outW < 1 || in[2] < 1 || in[3] < 1)
            throw new IllegalArgumentException(op + ": cannot resize " + Shape.str(in) + " to " + outH + "x" + outW);
        if (mode == Interpolation.NEAREST && alignCorners)
            throw new IllegalArgumentException(op + ": alignCorners only applies to bilinear interpolation");
    }

    /**
     * Input pixels per output pixel, exactly as ATen computes it (area_pixel_compute_scale / compute_scales_value):
     * (in-1)/(out-1) with aligned corners, otherwise 1/scaleFactor when one was given, else in/out. Nearest uses
     * float32 arithmetic, like ATen, so that it picks the same pixels.
     */
    static double scale(Interpolation mode, boolean alignCorners, int in, int out, double scaleFactor) {
        if (mode == Interpolation.NEAREST)
            return scaleFactor > 0 ? (float) (1.0 / scaleFactor) : (float) in / (float) out;
        if (alignCorners) return out > 1 ? (in - 1) / (double) (out - 1) : 0;
        return scaleFactor > 0 ? 1.0 / scaleFactor : in / (double) out;
    }

    // ================================================================ grid_sample

    /**
     * PyTorch's {@code F.grid_sample} for 4-d inputs: input [N,C,H,W], grid [N,outH,outW,2] of (x, y) in [-1, 1];
     * output [N,C,outH,outW]. See the class comment for the conventions.
     */
    public static Tensor gridSample(Tensor input, Tensor grid, Interpolation mode, GridPadding padding,
                                    boolean alignCorners) {
        String op = "gridSample";
        checkGrid(op, input, grid);
        Tensor out = Args.empty(input, input.size(0), input.size(1), grid.size(1), grid.size(2));
        if (out.numel() > 0) input.device().backend().gridSample2d(input, grid, mode, padding, alignCorners, out);
        return out;
    }

    /** The gradients of grid_sample; a field is null when it was not asked for. */
    public record GridSampleGrads(Tensor input, Tensor grid) {}

    /**
     * The gradients of {@link #gridSample} w.r.t. the input (a scatter-add of gradOut with the sampling weights)
     * and w.r.t. the grid; {@code inputGrad}/{@code gridGrad} say which are needed.
     */
    public static GridSampleGrads gridSampleBackward(Tensor gradOut, Tensor input, Tensor grid, Interpolation mode,
                                                     GridPadding padding, boolean alignCorners, boolean inputGrad,
                                                     boolean gridGrad) {
        String op = "gridSampleBackward";
        checkGrid(op, input, grid);
        Args.requireLike(op, input, "gradOut", gradOut);
        Args.requireShape(op, "gradOut", gradOut, input.size(0), input.size(1), grid.size(1), grid.size(2));
        Tensor gi = inputGrad ? Args.empty(input, input.shape()) : null;
        Tensor gg = gridGrad ? Args.empty(input, grid.shape()) : null;
        if ((gi != null || gg != null) && gradOut.numel() + grid.numel() > 0)
            input.device().backend().gridSample2dBackward(gradOut, input, grid, mode, padding, alignCorners, gi, gg);
        return new GridSampleGrads(gi, gg);
    }

    // ================================================================ grid_sample contractions (deformable attention)

    /**
     * {@code out[n,q,s] = Σ_c p[n,c,q] · bilinear(input[n,c], grid[n,q,s])}, the same numbers as
     * {@code (gridSample(input, grid) * p.unsqueeze(3)).sum(1)} without the [N,C,Q,S] tensor of samples in between:
     * p [N,C,Q], input [N,C,H,W], grid [N,Q,S,2] (normalised (x, y), as {@link #gridSample}) → [N,Q,S]. Deformable
     * attention's energies: query q's key sampled at its S positions, dotted with the query.
     */
    public static Tensor gridSampleDot(Tensor p, Tensor input, Tensor grid, GridPadding padding, boolean alignCorners) {
        String op = "gridSampleDot";
        checkContraction(op, input, grid);
        Args.requireLike(op, input, "p", p);
        Args.requireShape(op, "p", p, input.size(0), input.size(1), grid.size(1));
        Tensor out = Args.empty(input, input.size(0), grid.size(1), grid.size(2));
        if (out.numel() > 0) input.device().backend().gridSampleDot(p, input, grid, padding, alignCorners, out);
        return out;
    }

    /**
     * {@code out[n,c,q] = Σ_s w[n,q,s] · bilinear(input[n,c], grid[n,q,s])}, i.e. {@code (gridSample(input, grid) *
     * w.unsqueeze(1)).sum(3)} without the samples in between: w [N,Q,S] → [N,C,Q]. Deformable attention's output:
     * the values at query q's S positions, weighted by its attention.
     */
    public static Tensor gridSampleMix(Tensor w, Tensor input, Tensor grid, GridPadding padding, boolean alignCorners) {
        String op = "gridSampleMix";
        checkContraction(op, input, grid);
        Args.requireLike(op, input, "w", w);
        Args.requireShape(op, "w", w, input.size(0), grid.size(1), grid.size(2));
        Tensor out = Args.empty(input, input.size(0), input.size(1), grid.size(1));
        if (out.numel() > 0) input.device().backend().gridSampleMix(w, input, grid, padding, alignCorners, out);
        return out;
    }

    /**
     * The gradients w.r.t. input and grid of {@code T = Σ p[n,c,q] · w[n,q,s] · bilinear(input[n,c], grid[n,q,s])}:
     * {@link #gridSampleDot} is ∂T/∂w and {@link #gridSampleMix} is ∂T/∂p, so both pass their output gradient as w
     * (Dot) or p (Mix) here. The gradients of p and w themselves are the other op: d/dp of Dot(p) with output
     * gradient g is Mix(g), and d/dw of Mix(w) is Dot(g).
     */
    public static GridSampleGrads gridSampleContractBackward(Tensor p, Tensor w, Tensor input, Tensor grid,
                                                             GridPadding padding, boolean alignCorners,
                                                             boolean inputGrad, boolean gridGrad) {
        String op = "gridSampleContractBackward";
        checkContraction(op, input, grid);
        Args.requireLike(op, input, "p", p);
        Args.requireLike(op, input, "w", w);
        Args.requireShape(op, "p", p, input.size(0), input.size(1), grid.size(1));
        Args.requireShape(op, "w", w, input.size(0), grid.size(1), grid.size(2));
        Tensor gi = inputGrad ? Args.empty(input, input.shape()) : null;
        Tensor gg = gridGrad ? Args.empty(input, grid.shape()) : null;
        if ((gi != null || gg != null) && (long) input.size(1) * grid.size(1) * grid.size(2) > 0)
            input.device().backend().gridSampleContractBackward(p, w, input, grid, padding, alignCorners, gi, gg);
        return new GridSampleGrads(gi, gg);
    }

    private static void checkContraction(String op, Tensor input, Tensor grid) {
        Args.requireRank(op, "input", input, 4, "[N,C,H,W]");
        Args.requireRank(op, "grid", grid, 4, "[N,Q,S,2]");
        checkGrid(op, input, grid);
    }

    private static void checkGrid(String op, Tensor input, Tensor grid) {
        Args.requireRank(op, "input", input, 4, "[N,C,H,W]");
        Args.requireRank(op, "grid", grid, 4, "[N,outH,outW,2]");
        Args.requireLike(op, input, "grid", grid);
        if (grid.size(0) != input.size(0) || grid.size(3) != 2)
            throw new IllegalArgumentException(op + ": grid " + Shape.str(grid.shape()) + " must be [N,outH,outW,2] for input "
                    + Shape.str(input.shape()));
        if (input.size(2) < 1 || input.size(3) < 1)
            throw new IllegalArgumentException(op + ": input " + Shape.str(input.shape()) + " has an empty image");
    }

    // ================================================================ affine_grid

    /**
     * PyTorch's {@code F.affine_grid} for 2-d: theta [N,2,3] maps the output pixel's normalised (x, y, 1) to the
     * point to sample; size is the output [N,C,H,W]; result grid [N,H,W,2]. Built from tensor ops (one batched
     * matrix product with a base grid), so it runs on every device.
     */
    public static Tensor affineGrid(Tensor theta, int[] size, boolean alignCorners) {
        String op = "affineGrid";
        checkAffine(op, theta.shape(), size);
        Tensor base = baseGrid(theta, size, alignCorners); // [H*W, 3]
        return base.matmul(theta.transpose(1, 2)).view(size[0], size[2], size[3], 2);
    }

    /** The gradient of {@link #affineGrid} w.r.t. theta: {@code gradTheta[n] = gradGrid[n]ᵀ · base}, [N,2,3]. */
    public static Tensor affineGridBackward(Tensor gradGrid, int[] size, boolean alignCorners) {
        String op = "affineGridBackward";
        checkAffine(op, new int[] {size.length > 0 ? size[0] : -1, 2, 3}, size);
        Args.requireShape(op, "gradGrid", gradGrid, size[0], size[2], size[3], 2);
        Tensor base = baseGrid(gradGrid, size, alignCorners);
        return gradGrid.reshape(size[0], size[2] * size[3], 2).transpose(1, 2).matmul(base);
    }

    private static void checkAffine(String op, int[] theta, int[] size) {
        if (size.length != 4)
            throw new IllegalArgumentException(op + ": size " + Shape.str(size) + " must be [N,C,H,W] (4-d affine grids)");
        if (theta.length != 3 || theta[0] != size[0] || theta[1] != 2 || theta[2] != 3)
            throw new IllegalArgumentException(op + ": theta " + Shape.str(theta) + " must be [N,2,3] with N=" + size[0]);
    }

    /** Rows (x_w, y_h, 1) for every output pixel, row-major over (h, w): [H*W, 3], dtype/device of like. */
    private static Tensor baseGrid(Tensor like, int[] size, boolean alignCorners) {
        int h = size[2], w = size[3];
        double[] xs = steps(w, alignCorners), ys = steps(h, alignCorners), b = new double[h * w * 3];
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) {
                b[(i * w + j) * 3] = xs[j];
                b[(i * w + j) * 3 + 1] = ys[i];
                b[(i * w + j) * 3 + 2] = 1;
            }
        return Tensor.of(b, h * w, 3).to(like.dtype()).to(like.device());
    }

    /** PyTorch's linspace_from_neg_one: n points from -1 to 1, shrunk by (n-1)/n without aligned corners. */
    private static double[] steps(int n, boolean alignCorners) {
        double[] s = new double[n];
        if (n <= 1) return s;
        for (int i = 0; i < n; i++) {
            s[i] = -1 + 2.0 * i / (n - 1);
            if (!alignCorners) s[i] = s[i] * (n - 1) / n;
        }
        return s;
    }
}

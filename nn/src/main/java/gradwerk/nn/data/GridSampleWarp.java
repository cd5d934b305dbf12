package gradwerk.nn.data;

import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.GridPadding;
import gradwerk.tensor.nn.Interpolation;
import gradwerk.tensor.nn.Sampling;

/**
 * The {@link Warp} of the augmentation pipeline, built on the tensor module's {@code affine_grid} and
 * {@code grid_sample} kernels (PyTorch's conventions, zero padding): bilinear for images, nearest for labels. Runs
 * on whatever device the sample lives on, in its dtype.
 */
public final class GridSampleWarp implements Warp {
    private final boolean alignCorners;

    /** @param alignCorners grid_sample's flag; must match the one the matrix was built with */
    public GridSampleWarp(boolean alignCorners) {
        this.alignCorners = alignCorners;
    }

    /** alignCorners false, PyTorch's default. */
    public GridSampleWarp() {
        this(false);
    }

    @Override
    public Tensor image(Tensor image, AffineMatrix theta) {
        if (image.rank() != 3)
            throw new IllegalArgumentException("GridSampleWarp.image: expected [C,H,W], got " + Shape.str(image.shape()));
        Tensor in = image.unsqueeze(0);
        return Sampling.gridSample(in, grid(theta, in), Interpolation.BILINEAR, GridPadding.ZEROS, alignCorners).squeeze(0);
    }

    @Override
    public Tensor labels(Tensor labels, AffineMatrix theta) {
        if (labels.rank() != 2)
            throw new IllegalArgumentException("GridSampleWarp.labels: expected [H,W], got " + Shape.str(labels.shape()));
        Tensor in = labels.unsqueeze(0).unsqueeze(0);
        return Sampling.gridSample(in, grid(theta, in), Interpolation.NEAREST, GridPadding.ZEROS, alignCorners).view(labels.shape());
    }

    /** The sampling grid [1,H,W,2] of theta for an image [1,C,H,W]. */
    private Tensor grid(AffineMatrix theta, Tensor in) {
        Tensor t = theta.toTensor(in.dtype()).to(in.device()).unsqueeze(0);
        return Sampling.affineGrid(t, in.shape(), alignCorners);
    }
}

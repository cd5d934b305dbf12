package gradwerk.nn.data;

import gradwerk.tensor.Tensor;

/**
 * Resamples an image and its label map through an {@link AffineMatrix} (affine_grid convention). Images are
 * interpolated; labels must not be (the average of classes 1 and 3 is not class 2), so they use nearest
 * neighbour. Points that fall outside the input read zero.
 *
 * <p>The implementation is {@link GridSampleWarp}: the tensor module's {@code affine_grid} + {@code grid_sample},
 * checked against PyTorch.
 */
public interface Warp {
    /** Bilinear resampling of an image [C,H,W]; output has the same shape. */
    Tensor image(Tensor image, AffineMatrix theta);

    /** Nearest-neighbour resampling of a label map [H,W]; output has the same shape. */
    Tensor labels(Tensor labels, AffineMatrix theta);
}

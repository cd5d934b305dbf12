package gradwerk.nn.data;

import gradwerk.tensor.DType;
import gradwerk.tensor.Tensor;

/**
 * A 2×3 affine matrix {@code [[a, b, c], [d, e, f]]} in PyTorch's {@code affine_grid} convention: it maps
 * <em>output</em> coordinates to the <em>input</em> coordinates sampled there, both normalised to [-1, 1]
 * (x = width direction first, y = height direction second):
 *
 * <pre>
 *   x_in = a·x_out + b·y_out + c
 *   y_in = d·x_out + e·y_out + f
 * </pre>
 *
 * Because it maps output to input, it is the <em>inverse</em> of the motion the image content undergoes: moving
 * content right by 0.5 needs {@code c = -0.5}. {@link RandomAffine#theta} builds it from a forward description.
 */
public record AffineMatrix(double a, double b, double c, double d, double e, double f) {
    public static final AffineMatrix IDENTITY = new AffineMatrix(1, 0, 0, 0, 1, 0);

    /** Input x for an output point. */
    public double x(double xOut, double yOut) {
        return a * xOut + b * yOut + c;
    }

    /** Input y for an output point. */
    public double y(double xOut, double yOut) {
        return d * xOut + e * yOut + f;
    }

    /** Row-major {@code {a, b, c, d, e, f}}. */
    public double[] toArray() {
        return new double[] {a, b, c, d, e, f};
    }

    /** As a [2,3] tensor, e.g. to stack into the [N,2,3] theta that {@code affine_grid} takes. */
    public Tensor toTensor(DType dtype) {
        return Tensor.of(toArray(), 2, 3).to(dtype);
    }

    /** From a [2,3] tensor. */
    public static AffineMatrix of(Tensor theta) {
        if (!theta.hasShape(2, 3))
            throw new IllegalArgumentException("AffineMatrix: theta must be [2,3], got "
                    + gradwerk.tensor.Shape.str(theta.shape()));
        double[] v = theta.toDoubleArray();
        return new AffineMatrix(v[0], v[1], v[2], v[3], v[4], v[5]);
    }
}

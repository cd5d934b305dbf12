package gradwerk.tensor.nn;

import gradwerk.tensor.DType;
import gradwerk.tensor.Device;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

/**
 * Dropout (Srivastava et al. 2014) in its "inverted" form, as in PyTorch: during training each element is zeroed
 * with probability p and the survivors are scaled by 1/(1-p), so the expected value is unchanged and evaluation
 * needs no rescaling. The mask comes from a seeded {@link Generator}, so a run can be reproduced exactly; the
 * backward pass multiplies by the same mask.
 */
public final class Dropout {
    private Dropout() {}

    /** The output and the mask it was multiplied by (null when nothing was dropped: evaluation or p = 0). */
    public record DropoutResult(Tensor output, Tensor mask) {}

    /**
     * A mask of the given shape: 1/(1-p) with probability 1-p, else 0 (all 0 when p = 1). One uniform number per
     * element is drawn from g in row-major order.
     */
    public static Tensor mask(Generator g, double p, int[] shape, DType dtype, Device device) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("dropout: probability " + p + " is not in [0, 1]");
        double keep = p >= 1 ? 0 : 1 / (1 - p);
        double[] m = new double[Shape.numel(Shape.check("dropout", shape))];
        for (int i = 0; i < m.length; i++) m[i] = g.nextDouble() >= p ? keep : 0;
        return Tensor.of(m, shape).to(dtype).to(device);
    }

    /** Element-wise dropout; outside training (or with p = 0) the input is returned as is. */
    public static DropoutResult dropout(Tensor input, double p, boolean training, Generator g) {
        if (!training || p == 0) return new DropoutResult(input, null);
        Tensor m = mask(g, p, input.shape(), input.dtype(), input.device());
        return new DropoutResult(input.mul(m), m);
    }

    /**
     * Channel dropout ({@code F.dropout2d}) for [N,C,*]: whole channels are dropped, with one mask value per
     * (n, c), shape [N,C,1,...], broadcast over the spatial dims.
     */
    public static DropoutResult dropout2d(Tensor input, double p, boolean training, Generator g) {
        if (input.rank() < 2)
            throw new IllegalArgumentException("dropout2d: input " + Shape.str(input.shape()) + " must be [N,C,*]");
        if (!training || p == 0) return new DropoutResult(input, null);
        int[] s = new int[input.rank()];
        java.util.Arrays.fill(s, 1);
        s[0] = input.size(0);
        s[1] = input.size(1);
        Tensor m = mask(g, p, s, input.dtype(), input.device());
        return new DropoutResult(input.mul(m), m);
    }

    /** The gradient of dropout w.r.t. its input: gradOut times the mask (gradOut itself when the mask is null). */
    public static Tensor dropoutBackward(Tensor gradOut, Tensor mask) {
        return mask == null ? gradOut : gradOut.mul(mask);
    }
}

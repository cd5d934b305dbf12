package gradwerk.nn.layers;

import gradwerk.autograd.Variable;
import gradwerk.nn.Module;
import gradwerk.nn.Parameter;
import gradwerk.nn.functional.NormOps;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.Norm;

/**
 * Instance normalisation over [N, C, H, W], PyTorch's {@code nn.InstanceNorm2d} without running stats (its
 * default): each sample's each channel is normalised over H·W. Not affine by default, as in PyTorch.
 */
public final class InstanceNorm2d extends Module {
    private final int channels;
    private final double eps;
    private final Parameter weight, bias;

    public InstanceNorm2d(int channels) {
        this(channels, Norm.DEFAULT_EPS, false);
    }

    public InstanceNorm2d(int channels, double eps, boolean affine) {
        if (channels < 1) throw new IllegalArgumentException("InstanceNorm2d: channels " + channels + " must be >= 1");
        this.channels = channels;
        this.eps = eps;
        weight = affine ? registerParameter("weight", Tensor.ones(channels)) : null;
        bias = affine ? registerParameter("bias", Tensor.zeros(channels)) : null;
    }

    @Override
    public Variable forward(Variable x) {
        if (x.rank() != 4 || x.size(1) != channels)
            throw new IllegalArgumentException(describe() + ": input " + Shape.str(x.shape()) + " must be [N," + channels + ",H,W]");
        return NormOps.instanceNorm(x, weight == null ? null : weight.v(), bias == null ? null : bias.v(), eps);
    }

    @Override
    protected String extraRepr() {
        return channels + (eps != Norm.DEFAULT_EPS ? ", eps=" + eps : "") + (weight != null ? ", affine=true" : "");
    }
}

package gradwerk.nn.layers;

import gradwerk.autograd.Variable;
import gradwerk.nn.Module;
import gradwerk.nn.Parameter;
import gradwerk.nn.functional.NormOps;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.Norm;

/**
 * Group normalisation (Wu and He 2018), PyTorch's {@code nn.GroupNorm}: statistics per sample over groups of
 * channels, so it behaves the same for any batch size (batch size 1 included) and in training and evaluation.
 * {@code groups = channels} is instance norm, {@code groups = 1} layer norm over (C, H, W).
 */
public final class GroupNorm extends Module {
    private final int groups, channels;
    private final double eps;
    private final Parameter weight, bias;

    public GroupNorm(int groups, int channels) {
        this(groups, channels, Norm.DEFAULT_EPS, true);
    }

    public GroupNorm(int groups, int channels, double eps, boolean affine) {
        if (groups < 1 || channels < 1 || channels % groups != 0)
            throw new IllegalArgumentException("GroupNorm: " + channels + " channels cannot be split into " + groups + " groups");
        this.groups = groups;
        this.channels = channels;
        this.eps = eps;
        weight = affine ? registerParameter("weight", Tensor.ones(channels)) : null;
        bias = affine ? registerParameter("bias", Tensor.zeros(channels)) : null;
    }

    @Override
    public Variable forward(Variable x) {
        if (x.rank() < 2 || x.size(1) != channels)
            throw new IllegalArgumentException(describe() + ": input " + Shape.str(x.shape()) + " has "
                    + (x.rank() < 2 ? "no" : Integer.toString(x.size(1))) + " channels, expected " + channels);
        return NormOps.groupNorm(x, groups, weight == null ? null : weight.v(), bias == null ? null : bias.v(), eps);
    }

    @Override
    protected String extraRepr() {
        return groups + ", " + channels + (eps != Norm.DEFAULT_EPS ? ", eps=" + eps : "") + (weight == null ? ", affine=false" : "");
    }
}

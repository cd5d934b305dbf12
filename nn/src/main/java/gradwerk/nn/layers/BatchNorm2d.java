package gradwerk.nn.layers;

import gradwerk.autograd.Variable;
import gradwerk.nn.Module;
import gradwerk.nn.Parameter;
import gradwerk.nn.functional.NormOps;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.Norm;

/**
 * Batch normalisation over [N, C, H, W] (Ioffe and Szegedy 2015), PyTorch's {@code nn.BatchNorm2d}: parameters
 * {@code weight} (ones) and {@code bias} (zeros) unless not affine; buffers {@code running_mean} (zeros),
 * {@code running_var} (ones) and {@code num_batches_tracked}. Training normalises with the batch's statistics and
 * moves the running ones towards them by {@code momentum} (or, with momentum NaN, PyTorch's None, keeps their
 * cumulative average); evaluation normalises with the running statistics.
 *
 * <p>{@code num_batches_tracked} is an int64 in PyTorch; here it is a float32 tensor (exact up to 2^24 batches),
 * which PyTorch's {@code load_state_dict} converts back.
 */
public final class BatchNorm2d extends Module {
    private final int channels;
    private final double eps, momentum;
    private final boolean affine, track;
    private final Parameter weight, bias;

    /** eps 1e-5, momentum 0.1, affine, tracking running stats: PyTorch's defaults. */
    public BatchNorm2d(int channels) {
        this(channels, Norm.DEFAULT_EPS, Norm.DEFAULT_MOMENTUM, true, true);
    }

    /** @param momentum the running stats' update rate; NaN for a cumulative average (PyTorch's momentum=None) */
    public BatchNorm2d(int channels, double eps, double momentum, boolean affine, boolean trackRunningStats) {
        if (channels < 1) throw new IllegalArgumentException("BatchNorm2d: channels " + channels + " must be >= 1");
        this.channels = channels;
        this.eps = eps;
        this.momentum = momentum;
        this.affine = affine;
        this.track = trackRunningStats;
        weight = affine ? registerParameter("weight", Tensor.ones(channels)) : null;
        bias = affine ? registerParameter("bias", Tensor.zeros(channels)) : null;
        if (track) {
            registerBuffer("running_mean", Tensor.zeros(channels));
            registerBuffer("running_var", Tensor.ones(channels));
            registerBuffer("num_batches_tracked", Tensor.zeros(new int[0]));
        }
    }

    @Override
    public Variable forward(Variable x) {
        return forward(x, false);
    }

    /** {@code forward(x).relu()} as one op, with the same results: the step keeps one tensor instead of two. */
    public Variable forwardRelu(Variable x) {
        return forward(x, true);
    }

    private Variable forward(Variable x, boolean relu) {
        if (x.rank() != 4)
            throw new IllegalArgumentException(describe() + ": input " + Shape.str(x.shape()) + " must be 4-d [N,C,H,W]");
        if (x.size(1) != channels)
            throw new IllegalArgumentException(describe() + ": input " + Shape.str(x.shape()) + " has " + x.size(1)
                    + " channels, expected " + channels);
        double factor = momentum;
        if (isTraining() && track) {
            Tensor count = buffer("num_batches_tracked");
            count.addInPlace(1);
            if (Double.isNaN(momentum)) factor = 1 / count.item();
        }
        boolean useBatchStats = isTraining() || !track;
        Tensor mean = track ? buffer("running_mean") : null, var = track ? buffer("running_var") : null;
        Variable w = affine ? weight.v() : null, b = affine ? bias.v() : null;
        return relu ? NormOps.batchNormRelu(x, mean, var, w, b, useBatchStats, factor, eps)
                : NormOps.batchNorm(x, mean, var, w, b, useBatchStats, factor, eps);
    }

    /** The running mean (a live buffer), or null when not tracking. */
    public Tensor runningMean() { return track ? buffer("running_mean") : null; }
    public Tensor runningVar() { return track ? buffer("running_var") : null; }
    public Parameter weight() { return weight; }
    public Parameter bias() { return bias; }

    @Override
    protected String extraRepr() {
        return channels + (eps != Norm.DEFAULT_EPS ? ", eps=" + eps : "") + (momentum != Norm.DEFAULT_MOMENTUM ? ", momentum="
                + (Double.isNaN(momentum) ? "None" : momentum) : "") + (affine ? "" : ", affine=false")
                + (track ? "" : ", track_running_stats=false");
    }
}

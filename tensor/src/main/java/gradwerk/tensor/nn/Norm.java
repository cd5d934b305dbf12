package gradwerk.tensor.nn;

import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

/**
 * Batch, group and instance normalisation (PyTorch's {@code F.batch_norm}, {@code F.group_norm},
 * {@code F.instance_norm}) with backward passes. Inputs are [N, C, *] (any number of spatial dims, viewed as
 * [N, C, L]).
 *
 * <p>Every variant computes {@code y = (x - mean) · invstd · weight + bias} with {@code invstd = 1/sqrt(var + eps)}
 * and the biased variance; they differ only in what the statistics are taken over: batch norm over (N, L) per
 * channel, group norm over (C/groups, L) per sample and group, instance norm over L per sample and channel (group
 * norm with one channel per group).
 *
 * <p>The backward pass (Ioffe and Szegedy 2015, section 3) with {@code xhat = (x - mean)·invstd} and the m numbers
 * of one statistic: {@code dx = invstd · (dxhat - mean(dxhat) - xhat · mean(dxhat · xhat))}, where
 * {@code dxhat = g · weight}; {@code dweight = Σ g · xhat}, {@code dbias = Σ g}. In evaluation mode batch norm's
 * statistics are constants and {@code dx = g · weight · invstd}.
 */
public final class Norm {
    private Norm() {}

    public static final double DEFAULT_EPS = 1e-5;
    public static final double DEFAULT_MOMENTUM = 0.1;

    /** The normalised output and the statistics the backward pass needs (mean and 1/sqrt(var+eps)). */
    public record NormResult(Tensor output, Tensor saveMean, Tensor saveInvstd) {}

    /** Gradients w.r.t. input, weight and bias (the latter two null when the op had no weight/bias). */
    public record NormGrads(Tensor input, Tensor weight, Tensor bias) {}

    // ================================================================ batch norm

    /**
     * Batch normalisation, argument order of {@code F.batch_norm}. Training: statistics of this batch per channel;
     * the running stats (if not null) are updated in place with {@code momentum}, the variance unbiased (n/(n-1)).
     * Evaluation: the running stats are used. weight and bias [C] may be null.
     */
    public static NormResult batchNorm(Tensor input, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                       boolean training, double momentum, double eps) {
        String op = "batchNorm";
        Tensor x = as3d(op, input);
        int c = x.size(1);
        for (Tensor t : new Tensor[] {runningMean, runningVar, weight, bias}) {
            Args.requireLike(op, input, "parameter", t);
            if (t != null && !t.hasShape(c))
                throw new IllegalArgumentException(op + ": input " + Shape.str(input.shape()) + " has " + c
                        + " channels, but a weight/bias/running stat has shape " + Shape.str(t.shape()));
        }
        if (training && x.size(0) * x.size(2) <= 1)
            throw new IllegalArgumentException(op + ": expected more than 1 value per channel when training, got input "
                    + Shape.str(input.shape()));
        if (!training && (runningMean == null || runningVar == null))
            throw new IllegalArgumentException(op + ": evaluation mode needs running_mean and running_var");
        Tensor out = Args.output(input, x.shape()), mean = Args.empty(input, c), invstd = Args.empty(input, c);
        if (x.numel() > 0 || !training)
            input.device().backend().batchNorm(x, weight, bias, runningMean, runningVar, training, momentum, eps, out,
                    mean, invstd);
        if (training && runningMean != null) runningMean.storage().bumpVersion();
        if (training && runningVar != null) runningVar.storage().bumpVersion();
        return new NormResult(out.view(input.shape()), mean, invstd);
    }

    /** The gradients of {@link #batchNorm} from its saved statistics. */
    public static NormGrads batchNormBackward(Tensor gradOut, Tensor input, Tensor weight, Tensor saveMean,
                                              Tensor saveInvstd, boolean training) {
        String op = "batchNormBackward";
        Tensor x = as3d(op, input);
        int c = x.size(1);
        Args.requireShape(op, "gradOut", gradOut, input.shape());
        Args.requireShape(op, "weight", weight, c);
        Args.requireShape(op, "saveMean", saveMean, c);
        Args.requireShape(op, "saveInvstd", saveInvstd, c);
        Tensor gi = Args.output(input, x.shape());
        Tensor gw = weight != null ? Args.empty(input, c) : null, gb = weight != null ? Args.empty(input, c) : null;
        input.device().backend().batchNormBackward(gradOut.reshape(x.shape()), x, weight, saveMean, saveInvstd, training,
                gi, gw, gb);
        return new NormGrads(gi.view(input.shape()), gw, gb);
    }

    // ================================================================ group and instance norm

    /** Group normalisation: statistics per sample over each group of C/groups channels; weight, bias [C] or null. */
    public static NormResult groupNorm(Tensor input, int groups, Tensor weight, Tensor bias, double eps) {
        String op = "groupNorm";
        Tensor x = as3d(op, input);
        checkGroups(op, input, x, groups, weight, bias);
        Tensor out = Args.empty(input, x.shape());
        Tensor mean = Args.empty(input, x.size(0), groups), invstd = Args.empty(input, x.size(0), groups);
        if (x.numel() > 0) input.device().backend().groupNorm(x, weight, bias, groups, eps, out, mean, invstd);
        return new NormResult(out.view(input.shape()), mean, invstd);
    }

    /** The gradients of {@link #groupNorm}; weight is needed again (null if there was none). */
    public static NormGrads groupNormBackward(Tensor gradOut, Tensor input, int groups, Tensor weight, Tensor saveMean,
                                              Tensor saveInvstd) {
        String op = "groupNormBackward";
        Tensor x = as3d(op, input);
        checkGroups(op, input, x, groups, weight, null);
        Args.requireShape(op, "gradOut", gradOut, input.shape());
        Args.requireShape(op, "saveMean", saveMean, x.size(0), groups);
        Args.requireShape(op, "saveInvstd", saveInvstd, x.size(0), groups);
        Tensor gi = Args.empty(input, x.shape());
        Tensor gw = weight != null ? Args.empty(input, x.size(1)) : null, gb = weight != null ? Args.empty(input, x.size(1)) : null;
        if (x.numel() > 0)
            input.device().backend().groupNormBackward(gradOut.reshape(x.shape()), x, weight, saveMean, saveInvstd, groups,
                    gi, gw, gb);
        return new NormGrads(gi.view(input.shape()), gw, gb);
    }

    /** Instance normalisation (no running stats): group norm with one channel per group; statistics [N, C]. */
    public static NormResult instanceNorm(Tensor input, Tensor weight, Tensor bias, double eps) {
        return groupNorm(input, channels("instanceNorm", input), weight, bias, eps);
    }

    /** The gradients of {@link #instanceNorm}. */
    public static NormGrads instanceNormBackward(Tensor gradOut, Tensor input, Tensor weight, Tensor saveMean,
                                                 Tensor saveInvstd) {
        return groupNormBackward(gradOut, input, channels("instanceNormBackward", input), weight, saveMean, saveInvstd);
    }

    // ================================================================ helpers

    private static int channels(String op, Tensor input) {
        if (input.rank() < 2)
            throw new IllegalArgumentException(op + ": input " + Shape.str(input.shape()) + " must be [N,C,*]");
        return input.size(1);
    }

    /** [N, C, *] viewed as [N, C, L] (copied if its strides do not allow a view). */
    private static Tensor as3d(String op, Tensor input) {
        if (input.rank() < 2)
            throw new IllegalArgumentException(op + ": input " + Shape.str(input.shape()) + " must be [N,C,*]");
        int[] s = input.shape();
        int n = s[0], c = s[1], l = 1;
        for (int i = 2; i < s.length; i++) l *= s[i];
        return input.reshape(n, c, l);
    }

    private static void checkGroups(String op, Tensor input, Tensor x, int groups, Tensor weight, Tensor bias) {
        int c = x.size(1);
        if (groups < 1 || c % groups != 0)
            throw new IllegalArgumentException(op + ": input " + Shape.str(input.shape()) + " has " + c
                    + " channels, not divisible into " + groups + " groups");
        Args.requireLike(op, input, "weight", weight);
        Args.requireLike(op, input, "bias", bias);
        Args.requireShape(op, "weight", weight, c);
        Args.requireShape(op, "bias", bias, c);
    }
}

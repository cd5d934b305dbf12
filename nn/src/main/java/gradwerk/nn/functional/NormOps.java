package gradwerk.nn.functional;

import gradwerk.autograd.GradCheck.Problem;
import gradwerk.autograd.Node;
import gradwerk.autograd.Saves;
import gradwerk.autograd.OpFamily;
import gradwerk.autograd.OpRegistry.Entry;
import gradwerk.autograd.Sampler;
import gradwerk.autograd.Variable;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.Norm;

import java.util.List;

import static gradwerk.nn.functional.Rules.constant;
import static gradwerk.nn.functional.Rules.forPresent;
import static gradwerk.nn.functional.Rules.present;
import static gradwerk.nn.functional.Rules.requireFirstOrder;
import static gradwerk.nn.functional.Rules.sumPerChannel;

/**
 * Batch, group and instance normalisation as differentiable ops over the {@link Norm} kernels. The forward pass
 * saves the per-statistic mean and 1/std, so the backward pass (Ioffe and Szegedy's formula) need not recompute
 * them. Weight and bias are optional (affine=False). First-order only.
 */
public final class NormOps implements OpFamily {
    public NormOps() {}

    /**
     * PyTorch's {@code F.batch_norm}. Training: normalises with this batch's statistics and, if the running stats
     * are given, updates them in place ({@code (1-momentum)·running + momentum·batch}, variance unbiased); that
     * update is bookkeeping, not part of the graph. Evaluation: normalises with the running stats.
     */
    public static Variable batchNorm(Variable x, Tensor runningMean, Tensor runningVar, Variable weight, Variable bias,
                                     boolean training, double momentum, double eps) {
        return batchNorm(x, runningMean, runningVar, weight, bias, training, momentum, eps, false);
    }

    /**
     * {@code batchNorm(...).relu()} as one op, the pair that follows nearly every convolution. The ReLU runs in
     * place on the normalised tensor, so the step keeps one activation instead of two (relu keeps its output, and
     * nothing needs batch norm's); the results and gradients are bit for bit those of the two ops.
     */
    public static Variable batchNormRelu(Variable x, Tensor runningMean, Tensor runningVar, Variable weight,
                                         Variable bias, boolean training, double momentum, double eps) {
        return batchNorm(x, runningMean, runningVar, weight, bias, training, momentum, eps, true);
    }

    private static Variable batchNorm(Variable x, Tensor runningMean, Tensor runningVar, Variable weight, Variable bias,
                                      boolean training, double momentum, double eps, boolean relu) {
        Norm.NormResult r = Norm.batchNorm(x.value(), runningMean, runningVar, weight == null ? null : weight.value(),
                bias == null ? null : bias.value(), training, momentum, eps);
        Tensor mean = r.saveMean(), invstd = r.saveInvstd();
        Variable[] all = {x, weight, bias};
        boolean hasBias = bias != null, hasWeight = weight != null;
        String op = relu ? "batchNormRelu" : "batchNorm";
        Saves saves = hasWeight ? Saves.inputs(0, 1) : Saves.inputs(0);
        return Node.record(op, relu ? r.output().reluInPlace() : r.output(), relu ? saves.andOutput() : saves, (n, g) -> {
            requireFirstOrder(op);
            Tensor w = hasWeight ? n.input(1).value() : null;
            Tensor gy = relu ? g.value().reluBackward(n.output().value()) : g.value(); // the mask y > 0
            Norm.NormGrads d = Norm.batchNormBackward(gy, n.input(0).value(), w, mean, invstd, training);
            return forPresent(all, constant(d.input()), constant(d.weight()),
                    hasBias ? constant(d.bias() != null ? d.bias() : sumPerChannel(gy)) : null);
        }, present(all));
    }

    /** PyTorch's {@code F.group_norm}: statistics per sample over groups of C/groups channels; weight, bias [C]. */
    public static Variable groupNorm(Variable x, int groups, Variable weight, Variable bias, double eps) {
        Norm.NormResult r = Norm.groupNorm(x.value(), groups, weight == null ? null : weight.value(),
                bias == null ? null : bias.value(), eps);
        return groupRecord("groupNorm", x, groups, weight, bias, r);
    }

    /** PyTorch's {@code F.instance_norm} without running stats: statistics per sample and channel. */
    public static Variable instanceNorm(Variable x, Variable weight, Variable bias, double eps) {
        Norm.NormResult r = Norm.instanceNorm(x.value(), weight == null ? null : weight.value(),
                bias == null ? null : bias.value(), eps);
        return groupRecord("instanceNorm", x, x.size(1), weight, bias, r);
    }

    private static Variable groupRecord(String op, Variable x, int groups, Variable weight, Variable bias, Norm.NormResult r) {
        Tensor mean = r.saveMean(), invstd = r.saveInvstd();
        Variable[] all = {x, weight, bias};
        boolean hasBias = bias != null, hasWeight = weight != null;
        return Node.record(op, r.output(), hasWeight ? Saves.inputs(0, 1) : Saves.inputs(0), (n, g) -> {
            requireFirstOrder(op);
            Tensor w = hasWeight ? n.input(1).value() : null;
            Norm.NormGrads d = Norm.groupNormBackward(g.value(), n.input(0).value(), groups, w, mean, invstd);
            return forPresent(all, constant(d.input()), constant(d.weight()),
                    hasBias ? constant(d.bias() != null ? d.bias() : sumPerChannel(g.value())) : null);
        }, present(all));
    }

    // ---------------------------------------------------------------- registry: gradient check cases

    @Override
    public List<Entry> ops() {
        return List.of(
                Entry.of("batchNorm", s -> batchCase(s, true, false), s -> batchCase(s, false, false)).firstOrderOnly(),
                Entry.of("batchNormRelu", s -> batchCase(s, true, true), s -> batchCase(s, false, true)).firstOrderOnly(),
                Entry.of("groupNorm", s -> groupCase(s, false)).firstOrderOnly(),
                Entry.of("instanceNorm", s -> groupCase(s, true)).firstOrderOnly());
    }

    private static Problem batchCase(Sampler s, boolean training, boolean relu) {
        int c = s.between(1, 3);
        int[] shape = s.coin() ? new int[] {s.between(2, 3), c} : new int[] {s.between(1, 2), c, s.between(1, 3), s.between(2, 3)};
        boolean affine = s.coin(), track = s.coin();
        double momentum = 0.1, eps = 1e-5;
        Tensor rm = s.normal(c).contiguous(), rv = s.uniform(0.5, 2, c).contiguous();
        String label = (relu ? "batchNormRelu " : "batchNorm ") + (training ? "train " : "eval ") + Shape.str(shape)
                + (affine ? " affine" : "") + (training && track ? " +running stats" : "");
        Tensor x = s.normal(shape);
        if (!affine)
            return Problem.of(label, v -> batchNorm(v[0], stats(training, track, rm, v[0]), stats(training, track, rv, v[0]), null, null,
                    training, momentum, eps, relu), x);
        return Problem.of(label, v -> batchNorm(v[0], stats(training, track, rm, v[0]), stats(training, track, rv, v[0]), v[1], v[2],
                training, momentum, eps, relu), x, s.uniform(0.5, 1.5, c), s.normal(c));
    }

    /**
     * Running stats for one evaluation, on the input's device: a fresh copy (training updates them in place), or
     * none.
     */
    private static Tensor stats(boolean training, boolean track, Tensor t, Variable x) {
        Tensor here = t.to(x.value().device());
        return !training ? here : track ? here.copy() : null;
    }

    private static Problem groupCase(Sampler s, boolean instance) {
        int groups = instance ? 1 : s.between(1, 3), c = groups * s.between(1, 2);
        int[] shape = {s.between(1, 2), instance ? s.between(1, 3) : c, s.between(1, 3), s.between(2, 3)};
        int gr = instance ? shape[1] : groups;
        boolean affine = s.coin();
        String label = (instance ? "instanceNorm " : "groupNorm " + groups + " groups ") + Shape.str(shape) + (affine ? " affine" : "");
        Tensor x = s.normal(shape);
        if (!affine) return Problem.of(label, v -> instance ? instanceNorm(v[0], null, null, 1e-5) : groupNorm(v[0], gr, null, null, 1e-5), x);
        return Problem.of(label, v -> instance ? instanceNorm(v[0], v[1], v[2], 1e-5) : groupNorm(v[0], gr, v[1], v[2], 1e-5),
                x, s.uniform(0.5, 1.5, shape[1]), s.normal(shape[1]));
    }
}

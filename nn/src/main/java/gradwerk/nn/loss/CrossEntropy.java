package gradwerk.nn.loss;

import gradwerk.autograd.GradCheck.Problem;
import gradwerk.autograd.NoGrad;
import gradwerk.autograd.Node;
import gradwerk.autograd.Saves;
import gradwerk.autograd.OpFamily;
import gradwerk.autograd.OpRegistry.Entry;
import gradwerk.autograd.Sampler;
import gradwerk.autograd.Variable;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

import java.util.List;

import static gradwerk.autograd.VjpRule.grads;

/**
 * Cross-entropy between logits [B, C, *] and class-index targets [B, *] (PyTorch's {@code F.cross_entropy}), as ONE
 * fused op: a log-softmax (numerically stable: log-sum-exp with the row maximum subtracted) and a weighted pick of
 * the target's log-probability, differentiated by the well-known closed form instead of going back through
 * log-softmax, mask and sums. On the CPU, {@link CrossEntropyKernel} computes the loss and its gradient in one
 * sweep during the forward pass, so backward is (at most) one multiplication; elsewhere the same formulas run as
 * tensor ops.
 *
 * <p>With {@code coef = onehot(target) · weight[class]} (zero on ignored pixels) and {@code w_i = Σ_c coef_ic}:
 * <pre>
 *   loss_i = -Σ_c coef_ic · log softmax(x_i)_c              (= -weight[t_i] · log p_i[t_i])
 *   ∂loss_i/∂x_ij = w_i · softmax(x_i)_j - coef_ij          ("softmax minus one-hot", weighted)
 * </pre>
 * MEAN divides the sum by {@code Σ_i w_i}, PyTorch's weighted mean (so with class weights it is not the plain
 * mean of the per-pixel losses; if every pixel is ignored it is 0/0 = NaN, as in PyTorch). When the backward pass
 * is itself recorded (a gradient of a gradient), the rule switches to the closed form in Variable ops, so the op
 * can be differentiated twice.
 */
public final class CrossEntropy implements OpFamily {
    /** PyTorch's default ignore index: never a class, so nothing is ignored unless targets use it. */
    public static final int DEFAULT_IGNORE = -100;

    public CrossEntropy() {}

    /** Mean cross-entropy, no class weights. */
    public static Variable crossEntropy(Variable logits, Tensor target) {
        return crossEntropy(logits, target, null, DEFAULT_IGNORE, Reduction.MEAN);
    }

    /**
     * @param logits      [B, C] or [B, C, d1, ...], unnormalised scores
     * @param target      [B] or [B, d1, ...], class indices 0..C-1 (or the ignore index), any float dtype
     * @param weight      per-class weights [C], or null
     * @param ignoreIndex targets equal to it contribute nothing (not to the loss, nor to MEAN's denominator)
     */
    public static Variable crossEntropy(Variable logits, Tensor target, Tensor weight, int ignoreIndex,
                                        Reduction reduction) {
        String op = "crossEntropy";
        int[] shape = logits.shape();
        if (shape.length >= 2 && weight != null && !weight.hasShape(shape[1]))
            throw new IllegalArgumentException(op + ": weight " + Shape.str(weight.shape()) + " must have shape ["
                    + shape[1] + "] for input " + Shape.str(shape));
        if (!CrossEntropyKernel.applies(logits.value())) return viaTensorOps(logits, target, weight, ignoreIndex, reduction);
        double[] t = Targets.indices(op, shape, target, ignoreIndex);
        Tensor x = logits.value().contiguous();
        boolean wantGrad = logits.requiresGrad() && NoGrad.isGradEnabled(); // no gradient for a validation loss
        CrossEntropyKernel.Result r = CrossEntropyKernel.run(x, t, weight == null ? null : weight.toDoubleArray(),
                ignoreIndex, reduction == Reduction.MEAN, wantGrad);
        double sum = 0;
        for (double v : r.losses()) sum += v;
        Tensor out = switch (reduction) {
            case NONE -> Tensor.of(r.losses(), target.shape()).to(x.dtype());
            case SUM -> x.newFull(sum);
            case MEAN -> x.newFull(sum / r.weightSum());
        };
        Tensor grad = r.grad();
        int[] tShape = target.shape();
        return Node.record(op, out, Saves.inputs(0), (n, g) -> {
            if (NoGrad.isGradEnabled()) { // the backward pass is being recorded: use the differentiable formula
                Tensor tt = Tensor.of(t, tShape);
                Variable in = n.input(0);
                return grads(closedForm(in, g, coefficients(shape, tt, weight, ignoreIndex, in.value()), reduction, r.weightSum()));
            }
            if (reduction == Reduction.NONE) return grads(Variable.constant(grad.mul(g.value().unsqueeze(1))));
            double s = g.item();
            return grads(Variable.constant(s == 1 ? grad : grad.mul(s)));
        }, logits);
    }

    /** {@code onehot(target) · weight[class]}, zero on ignored pixels: [B, C, *] like the logits. */
    private static Tensor coefficients(int[] shape, Tensor target, Tensor weight, int ignoreIndex, Tensor like) {
        Tensor coef = Targets.oneHot("crossEntropy", shape, target, ignoreIndex, like);
        if (weight == null) return coef;
        return coef.mul(weight.to(like.dtype()).to(like.device()).view(Targets.channelShape(shape.length, shape[1])));
    }

    /** {@code (softmax(x)·w - coef) · scale} in Variable ops (differentiable again), w = Σ_c coef. */
    private static Variable closedForm(Variable x, Variable g, Tensor coef, Reduction reduction, double denominator) {
        Variable scale = switch (reduction) {   // d loss / d loss_i, broadcastable over [B, C, *]
            case NONE -> g.unsqueeze(1);
            case SUM -> g;
            case MEAN -> g.div(denominator);
        };
        Tensor w = coef.sum(new int[] {1}, true);
        return x.softmax(1).mul(w).sub(coef).mul(scale);
    }

    /** The same op on devices without the CPU kernel: the closed form with tensor ops (one-hot by comparison). */
    static Variable viaTensorOps(Variable logits, Tensor target, Tensor weight, int ignoreIndex, Reduction reduction) {
        int[] shape = logits.shape();
        Tensor x = logits.value();
        Tensor coef = coefficients(shape, target, weight, ignoreIndex, x);
        int[] channel = {1};
        Tensor perElement = x.logSoftmax(1).mul(coef).sum(channel, false).neg();   // [B, *]
        double denominator = reduction == Reduction.MEAN ? coef.sum().item() : 1;
        Tensor out = switch (reduction) {
            case NONE -> perElement;
            case SUM -> perElement.sum();
            case MEAN -> perElement.sum().div(denominator);
        };
        return Node.record("crossEntropy", out, Saves.inputs(0), (n, g) -> grads(closedForm(n.input(0), g, coef, reduction, denominator)), logits);
    }

    /**
     * The same loss composed from autograd ops (log-softmax, mask, sums); slower, kept as the reference the fused
     * op is tested against.
     */
    public static Variable composed(Variable logits, Tensor target, Tensor weight, int ignoreIndex, Reduction reduction) {
        int[] shape = logits.shape();
        Tensor coef = Targets.oneHot("crossEntropy", shape, target, ignoreIndex, logits.value());
        if (weight != null)
            coef = coef.mul(weight.to(logits.dtype()).view(Targets.channelShape(shape.length, shape[1])));
        Variable perElement = logits.logSoftmax(1).mul(coef).sum(new int[] {1}, false).neg();
        return switch (reduction) {
            case NONE -> perElement;
            case SUM -> perElement.sum();
            case MEAN -> perElement.sum().div(coef.sum().item());
        };
    }

    // ---------------------------------------------------------------- registry: gradient check cases

    @Override
    public List<Entry> ops() {
        return List.of(Entry.of("crossEntropy",
                s -> problem(s, false, false), s -> problem(s, true, false), s -> problem(s, s.coin(), true)));
    }

    /** Random [B,C] or [B,C,H,W] logits, targets with some ignored pixels, optional class weights, any reduction. */
    private static Problem problem(Sampler s, boolean spatial, boolean ignoreAClass) {
        int b = s.between(1, 3), c = s.between(2, 4);
        int[] shape = spatial ? new int[] {b, c, s.between(1, 3), s.between(1, 3)} : new int[] {b, c};
        int[] tShape = spatial ? new int[] {b, shape[2], shape[3]} : new int[] {b};
        int ignore = ignoreAClass ? s.nextInt(c) : DEFAULT_IGNORE;
        double[] t = new double[Shape.numel(tShape)];
        for (int i = 0; i < t.length; i++) t[i] = s.nextInt(5) == 0 ? ignore : s.nextInt(c);
        t[0] = ignore == 0 ? 1 : 0; // at least one pixel counts
        Tensor target = Tensor.of(t, tShape);
        Tensor weight = s.coin() ? s.uniform(0.5, 2, c).contiguous() : null;
        Reduction r = Reduction.values()[s.nextInt(3)];
        String label = "crossEntropy " + Shape.str(shape) + " " + r + (weight != null ? ", class weights" : "")
                + (ignoreAClass ? ", ignoring class " + ignore : ", some ignored");
        return Problem.of(label, v -> crossEntropy(v[0], target, weight, ignore, r), s.normal(shape));
    }
}

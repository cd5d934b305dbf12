package gradwerk.nn.optim;

import gradwerk.nn.Parameter;
import gradwerk.tensor.BinaryOp;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.UnaryOp;

import java.util.List;
import java.util.Map;

/**
 * Adam (Kingma and Ba 2015), PyTorch's equations ({@code torch.optim.Adam}, amsgrad off), at step t:
 * <pre>
 *   d = grad + weight_decay · p                  (classical L2: the decay goes through the moments)
 *   m = β1 · m + (1 - β1) · d                    (first moment, "exp_avg")
 *   v = β2 · v + (1 - β2) · d²                   (second moment, "exp_avg_sq")
 *   p = p - lr/(1 - β1ᵗ) · m / (√v / √(1 - β2ᵗ) + eps)
 * </pre>
 * The bias corrections undo the zero start of m and v. {@link AdamW} decouples the weight decay instead.
 */
public class Adam extends Optimizer {
    /** Adam with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public Adam(List<Parameter> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0);
    }

    public Adam(List<Parameter> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        this("Adam", params, lr, beta1, beta2, eps, weightDecay);
    }

    Adam(String name, List<Parameter> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        super(name, Map.of("lr", lr, "beta1", beta1, "beta2", beta2, "eps", eps, "weight_decay", weightDecay));
        addParamGroup(params, Map.of());
    }

    @Override
    protected void validate(Map<String, Double> o) {
        super.validate(o);
        requireBelow(o, "beta1", 1);
        requireBelow(o, "beta2", 1);
        requireAtLeast(o, "eps", 0);
        requireAtLeast(o, "weight_decay", 0);
    }

    @Override
    protected List<String> stateNames(ParamGroup g) {
        return List.of("exp_avg", "exp_avg_sq");
    }

    @Override
    protected void update(Parameter p, Tensor grad, Map<String, Tensor> state, long step, ParamGroup g) {
        double wd = g.get("weight_decay");
        Tensor w = p.value(), d = grad;
        if (wd != 0) d = scratch.like(0, w).copyFrom(w).mulInPlace(wd).addInPlace(grad);
        adamStep(w, d, state, step, g);
    }

    /** The moment updates and the parameter step, shared with AdamW. */
    final void adamStep(Tensor w, Tensor d, Map<String, Tensor> state, long step, ParamGroup g) {
        double lr = g.lr(), beta1 = g.get("beta1"), beta2 = g.get("beta2"), eps = g.get("eps");
        Tensor m = state.get("exp_avg"), v = state.get("exp_avg_sq");
        m.mulInPlace(beta1);
        addScaled(m, d, 1 - beta1, 1);
        v.mulInPlace(beta2);
        Tensor t = zip(BinaryOp.MUL, d, d, scratch.like(1, w));         // d²
        addScaled(v, t, 1 - beta2, 1);
        double biasCorrection1 = 1 - Math.pow(beta1, step), biasCorrection2 = 1 - Math.pow(beta2, step);
        Tensor denom = map(UnaryOp.SQRT, v, 0, scratch.like(1, w));       // √v / √bc2 + eps
        map(UnaryOp.MUL_SCALAR, denom, 1 / Math.sqrt(biasCorrection2), denom);
        map(UnaryOp.ADD_SCALAR, denom, eps, denom);
        Tensor ratio = zip(BinaryOp.DIV, m, denom, denom);                // m / denom
        addScaled(w, ratio, -lr / biasCorrection1, 1);
    }
}

package gradwerk.nn.optim;

import gradwerk.nn.Parameter;
import gradwerk.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with momentum, PyTorch's equations ({@code torch.optim.SGD}):
 * <pre>
 *   d = grad + weight_decay · p                          (L2 penalty folded into the gradient)
 *   b = d                                 on the first step,
 *   b = momentum · b + (1 - dampening) · d  after that
 *   d = d + momentum · b   (Nesterov)   or   d = b   (classical)
 *   p = p - lr · d
 * </pre>
 * Note this is PyTorch's form, with the lr outside the momentum buffer (Sutskever et al. 2013 put it inside;
 * the two differ only when the lr changes during training).
 */
public final class SGD extends Optimizer {
    /** Plain SGD: no momentum, no weight decay. */
    public SGD(List<Parameter> params, double lr) {
        this(params, lr, 0, 0, 0, false);
    }

    public SGD(List<Parameter> params, double lr, double momentum, double dampening, double weightDecay,
               boolean nesterov) {
        super("SGD", Map.of("lr", lr, "momentum", momentum, "dampening", dampening, "weight_decay", weightDecay,
                "nesterov", nesterov ? 1.0 : 0.0));
        addParamGroup(params, Map.of());
    }

    @Override
    protected void validate(Map<String, Double> o) {
        super.validate(o);
        requireAtLeast(o, "momentum", 0);
        requireAtLeast(o, "weight_decay", 0);
        if (o.get("nesterov") != 0 && (o.get("momentum") <= 0 || o.get("dampening") != 0))
            throw new IllegalArgumentException("SGD: Nesterov momentum requires a momentum > 0 and zero dampening");
    }

    @Override
    protected List<String> stateNames(ParamGroup g) {
        return g.get("momentum") != 0 ? List.of("momentum_buffer") : List.of();
    }

    @Override
    protected void update(Parameter p, Tensor grad, Map<String, Tensor> state, long step, ParamGroup g) {
        double lr = g.lr(), momentum = g.get("momentum"), dampening = g.get("dampening"), wd = g.get("weight_decay");
        Tensor w = p.value(), d = grad;
        if (wd != 0) { // d = grad + wd·p, in scratch 0 (the gradient itself is never modified)
            d = scratch.like(0, w).copyFrom(w).mulInPlace(wd).addInPlace(grad);
        }
        if (momentum != 0) {
            Tensor b = state.get("momentum_buffer");
            if (step == 1) b.copyFrom(d);
            else {
                b.mulInPlace(momentum);
                addScaled(b, d, 1 - dampening, 1);
            }
            if (g.get("nesterov") != 0) {
                Tensor t = scratch.like(1, w).copyFrom(b).mulInPlace(momentum).addInPlace(d);
                d = t;
            } else d = b;
        }
        addScaled(w, d, -lr, 2);
    }
}

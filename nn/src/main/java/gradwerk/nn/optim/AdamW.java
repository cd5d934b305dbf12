package gradwerk.nn.optim;

import gradwerk.nn.Parameter;
import gradwerk.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter 2019, "Decoupled Weight Decay Regularization"), PyTorch's {@code torch.optim.AdamW}:
 * the decay shrinks the weights directly, {@code p = p · (1 - lr · weight_decay)}, and then an {@link Adam} step
 * runs on the plain gradient. (In Adam the L2 term passes through the moment normalisation, so heavily-updated
 * weights are decayed less; here every weight decays at the same rate.) PyTorch's default decay is 0.01.
 */
public final class AdamW extends Adam {
    /** AdamW with PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
    public AdamW(List<Parameter> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0.01);
    }

    public AdamW(List<Parameter> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        super("AdamW", params, lr, beta1, beta2, eps, weightDecay);
    }

    @Override
    protected void update(Parameter p, Tensor grad, Map<String, Tensor> state, long step, ParamGroup g) {
        Tensor w = p.value();
        double decay = g.lr() * g.get("weight_decay");
        if (decay != 0) w.mulInPlace(1 - decay);
        adamStep(w, grad, state, step, g);
    }
}

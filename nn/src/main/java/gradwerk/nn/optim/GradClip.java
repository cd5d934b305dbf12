package gradwerk.nn.optim;

import gradwerk.nn.Parameter;
import gradwerk.tensor.BinaryOp;
import gradwerk.tensor.Device;
import gradwerk.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Gradient clipping, PyTorch's {@code torch.nn.utils.clip_grad_norm_}. */
public final class GradClip {
    private GradClip() {}

    /**
     * Scales all gradients together so that their global L2 norm (the norm of all of them concatenated) is at
     * most {@code maxNorm}: multiplied by {@code min(1, maxNorm / (norm + 1e-6))}, which keeps their direction.
     * Parameters without a gradient are skipped.
     *
     * @return the total norm before clipping (useful to log: spikes show instability)
     */
    public static double clipGradNorm(List<Parameter> params, double maxNorm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("clipGradNorm: maxNorm " + maxNorm + " must be > 0");
        Scratch scratch = new Scratch(1);
        double sumSquares = 0;
        // Gradients on an accelerator are summed there and read once per (device, dtype): reading each sum (item)
        // would make the host wait for the device once per parameter.
        Map<List<Object>, Tensor> onDevices = new LinkedHashMap<>();
        for (Parameter p : params) {
            Tensor g = p.grad();
            if (g == null) continue;
            Tensor sq = scratch.like(0, g);
            g.device().backend().zip(BinaryOp.MUL, g, g, sq);
            if (g.device() == Device.CPU) sumSquares += sq.sum().item();
            else onDevices.merge(List.of(g.device(), g.dtype()), sq.sum(), Tensor::add);
        }
        for (Tensor s : onDevices.values()) sumSquares += s.item();
        double norm = Math.sqrt(sumSquares);
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1)
            for (Parameter p : params) if (p.grad() != null) p.grad().mulInPlace(coef);
        return norm;
    }
}

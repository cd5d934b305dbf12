package gradwerk.nn.loss;

import gradwerk.tensor.DType;
import gradwerk.tensor.Device;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.cpu.CpuStorage;
import gradwerk.tensor.cpu.Parallel;

/**
 * The CPU kernel behind {@link CrossEntropy}: ONE pass over the logits computes, for every pixel, the loss and
 * already its gradient. Per pixel i with target t and class weight w = weight[t] (0 if ignored):
 * <pre>
 *   m = max_c x_c,   s = Σ_c exp(x_c - m),   log p_c = x_c - m - log s       (stable log-softmax)
 *   loss_i = -w · log p_t,     grad_ic = scale · w · (p_c - [c = t])            (softmax minus one-hot)
 * </pre>
 * with {@code scale = 1/Σw} for the mean, 1 for sum and none. The backward pass is then one multiplication by the
 * upstream gradient, or nothing at all when that is 1 (the usual case: the loss is the root).
 */
final class CrossEntropyKernel {
    private CrossEntropyKernel() {}

    /** Per-pixel losses [B·L] (as doubles), the gradient [B, C, *] (x's dtype; null if not asked for), and Σ w. */
    record Result(double[] losses, Tensor grad, double weightSum) {}

    /** True when the kernel applies: a CPU tensor (made contiguous by the caller). */
    static boolean applies(Tensor x) {
        return x.device() == Device.CPU;
    }

    /**
     * @param x      logits [B, C, *] (contiguous, CPU)
     * @param target class indices, row-major [B·L], already validated
     * @param weight class weights [C] or null
     * @param mean   whether the gradient is scaled by 1/Σw
     * @param withGrad whether to compute the gradient too
     */
    static Result run(Tensor x, double[] target, double[] weight, int ignoreIndex, boolean mean, boolean withGrad) {
        int b = x.size(0), c = x.size(1), l = x.numel() / Math.max(1, b * c);
        double weightSum = 0;
        for (double t : target) if (t != ignoreIndex) weightSum += weight == null ? 1 : weight[(int) t];
        double scale = mean ? 1 / weightSum : 1;
        double[] losses = new double[target.length];
        Tensor grad = withGrad ? x.zerosLike() : null;
        boolean f32 = x.dtype() == DType.FLOAT32;
        float[] xf = f32 ? CpuStorage.floats(x) : null, gf = f32 && withGrad ? CpuStorage.floats(grad) : null;
        double[] xd = f32 ? null : CpuStorage.doubles(x), gd = f32 || !withGrad ? null : CpuStorage.doubles(grad);
        int off = x.offset();
        Parallel.forRange(target.length, 1024, (from, to) -> {
            for (int pixel = from; pixel < to; pixel++) {
                double t = target[pixel];
                if (t == ignoreIndex) continue;                       // loss 0, gradient 0
                int cls = (int) t, base = (pixel / l) * c * l + pixel % l;
                double w = weight == null ? 1 : weight[cls];
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < c; k++) max = Math.max(max, f32 ? xf[off + base + k * l] : xd[off + base + k * l]);
                double sum = 0;
                for (int k = 0; k < c; k++) sum += Math.exp((f32 ? xf[off + base + k * l] : xd[off + base + k * l]) - max);
                double logSum = Math.log(sum);
                double xt = f32 ? xf[off + base + cls * l] : xd[off + base + cls * l];
                losses[pixel] = -w * (xt - max - logSum);
                if (!withGrad) continue;
                double ws = w * scale;
                for (int k = 0; k < c; k++) {
                    int i = base + k * l;
                    double p = Math.exp((f32 ? xf[off + i] : xd[off + i]) - max) / sum;
                    double gk = ws * (p - (k == cls ? 1 : 0));
                    if (f32) gf[i] = (float) gk;
                    else gd[i] = gk;
                }
            }
        });
        return new Result(losses, grad, weightSum);
    }
}

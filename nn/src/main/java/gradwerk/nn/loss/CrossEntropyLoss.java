package gradwerk.nn.loss;

import gradwerk.autograd.Variable;
import gradwerk.nn.Module;
import gradwerk.tensor.Tensor;

/**
 * {@link CrossEntropy} as a module (PyTorch's {@code nn.CrossEntropyLoss}); the class weights, if any, are a buffer,
 * so they move with the module and appear in its state dict as {@code weight}.
 */
public final class CrossEntropyLoss extends Module {
    private final boolean weighted;
    private final int ignoreIndex;
    private final Reduction reduction;

    public CrossEntropyLoss() {
        this(null, CrossEntropy.DEFAULT_IGNORE, Reduction.MEAN);
    }

    /** @param weight per-class weights [C], or null */
    public CrossEntropyLoss(Tensor weight, int ignoreIndex, Reduction reduction) {
        this.weighted = weight != null;
        if (weighted) registerBuffer("weight", weight.copy());
        this.ignoreIndex = ignoreIndex;
        this.reduction = reduction;
    }

    /** The loss of logits [B, C, *] against class indices [B, *]. */
    public Variable forward(Variable logits, Tensor target) {
        return CrossEntropy.crossEntropy(logits, target, weighted ? buffer("weight") : null, ignoreIndex, reduction);
    }

    @Override
    protected String extraRepr() {
        return "reduction=" + reduction.name().toLowerCase(java.util.Locale.ROOT)
                + (ignoreIndex != CrossEntropy.DEFAULT_IGNORE ? ", ignore_index=" + ignoreIndex : "")
                + (weighted ? ", weighted" : "");
    }
}

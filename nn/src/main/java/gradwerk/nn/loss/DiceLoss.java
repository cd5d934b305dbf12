package gradwerk.nn.loss;

import gradwerk.autograd.Variable;
import gradwerk.nn.Module;
import gradwerk.tensor.Tensor;

/** {@link Dice#diceLoss} as a module: soft Dice of softmax(logits) against class indices. */
public final class DiceLoss extends Module {
    private final int[] classes;
    private final double smooth;
    private final int ignoreIndex;

    /** All classes, smooth 1. */
    public DiceLoss() {
        this(null, 1.0, CrossEntropy.DEFAULT_IGNORE);
    }

    /** @param classes the classes to average over (null = all) */
    public DiceLoss(int[] classes, double smooth, int ignoreIndex) {
        this.classes = classes == null ? null : classes.clone();
        this.smooth = smooth;
        this.ignoreIndex = ignoreIndex;
    }

    public Variable forward(Variable logits, Tensor target) {
        return Dice.diceLoss(logits, target, classes, smooth, ignoreIndex);
    }

    @Override
    protected String extraRepr() {
        return (classes == null ? "all classes" : "classes=" + java.util.Arrays.toString(classes)) + ", smooth=" + smooth;
    }
}

package gradwerk.nn.loss;

import gradwerk.autograd.Variable;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

import java.util.Arrays;

/**
 * Soft Dice loss (Milletari et al. 2016, "V-Net"), multi-class: with p = softmax(logits) [B, C, *] and the one-hot
 * target t, per class c (sums over the batch and all pixels)
 * <pre>
 *   dice_c = (2·Σ p_c·t_c + smooth) / (Σ p_c + Σ t_c + smooth),     loss = 1 - mean over the chosen classes of dice_c
 * </pre>
 * Because it is a ratio of overlaps, it is insensitive to how rare a class is, which is why segmentation losses
 * often add it to cross-entropy. The smooth term keeps a class that is absent from both prediction and target at
 * dice 1 (and the gradient finite). Composed from autograd ops, so it is differentiable to any order.
 */
public final class Dice {
    private Dice() {}

    /** Soft Dice over every class, smooth 1, of logits (softmax is applied here). */
    public static Variable diceLoss(Variable logits, Tensor target) {
        return diceLoss(logits, target, null, 1.0, CrossEntropy.DEFAULT_IGNORE);
    }

    /**
     * @param logits      [B, C, *] unnormalised scores; softmax over dim 1 turns them into probabilities
     * @param target      [B, *] class indices (or the ignore index, whose pixels are left out of every sum)
     * @param classes     which classes to average over (e.g. {1, 2} to leave out the background), null = all
     * @param smooth      added to numerator and denominator (PyTorch code usually uses 1 or 1e-5)
     */
    public static Variable diceLoss(Variable logits, Tensor target, int[] classes, double smooth, int ignoreIndex) {
        return softDice(logits.softmax(1), target, classes, smooth, ignoreIndex);
    }

    /** The same on probabilities [B, C, *] that already sum to 1 over dim 1. */
    public static Variable softDice(Variable probs, Tensor target, int[] classes, double smooth, int ignoreIndex) {
        String op = "diceLoss";
        int[] shape = probs.shape();
        Tensor oneHot = Targets.oneHot(op, shape, target, ignoreIndex, probs.value());
        Tensor chosen = classMask(op, shape, classes, probs.value());
        int[] sumDims = new int[shape.length - 1]; // every dim but the class dim
        for (int i = 0, k = 0; i < shape.length; i++) if (i != 1) sumDims[k++] = i;
        Variable p = probs;
        if (countIgnored(target, ignoreIndex) > 0) {
            Tensor valid = target.to(probs.dtype()).ne(target.to(probs.dtype()).newFull(ignoreIndex)).unsqueeze(1);
            p = p.mul(valid); // ignored pixels count neither as prediction nor as target
        }
        Variable intersection = p.mul(oneHot).sum(sumDims);              // [C]
        Variable predicted = p.sum(sumDims);                              // [C]
        Tensor actual = oneHot.sum(sumDims);                              // [C]
        Variable dice = intersection.mul(2).add(smooth).div(predicted.add(actual).add(smooth));
        double k = chosen.sum().item();
        return dice.mul(chosen).sum().div(k).neg().add(1);
    }

    private static double countIgnored(Tensor target, int ignoreIndex) {
        return target.eq(target.newFull(ignoreIndex)).sum().item();
    }

    /** 1 for the chosen classes, 0 for the others: [C]. */
    private static Tensor classMask(String op, int[] shape, int[] classes, Tensor like) {
        int c = shape[1];
        double[] m = new double[c];
        if (classes == null) Arrays.fill(m, 1);
        else {
            if (classes.length == 0) throw new IllegalArgumentException(op + ": no classes chosen");
            for (int k : classes) {
                if (k < 0 || k >= c)
                    throw new IllegalArgumentException(op + ": class " + k + " is not in [0, " + c + ") for input "
                            + Shape.str(shape));
                m[k] = 1;
            }
        }
        return Tensor.of(m, c).to(like.dtype()).to(like.device());
    }
}

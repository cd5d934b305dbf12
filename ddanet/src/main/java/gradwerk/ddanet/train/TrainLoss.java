package gradwerk.ddanet.train;

import gradwerk.autograd.NoGrad;
import gradwerk.autograd.Variable;
import gradwerk.nn.loss.CrossEntropy;
import gradwerk.nn.loss.Dice;
import gradwerk.tensor.Tensor;

/**
 * The training loss: cross-entropy over the three classes plus soft Dice averaged over the two lesion classes
 * (GGO and consolidation; background left out), smooth 1, both over the whole batch.
 */
public final class TrainLoss {
    private TrainLoss() {}

    /** The lesion classes the Dice term averages over. */
    static final int[] DICE_CLASSES = {1, 2};

    /** The loss of logits [B,3,H,W] against class maps [B,H,W] (same device). */
    public static Variable of(Variable logits, Tensor target) {
        return CrossEntropy.crossEntropy(logits, target)
                .add(Dice.diceLoss(logits, target, DICE_CLASSES, 1.0, CrossEntropy.DEFAULT_IGNORE));
    }

    /** The loss value without gradients. */
    public static double value(Tensor logits, Tensor target) {
        try (var _ = NoGrad.enter()) {
            return of(Variable.constant(logits), target.to(logits.device())).item();
        }
    }
}

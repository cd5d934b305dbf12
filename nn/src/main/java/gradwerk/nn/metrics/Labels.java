package gradwerk.nn.metrics;

import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

/**
 * Label maps: tensors whose elements are class indices. gradwerk tensors are float32/float64, so a label map is a
 * float tensor holding whole numbers; this class turns one into {@code int[]} after checking exactly that.
 */
public final class Labels {
    private Labels() {}

    /** Marks "no ignore index": every target element counts. */
    public static final int NO_IGNORE = Integer.MIN_VALUE;

    /**
     * Predicted classes from logits (or probabilities) with the class dim at {@code classDim}: the index of the
     * largest score, the class dim removed. E.g. [N,K,H,W] with classDim 1 gives [N,H,W].
     */
    public static Tensor argmax(Tensor logits, int classDim) {
        return logits.argmax(classDim, false);
    }

    /**
     * Predicted classes from logits laid out the usual way: [N,K,H,W] (or [N,K,D,H,W]...) with the class dim
     * second, or a single image [K,H,W] with the class dim first.
     */
    public static Tensor argmax(Tensor logits) {
        if (logits.rank() < 3)
            throw new IllegalArgumentException("Labels.argmax: expected logits [K,H,W] or [N,K,H,W], got "
                    + Shape.str(logits.shape()) + "; pass the class dim explicitly for other layouts");
        return argmax(logits, logits.rank() == 3 ? 0 : 1);
    }

    /**
     * The elements as ints, each a class in [0, numClasses) or equal to {@code ignoreIndex}.
     *
     * @param what for messages, e.g. "ConfusionMatrix.add: target"
     */
    static int[] toClasses(String what, Tensor labels, int numClasses, int ignoreIndex) {
        double[] d = labels.toDoubleArray();
        int[] out = new int[d.length];
        for (int i = 0; i < d.length; i++) {
            double v = d[i];
            int c = (int) v;
            if (c != v || ((c < 0 || c >= numClasses) && c != ignoreIndex))
                throw new IllegalArgumentException(what + " has " + v + " at flat index " + i + " of shape "
                        + Shape.str(labels.shape()) + "; expected a whole number in 0.." + (numClasses - 1)
                        + (ignoreIndex != NO_IGNORE ? " or the ignore index " + ignoreIndex : ""));
            out[i] = c;
        }
        return out;
    }

    static void requireSameShape(String op, Tensor predicted, Tensor target) {
        if (!predicted.hasShape(target.shape()))
            throw new IllegalArgumentException(op + ": prediction " + Shape.str(predicted.shape()) + " and target "
                    + Shape.str(target.shape()) + " differ in shape");
    }
}

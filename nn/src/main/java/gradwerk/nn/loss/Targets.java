package gradwerk.nn.loss;

import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

import java.util.Arrays;

/**
 * Class-index targets as masks. A target [B, *] holds integer class numbers (in a float tensor); losses need it
 * as a one-hot mask [B, C, *] shaped like the logits. Building the mask is one broadcast comparison
 * {@code target[:, None] == [0, 1, ..., C-1]}, so it runs on any device; pixels with the ignore index get an
 * all-zero row.
 */
final class Targets {
    private Targets() {}

    /**
     * The one-hot mask of {@code target} for logits of shape {@code logits} [B, C, *], in the logits' dtype and
     * device. Fails, naming the op and the first bad value, if a target is not an integer in [0, C) or the ignore
     * index.
     */
    static Tensor oneHot(String op, int[] logits, Tensor target, int ignoreIndex, Tensor like) {
        requireMatchingShape(op, logits, target);
        int c = logits[1];
        Tensor t = target.to(like.dtype()).to(like.device()).unsqueeze(1);           // [B, 1, *]
        int[] classShape = new int[logits.length];
        Arrays.fill(classShape, 1);
        classShape[1] = c;
        Tensor classes = Tensor.arange(like.dtype(), 0, c, 1).to(like.device()).view(classShape); // [1, C, 1...]
        Tensor oneHot = t.eq(classes);                                                 // [B, C, *]
        boolean ignoreIsClass = ignoreIndex >= 0 && ignoreIndex < c;
        if (ignoreIsClass) oneHot = oneHot.mul(t.ne(t.newFull(ignoreIndex)));
        // every target that is not ignored must have found its class: count both
        double matched = oneHot.sum().item();
        double counted = target.numel() - t.eq(t.newFull(ignoreIndex)).sum().item();
        if (matched != counted) throw badTarget(op, target, c, ignoreIndex);
        return oneHot;
    }

    /**
     * The targets as host numbers, row-major, after the same checks as {@link #oneHot} (shape against the logits,
     * integers in [0, C) or the ignore index).
     */
    static double[] indices(String op, int[] logits, Tensor target, int ignoreIndex) {
        requireMatchingShape(op, logits, target);
        double[] v = target.toDoubleArray();
        int c = logits[1];
        for (double x : v)
            if (x != ignoreIndex && !(x == Math.rint(x) && x >= 0 && x < c)) throw badTarget(op, target, c, ignoreIndex);
        return v;
    }

    private static void requireMatchingShape(String op, int[] logits, Tensor target) {
        if (logits.length < 2)
            throw new IllegalArgumentException(op + ": input " + Shape.str(logits) + " must be [B,C] or [B,C,*] (logits)");
        int[] expected = new int[logits.length - 1];
        expected[0] = logits[0];
        System.arraycopy(logits, 2, expected, 1, logits.length - 2);
        if (!Arrays.equals(target.shape(), expected))
            throw new IllegalArgumentException(op + ": target " + Shape.str(target.shape()) + " does not match input "
                    + Shape.str(logits) + "; expected " + Shape.str(expected) + " (class indices)");
    }

    private static IllegalArgumentException badTarget(String op, Tensor target, int c, int ignoreIndex) {
        double[] v = target.toDoubleArray();
        for (int i = 0; i < v.length; i++) {
            boolean ok = v[i] == ignoreIndex || (v[i] == Math.rint(v[i]) && v[i] >= 0 && v[i] < c);
            if (!ok)
                return new IllegalArgumentException(op + ": target " + Shape.str(target.shape()) + " holds " + v[i]
                        + " at flat index " + i + "; targets must be class indices in [0, " + c + ") or the ignore index "
                        + ignoreIndex);
        }
        return new IllegalArgumentException(op + ": target " + Shape.str(target.shape()) + " is not a class-index map");
    }

    /** {@code shape} with a 1 everywhere but dim 1, which is c: for broadcasting a [C] vector over [B, C, *]. */
    static int[] channelShape(int rank, int c) {
        int[] s = new int[rank];
        Arrays.fill(s, 1);
        s[1] = c;
        return s;
    }
}

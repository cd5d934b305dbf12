package gradwerk.tensor.nn;

import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

/**
 * PyTorch's {@code F.pad} for the constant and replicate modes, with the backward pass. Built only from views and
 * copies, so it runs on every device without kernels of its own.
 *
 * <p>{@code pads} lists (before, after) pairs starting from the LAST dim, as in PyTorch: {@code {left, right}} pads
 * the width, {@code {left, right, top, bottom}} the width and the height, and so on. Constant padding may be
 * negative (that crops); replicate padding repeats the edge values and must be non-negative.
 */
public final class Padding {
    private Padding() {}

    /** What fills the new border. */
    public enum Mode {
        /** A constant value. */
        CONSTANT,
        /** The nearest edge value of the input (ReplicationPad). */
        REPLICATE
    }

    /** Zero padding. */
    public static Tensor pad(Tensor input, int... pads) {
        return pad(input, pads, Mode.CONSTANT, 0);
    }

    /** Pads (or, for negative constant pads, crops) the last {@code pads.length/2} dims. */
    public static Tensor pad(Tensor input, int[] pads, Mode mode, double value) {
        String op = "pad";
        int[] in = input.shape(), out = outShape(op, in, pads, mode);
        if (mode == Mode.CONSTANT) {
            Tensor o = Args.empty(input, out);
            if (value != 0) o.fill(value);
            Tensor dst = o, src = input;
            for (int d = 0; d < in.length; d++) {
                int lo = before(pads, d, in.length), hi = after(pads, d, in.length);
                int len = in[d] - Math.max(-lo, 0) - Math.max(-hi, 0);
                if (len <= 0) return o; // everything cropped away: only the constant remains
                dst = dst.narrow(d, Math.max(lo, 0), len);
                src = src.narrow(d, Math.max(-lo, 0), len);
            }
            dst.copyFrom(src);
            return o;
        }
        // replicate: copy the input into the middle, then per padded dim stretch its first and last slices outwards;
        // a dim handled earlier is already full width, so the corners come out right
        Tensor o = Args.empty(input, out);
        Tensor middle = o;
        for (int d = 0; d < in.length; d++) middle = middle.narrow(d, before(pads, d, in.length), in[d]);
        middle.copyFrom(input);
        for (int d = in.length - 1; d >= in.length - pads.length / 2; d--) {
            Tensor slab = o; // full range on dims >= d, the middle on the dims not yet stretched
            for (int e = 0; e < d; e++) slab = slab.narrow(e, before(pads, e, in.length), in[e]);
            int lo = before(pads, d, in.length), hi = after(pads, d, in.length);
            if (lo > 0) slab.narrow(d, 0, lo).copyFrom(slab.narrow(d, lo, 1));
            if (hi > 0) slab.narrow(d, lo + in[d], hi).copyFrom(slab.narrow(d, lo + in[d] - 1, 1));
        }
        return o;
    }

    /** The gradient of {@link #pad} w.r.t. its input: the middle of gradOut, plus (replicate) the border folded onto the edges. */
    public static Tensor padBackward(Tensor gradOut, int[] pads, Mode mode, int[] inputShape) {
        String op = "padBackward";
        int[] out = outShape(op, inputShape, pads, mode);
        if (!gradOut.hasShape(out))
            throw new IllegalArgumentException(op + ": gradOut " + Shape.str(gradOut.shape()) + " must have shape "
                    + Shape.str(out) + " for input " + Shape.str(inputShape) + " and pads " + Shape.str(pads));
        int r = inputShape.length;
        if (mode == Mode.CONSTANT) {
            Tensor gi = Args.empty(gradOut, inputShape), dst = gi, src = gradOut;
            for (int d = 0; d < r; d++) {
                int lo = before(pads, d, r), hi = after(pads, d, r);
                int len = inputShape[d] - Math.max(-lo, 0) - Math.max(-hi, 0);
                if (len <= 0) return gi;
                dst = dst.narrow(d, Math.max(-lo, 0), len);
                src = src.narrow(d, Math.max(lo, 0), len);
            }
            dst.copyFrom(src);
            return gi;
        }
        // replicate: the adjoint of "stretch the edge slice" adds the stretched part back onto the edge slice
        Tensor g = gradOut;
        for (int d = r - pads.length / 2; d < r; d++) {
            int lo = before(pads, d, r), hi = after(pads, d, r), n = inputShape[d];
            Tensor folded = g.narrow(d, lo, n).copy();
            if (lo > 0) folded.narrow(d, 0, 1).addInPlace(g.narrow(d, 0, lo).sum(new int[] {d}, true));
            if (hi > 0) folded.narrow(d, n - 1, 1).addInPlace(g.narrow(d, lo + n, hi).sum(new int[] {d}, true));
            g = folded;
        }
        return g.contiguous();
    }

    private static int before(int[] pads, int d, int rank) {
        int k = rank - 1 - d; // pads[2k], pads[2k+1] belong to dim rank-1-k
        return 2 * k < pads.length ? pads[2 * k] : 0;
    }

    private static int after(int[] pads, int d, int rank) {
        int k = rank - 1 - d;
        return 2 * k + 1 < pads.length ? pads[2 * k + 1] : 0;
    }

    private static int[] outShape(String op, int[] in, int[] pads, Mode mode) {
        if (pads.length % 2 != 0 || pads.length / 2 > in.length)
            throw new IllegalArgumentException(op + ": pads " + Shape.str(pads) + " must be (before, after) pairs for at most "
                    + in.length + " dims of input " + Shape.str(in));
        int[] out = in.clone();
        for (int d = 0; d < in.length; d++) {
            int lo = before(pads, d, in.length), hi = after(pads, d, in.length);
            if (mode == Mode.REPLICATE && (lo < 0 || hi < 0))
                throw new IllegalArgumentException(op + ": replicate pads " + Shape.str(pads) + " must be >= 0");
            if (mode == Mode.REPLICATE && (lo > 0 || hi > 0) && in[d] == 0)
                throw new IllegalArgumentException(op + ": cannot replicate-pad the empty dim " + d + " of " + Shape.str(in));
            out[d] = in[d] + lo + hi;
            if (out[d] < 0)
                throw new IllegalArgumentException(op + ": pads " + Shape.str(pads) + " crop dim " + d + " of input "
                        + Shape.str(in) + " below zero");
        }
        return out;
    }
}

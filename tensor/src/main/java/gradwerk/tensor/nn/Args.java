package gradwerk.tensor.nn;

import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

/** Argument checks shared by the nn front ends; every message names the op and the shapes involved. */
final class Args {
    private Args() {}

    /** A (height, width) pair from one value (used for both) or two. */
    static int[] pair(String op, String what, int[] v) {
        if (v == null || v.length < 1 || v.length > 2)
            throw new IllegalArgumentException(op + ": " + what + " needs 1 or 2 values, got "
                    + (v == null ? "null" : Shape.str(v)));
        return v.length == 1 ? new int[] {v[0], v[0]} : v.clone();
    }

    static void requireRank(String op, String what, Tensor t, int rank, String layout) {
        if (t.rank() != rank)
            throw new IllegalArgumentException(op + ": " + what + " " + Shape.str(t.shape()) + " must be " + rank
                    + "-d " + layout);
    }

    /** Same dtype and device as the main input (optional tensors may be null). */
    static void requireLike(String op, Tensor main, String what, Tensor other) {
        if (other == null) return;
        if (other.dtype() != main.dtype())
            throw new IllegalArgumentException(op + ": " + what + " is " + other.dtype() + " but the input is "
                    + main.dtype() + " (cast one explicitly with .to(DType))");
        if (other.device() != main.device())
            throw new IllegalArgumentException(op + ": " + what + " is on " + other.device() + " but the input is on "
                    + main.device() + "; move one with .to(Device)");
    }

    static void requireShape(String op, String what, Tensor t, int... shape) {
        if (t != null && !t.hasShape(shape))
            throw new IllegalArgumentException(op + ": " + what + " " + Shape.str(t.shape()) + " must have shape "
                    + Shape.str(shape));
    }

    static void requirePositive(String op, String what, int[] v) {
        for (int x : v)
            if (x < 1) throw new IllegalArgumentException(op + ": " + what + " " + Shape.str(v) + " must be >= 1");
    }

    static void requireNonNegative(String op, String what, int[] v) {
        for (int x : v)
            if (x < 0) throw new IllegalArgumentException(op + ": " + what + " " + Shape.str(v) + " must be >= 0");
    }

    /** A new contiguous zero-filled tensor with main's dtype and device. */
    static Tensor empty(Tensor main, int... shape) {
        return main.newZeros(shape);
    }

    /** As {@link #empty}, contents undefined: for the output of a primitive that writes every element. */
    static Tensor output(Tensor main, int... shape) {
        return new Tensor(main.device().backend().allocateUnfilled(main.dtype(), Shape.numel(shape)), shape);
    }
}

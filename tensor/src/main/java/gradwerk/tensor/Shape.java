package gradwerk.tensor;

import java.util.Arrays;

/**
 * Helpers for shapes and strides (plain {@code int[]} arrays, row-major/"C" order).
 *
 * <p>A tensor of shape {@code [d0, d1, ..., dn-1]} with strides {@code [s0, ..., sn-1]} keeps element
 * {@code (i0, ..., in-1)} at storage index {@code offset + i0*s0 + ... + in-1*sn-1}. Contiguous strides are the
 * suffix products of the shape.
 */
public final class Shape {
    private Shape() {}

    /** Number of elements (1 for a 0-d tensor, 0 if any dimension is 0). */
    public static int numel(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("shape " + str(shape) + " has more than 2^31-1 elements");
        return (int) n;
    }

    /** Row-major strides for a shape: the last dimension varies fastest. */
    public static int[] contiguousStrides(int[] shape) {
        int[] strides = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= Math.max(shape[i], 1);
        }
        return strides;
    }

    /** {@code [2,3]} style text used in every error message. */
    public static String str(int[] shape) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) sb.append(',');
            sb.append(shape[i]);
        }
        return sb.append(']').toString();
    }

    /** Validates a user-given shape: no negative sizes. */
    public static int[] check(String op, int... shape) {
        for (int d : shape)
            if (d < 0) throw new IllegalArgumentException(op + ": negative dimension in shape " + str(shape));
        return shape.clone();
    }

    /**
     * NumPy broadcasting: align shapes at the right; each pair of sizes must be equal or one of them 1.
     *
     * @throws IllegalArgumentException naming the op and both shapes when they do not broadcast
     */
    public static int[] broadcast(String op, int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int da = i < n - a.length ? 1 : a[i - (n - a.length)];
            int db = i < n - b.length ? 1 : b[i - (n - b.length)];
            if (da != db && da != 1 && db != 1)
                throw new IllegalArgumentException(op + ": shapes " + str(a) + " and " + str(b)
                        + " do not broadcast (dimension " + i + ": " + da + " vs " + db + ")");
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Turns a possibly negative dim ({@code -1} = last) into an index, or throws naming the op. */
    public static int dim(String op, int dim, int rank) {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= rank)
            throw new IllegalArgumentException(op + ": dim " + dim + " out of range for a tensor of rank " + rank);
        return d;
    }

    /** Normalises a set of dims, rejecting repeats; an empty array means "all dims". */
    public static boolean[] dimSet(String op, int[] dims, int rank) {
        boolean[] set = new boolean[rank];
        if (dims.length == 0) {
            Arrays.fill(set, true);
            return set;
        }
        for (int dim : dims) {
            int d = dim(op, dim, rank);
            if (set[d]) throw new IllegalArgumentException(op + ": dim " + dim + " given twice in " + Arrays.toString(dims));
            set[d] = true;
        }
        return set;
    }

    /** True if the view's strides are the row-major strides of its shape (size-1 dims may have any stride). */
    public static boolean isContiguous(int[] shape, int[] strides) {
        for (int d : shape) if (d == 0) return true; // no elements, nothing out of order
        int expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] == 1) continue;
            if (strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }
}

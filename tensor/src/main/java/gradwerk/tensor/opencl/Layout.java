package gradwerk.tensor.opencl;

import java.util.Arrays;

/**
 * Prepares the shape and strides of the operands of an elementwise kernel: merges dimensions, then packs them
 * into the right-aligned {@code int8} form the kernels take (see common.cl).
 *
 * <p>Merging: dimension d can be folded into dimension d+1 when, in every operand, stepping once along d is the
 * same as stepping {@code shape[d+1]} times along d+1 ({@code stride[d] == stride[d+1] * shape[d+1]}). A
 * row-major tensor then becomes rank 1, a transposed matrix stays rank 2, and size-1 dimensions disappear. This
 * is what makes the contiguous fast path apply to any dense operands, and keeps the kernels' index loop short.
 */
final class Layout {
    static final int MAX_RANK = 8;

    /**
     * Operands packed for a kernel.
     *
     * @param rank       the merged rank (0 for a single element)
     * @param shape8     the merged shape, right-aligned in 8 ints
     * @param strides8   per operand, its merged strides, right-aligned in 8 ints
     * @param contiguous every operand is dense with stride 1 after merging: use the {@code _contig} kernel
     */
    record Packed(int rank, int[] shape8, int[][] strides8, boolean contiguous) {
        int[] strides(int operand) {
            return strides8[operand];
        }
    }

    private Layout() {}

    static Packed pack(int[] shape, int[]... strides) {
        int ops = strides.length;
        int[] sh = new int[shape.length];
        int[][] st = new int[ops][shape.length];
        int r = 0; // merged dimensions are collected innermost-first into sh[0..r), st[k][0..r)
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] == 1) continue; // a size-1 dimension adds no elements and its stride never matters
            boolean merges = r > 0;
            for (int k = 0; k < ops && merges; k++)
                merges = (long) st[k][r - 1] * sh[r - 1] == strides[k][d];
            if (merges) {
                sh[r - 1] *= shape[d];
            } else {
                sh[r] = shape[d];
                for (int k = 0; k < ops; k++) st[k][r] = strides[k][d];
                r++;
            }
        }
        if (r > MAX_RANK)
            throw new IllegalArgumentException("OpenCL kernels support at most " + MAX_RANK + " dimensions that"
                    + " cannot be merged; shape " + Arrays.toString(shape) + " needs " + r);
        boolean contiguous = r <= 1;
        for (int k = 0; k < ops && r == 1; k++) contiguous &= st[k][0] == 1;
        int[] shape8 = new int[MAX_RANK];
        Arrays.fill(shape8, 1);
        int[][] strides8 = new int[ops][MAX_RANK];
        for (int i = 0; i < r; i++) { // sh[i] is the i-th innermost: it goes to component 7 - i
            shape8[MAX_RANK - 1 - i] = sh[i];
            for (int k = 0; k < ops; k++) strides8[k][MAX_RANK - 1 - i] = st[k][i];
        }
        return new Packed(r, shape8, strides8, contiguous);
    }

    /** The numpy broadcast of two shapes, or an exception naming both. */
    static int[] broadcast(int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int x = i - (n - a.length) >= 0 ? a[i - (n - a.length)] : 1;
            int y = i - (n - b.length) >= 0 ? b[i - (n - b.length)] : 1;
            if (x != y && x != 1 && y != 1)
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " do not broadcast");
            out[i] = x == 1 ? y : x;
        }
        return out;
    }
}

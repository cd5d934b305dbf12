package gradwerk.tensor.opencl;

import java.util.Arrays;

/**
 * A strided n-d view of a device buffer: what the kernels operate on, and what a tensor with device storage
 * hands them. Element {@code (i0, ..., ik)} is at element index {@code offset + sum(i_d * strides[d])} of the
 * buffer, counted in elements of {@code type}. Broadcast dimensions have stride 0.
 *
 * <p>Views are cheap: transposing, slicing or broadcasting makes a new view of the same buffer without touching
 * the device. The arrays are copied on construction; treat those returned by {@link #shape()} and
 * {@link #strides()} as read-only.
 */
public record ClView(ClBuffer buffer, ClType type, int[] shape, int[] strides, int offset) {

    public ClView {
        shape = shape.clone();
        strides = strides.clone();
        if (shape.length != strides.length)
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " and strides "
                    + Arrays.toString(strides) + " differ in rank");
        long lo = offset, hi = offset, n = 1;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] < 0) throw new IllegalArgumentException("negative size in shape " + Arrays.toString(shape));
            n *= shape[d];
            if (shape[d] == 0) continue;
            long reach = (long) (shape[d] - 1) * strides[d];
            if (reach < 0) lo += reach; else hi += reach;
        }
        if (n > Integer.MAX_VALUE)
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has more than 2^31-1 elements");
        if (n > 0 && (lo < 0 || (hi + 1) * type.bytes() > buffer.byteSize()))
            throw new IllegalArgumentException("view " + Arrays.toString(shape) + " strides " + Arrays.toString(strides)
                    + " offset " + offset + " reaches elements [" + lo + ", " + hi + "] outside a buffer of "
                    + buffer.byteSize() / type.bytes() + " " + type.cName() + "s");
    }

    /** A row-major view of {@code shape} at the start of {@code buffer}. */
    public static ClView contiguous(ClBuffer buffer, ClType type, int... shape) {
        return new ClView(buffer, type, shape, rowMajorStrides(shape), 0);
    }

    /** A new pooled buffer of {@code shape}, row-major, contents undefined. */
    public static ClView allocate(OpenClContext ctx, ClType type, int... shape) {
        return contiguous(ctx.allocate((long) Math.max(1, count(shape)) * type.bytes()), type, shape);
    }

    /** Uploads {@code data} as a row-major float view of {@code shape}. */
    public static ClView of(OpenClContext ctx, float[] data, int... shape) {
        checkCount(data.length, shape);
        return contiguous(ctx.upload(data), ClType.FLOAT, shape);
    }

    /** Uploads {@code data} as a row-major double view of {@code shape}. */
    public static ClView of(OpenClContext ctx, double[] data, int... shape) {
        checkCount(data.length, shape);
        return contiguous(ctx.upload(data), ClType.DOUBLE, shape);
    }

    public int rank() {
        return shape.length;
    }

    public int numel() {
        return (int) count(shape);
    }

    /** True when the elements are row-major and dense (from {@code offset} on). */
    public boolean isContiguous() {
        return numel() == 0 || Layout.pack(shape, strides).contiguous();
    }

    public ClView transpose(int a, int b) {
        int[] sh = shape.clone(), st = strides.clone();
        sh[a] = shape[b];
        sh[b] = shape[a];
        st[a] = strides[b];
        st[b] = strides[a];
        return new ClView(buffer, type, sh, st, offset);
    }

    /** Elements {@code start, start+step, ...} (below {@code end}) along {@code dim}; step may be negative. */
    public ClView slice(int dim, int start, int end, int step) {
        if (step == 0) throw new IllegalArgumentException("slice step 0");
        int n = step > 0 ? Math.max(0, (end - start + step - 1) / step) : Math.max(0, (start - end - step - 1) / -step);
        int[] sh = shape.clone(), st = strides.clone();
        sh[dim] = n;
        st[dim] = strides[dim] * step;
        return new ClView(buffer, type, sh, st, n == 0 ? offset : offset + start * strides[dim]);
    }

    /** This view broadcast to {@code target} (numpy rules: align right, size-1 dimensions repeat by stride 0). */
    public ClView broadcastTo(int... target) {
        if (Arrays.equals(shape, target)) return this;
        if (target.length < shape.length) throw cannotBroadcast(target);
        int[] st = new int[target.length];
        for (int d = 0; d < target.length; d++) {
            int src = d - (target.length - shape.length);
            if (src < 0) continue; // a new leading dimension: stride 0
            if (shape[src] == target[d]) st[d] = strides[src];
            else if (shape[src] != 1) throw cannotBroadcast(target);
        }
        return new ClView(buffer, type, target, st, offset);
    }

    private IllegalArgumentException cannotBroadcast(int[] target) {
        return new IllegalArgumentException("cannot broadcast shape " + Arrays.toString(shape) + " to "
                + Arrays.toString(target));
    }

    /** The elements in row-major order as doubles (converted from float if need be). Blocks. */
    public double[] toDoubleArray() {
        if (type == ClType.DOUBLE && isContiguous()) {
            double[] out = new double[numel()];
            if (out.length > 0) buffer.read(offset, out, 0, out.length);
            return out;
        }
        if (type == ClType.FLOAT) {
            float[] f = toFloatArray();
            double[] out = new double[f.length];
            for (int i = 0; i < f.length; i++) out[i] = f[i];
            return out;
        }
        try (ClBuffer tmp = buffer.context().kernels().contiguousCopy(this)) {
            return ClView.contiguous(tmp, type, shape).toDoubleArray();
        }
    }

    /** The elements in row-major order as floats (only for FLOAT views). Blocks. */
    public float[] toFloatArray() {
        if (type != ClType.FLOAT) throw new IllegalStateException("toFloatArray of a " + type + " view");
        if (isContiguous()) {
            float[] out = new float[numel()];
            if (out.length > 0) buffer.read(offset, out, 0, out.length);
            return out;
        }
        try (ClBuffer tmp = buffer.context().kernels().contiguousCopy(this)) {
            return ClView.contiguous(tmp, type, shape).toFloatArray();
        }
    }

    static int[] rowMajorStrides(int[] shape) {
        int[] st = new int[shape.length];
        int s = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            st[d] = s;
            s *= Math.max(1, shape[d]);
        }
        return st;
    }

    static long count(int[] shape) {
        long n = 1;
        for (int s : shape) n *= s;
        return n;
    }

    private static void checkCount(int length, int[] shape) {
        if (count(shape) != length)
            throw new IllegalArgumentException(length + " values for shape " + Arrays.toString(shape));
    }

    @Override
    public String toString() {
        return "ClView[" + type + " " + Arrays.toString(shape) + " strides " + Arrays.toString(strides) + " offset "
                + offset + "]";
    }
}

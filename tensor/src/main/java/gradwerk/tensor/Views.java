package gradwerk.tensor;

import java.util.Arrays;

/**
 * View operations: each computes a new (shape, strides, offset) over the same storage. Nothing here copies data,
 * except {@link #reshape} when the strides make a view impossible (then it says so by returning a copy).
 */
final class Views {
    private Views() {}

    /** Resolves a single -1 in a requested shape. */
    static int[] inferShape(String op, int[] from, int[] requested) {
        int[] s = requested.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException(op + ": only one -1 allowed in " + Shape.str(requested));
                infer = i;
            } else if (s[i] < 0) {
                throw new IllegalArgumentException(op + ": negative size in " + Shape.str(requested));
            } else known *= s[i];
        }
        int n = Shape.numel(from);
        if (infer >= 0) {
            if (known == 0 || n % known != 0)
                throw new IllegalArgumentException(op + ": cannot infer -1 in " + Shape.str(requested) + " for "
                        + n + " elements of shape " + Shape.str(from));
            s[infer] = (int) (n / known);
        } else if (known != n) {
            throw new IllegalArgumentException(op + ": shape " + Shape.str(from) + " (" + n + " elements) cannot become "
                    + Shape.str(requested) + " (" + known + " elements)");
        }
        return s;
    }

    /**
     * Strides for viewing (shape, strides) as newShape without copying, or null if impossible. The old dims are
     * cut into "chunks" that are contiguous among themselves (each stride = next stride * next size); every chunk
     * must be split exactly by a run of new dims. This is PyTorch's computeStride algorithm.
     */
    static int[] viewStrides(int[] shape, int[] strides, int[] newShape) {
        int[] out = new int[newShape.length];
        if (shape.length == 0 || Shape.numel(shape) == 0) return Shape.contiguousStrides(newShape);
        int viewD = newShape.length - 1;
        long chunkBaseStride = strides[strides.length - 1];
        long tensorNumel = 1, viewNumel = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            tensorNumel *= shape[d];
            boolean chunkEnds = d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensorNumel * chunkBaseStride);
            if (!chunkEnds) continue;
            while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1)) {
                out[viewD] = (int) (viewNumel * chunkBaseStride);
                viewNumel *= newShape[viewD];
                viewD--;
            }
            if (viewNumel != tensorNumel) return null;
            if (d > 0) {
                chunkBaseStride = strides[d - 1];
                tensorNumel = 1;
                viewNumel = 1;
            }
        }
        return viewD == -1 ? out : null;
    }

    static Tensor view(Tensor t, int[] requested) {
        int[] s = inferShape("view", t.shape(), requested);
        int[] st = viewStrides(t.shape(), t.strides(), s);
        if (st == null)
            throw new IllegalArgumentException("view: tensor of shape " + Shape.str(t.shape()) + " with strides "
                    + Shape.str(t.strides()) + " cannot be viewed as " + Shape.str(s)
                    + " without a copy; use reshape() (which copies) or contiguous() first");
        return new Tensor(t.storage(), s, st, t.offset());
    }

    static Tensor reshape(Tensor t, int[] requested) {
        int[] s = inferShape("reshape", t.shape(), requested);
        int[] st = viewStrides(t.shape(), t.strides(), s);
        if (st != null) return new Tensor(t.storage(), s, st, t.offset());
        Tensor c = t.copy();
        return new Tensor(c.storage(), s);
    }

    static Tensor permute(Tensor t, int[] order) {
        int r = t.rank();
        if (order.length != r)
            throw new IllegalArgumentException("permute: order " + Arrays.toString(order) + " has " + order.length
                    + " dims, tensor of shape " + Shape.str(t.shape()) + " has " + r);
        boolean[] seen = new boolean[r];
        int[] shape = t.shape(), strides = t.strides();
        int[] ns = new int[r], nst = new int[r];
        for (int i = 0; i < r; i++) {
            int d = Shape.dim("permute", order[i], r);
            if (seen[d]) throw new IllegalArgumentException("permute: dim " + order[i] + " repeated in " + Arrays.toString(order));
            seen[d] = true;
            ns[i] = shape[d];
            nst[i] = strides[d];
        }
        return new Tensor(t.storage(), ns, nst, t.offset());
    }

    static Tensor transpose(Tensor t, int d0, int d1) {
        int r = t.rank();
        int a = Shape.dim("transpose", d0, r), b = Shape.dim("transpose", d1, r);
        int[] order = new int[r];
        for (int i = 0; i < r; i++) order[i] = i;
        order[a] = b;
        order[b] = a;
        return permute(t, order);
    }

    static Tensor slice(Tensor t, int dim, int start, int end, int step) {
        int d = Shape.dim("slice", dim, t.rank());
        int size = t.shape()[d];
        if (step <= 0) throw new IllegalArgumentException("slice: step must be positive, got " + step);
        int s = start < 0 ? start + size : start, e = end < 0 ? end + size : end;
        s = Math.clamp(s, 0, size);
        e = Math.clamp(e, s, size);
        int[] shape = t.shape(), strides = t.strides();
        int n = (e - s + step - 1) / step;
        int offset = t.offset() + (n > 0 ? s * strides[d] : 0);
        shape[d] = n;
        strides[d] = strides[d] * step;
        return new Tensor(t.storage(), shape, strides, offset);
    }

    static Tensor select(Tensor t, int dim, int index) {
        int d = Shape.dim("select", dim, t.rank());
        int size = t.shape()[d];
        int i = index < 0 ? index + size : index;
        if (i < 0 || i >= size)
            throw new IndexOutOfBoundsException("select: index " + index + " out of range for dim " + dim
                    + " of shape " + Shape.str(t.shape()));
        int[] shape = t.shape(), strides = t.strides();
        int offset = t.offset() + i * strides[d];
        return new Tensor(t.storage(), remove(shape, d), remove(strides, d), offset);
    }

    static int[] remove(int[] a, int i) {
        int[] out = new int[a.length - 1];
        System.arraycopy(a, 0, out, 0, i);
        System.arraycopy(a, i + 1, out, i, a.length - i - 1);
        return out;
    }

    static int[] insert(int[] a, int i, int v) {
        int[] out = new int[a.length + 1];
        System.arraycopy(a, 0, out, 0, i);
        out[i] = v;
        System.arraycopy(a, i, out, i + 1, a.length - i);
        return out;
    }

    static Tensor expand(Tensor t, int[] target) {
        int r = t.rank(), n = target.length;
        if (n < r)
            throw new IllegalArgumentException("expand: cannot expand shape " + Shape.str(t.shape()) + " to fewer dims "
                    + Shape.str(target));
        int[] shape = t.shape(), strides = t.strides();
        int[] ns = new int[n], nst = new int[n];
        for (int i = 0; i < n; i++) {
            int j = i - (n - r); // matching dim of t, or < 0 for a new leading dim
            int want = target[i];
            if (j < 0) {
                if (want < 0) throw new IllegalArgumentException("expand: -1 not allowed for new dim " + i + " in " + Shape.str(target));
                ns[i] = want;
                nst[i] = 0;
            } else if (want == -1 || want == shape[j]) {
                ns[i] = shape[j];
                nst[i] = strides[j];
            } else if (shape[j] == 1) {
                ns[i] = want;
                nst[i] = 0;
            } else {
                throw new IllegalArgumentException("expand: shape " + Shape.str(shape) + " cannot expand to "
                        + Shape.str(target) + " (dim " + i + ": " + shape[j] + " is not 1)");
            }
        }
        return new Tensor(t.storage(), ns, nst, t.offset());
    }

    static Tensor squeeze(Tensor t) {
        int[] shape = t.shape(), strides = t.strides();
        int keep = 0;
        for (int d : shape) if (d != 1) keep++;
        int[] ns = new int[keep], nst = new int[keep];
        for (int i = 0, k = 0; i < shape.length; i++)
            if (shape[i] != 1) { ns[k] = shape[i]; nst[k++] = strides[i]; }
        return new Tensor(t.storage(), ns, nst, t.offset());
    }

    static Tensor squeeze(Tensor t, int dim) {
        int d = Shape.dim("squeeze", dim, t.rank());
        if (t.shape()[d] != 1)
            throw new IllegalArgumentException("squeeze: dim " + dim + " of shape " + Shape.str(t.shape()) + " has size "
                    + t.shape()[d] + ", not 1");
        return new Tensor(t.storage(), remove(t.shape(), d), remove(t.strides(), d), t.offset());
    }

    static Tensor unsqueeze(Tensor t, int dim) {
        int d = Shape.dim("unsqueeze", dim, t.rank() + 1);
        int[] shape = t.shape(), strides = t.strides();
        int stride = d < shape.length ? strides[d] * shape[d] : 1;
        return new Tensor(t.storage(), insert(shape, d, 1), insert(strides, d, stride), t.offset());
    }
}

package gradwerk.tensor;

/**
 * The front half of every compute op: checks arguments (errors name the op and the shapes), broadcasts, moves
 * reduced dims to the end, allocates the result, then calls one {@link Backend} primitive.
 */
final class Ops {
    private Ops() {}

    static Backend backendOf(String op, Tensor... ts) {
        Device d = ts[0].device();
        for (Tensor t : ts)
            if (t.device() != d)
                throw new IllegalArgumentException(op + ": tensors on different devices (" + d + " and " + t.device()
                        + "); move one with .to(Device)");
        return d.backend();
    }

    static Tensor empty(Tensor like, int... shape) {
        return Creation.empty(like.dtype(), like.device(), shape);
    }

    /** The output of a primitive that writes every element: its contents need not be zeroed first. */
    static Tensor output(Tensor like, int... shape) {
        return new Tensor(like.device().backend().allocateUnfilled(like.dtype(), Shape.numel(shape)), shape);
    }

    // ---------------------------------------------------------------- elementwise

    static Tensor map(UnaryOp op, Tensor a, double p, double q) {
        Tensor out = output(a, a.shape());
        a.device().backend().map(op, p, q, a, out);
        return out;
    }

    static Tensor zip(BinaryOp op, Tensor a, Tensor b) {
        String name = op.opName();
        DType.requireSame(name, a.dtype(), b.dtype());
        Backend be = backendOf(name, a, b);
        int[] shape = Shape.broadcast(name, a.shape(), b.shape());
        Tensor out = output(a, shape);
        be.zip(op, a.expand(shape), b.expand(shape), out);
        return out;
    }

    static Tensor where(Tensor cond, Tensor a, Tensor b) {
        DType.requireSame("where", a.dtype(), b.dtype());
        DType.requireSame("where", cond.dtype(), a.dtype());
        Backend be = backendOf("where", cond, a, b);
        int[] shape = Shape.broadcast("where", Shape.broadcast("where", cond.shape(), a.shape()), b.shape());
        Tensor out = output(a, shape);
        be.where(cond.expand(shape), a.expand(shape), b.expand(shape), out);
        return out;
    }

    /** Destinations of in-place ops must not be expanded views: two elements would share one storage slot. */
    private static void requireWritable(String op, Tensor dst) {
        int[] shape = dst.shape(), strides = dst.strides();
        for (int i = 0; i < shape.length; i++)
            if (strides[i] == 0 && shape[i] > 1)
                throw new IllegalArgumentException(op + ": cannot write into an expanded (broadcast) view of shape "
                        + Shape.str(shape) + "; call contiguous() first");
    }

    static Tensor zipInPlace(BinaryOp op, Tensor dst, Tensor src) {
        String name = op.opName() + "InPlace";
        DType.requireSame(name, dst.dtype(), src.dtype());
        Backend be = backendOf(name, dst, src);
        requireWritable(name, dst);
        int[] shape = Shape.broadcast(name, dst.shape(), src.shape());
        if (!dst.hasShape(shape))
            throw new IllegalArgumentException(name + ": result shape " + Shape.str(shape) + " differs from the destination "
                    + Shape.str(dst.shape()));
        be.zip(op, dst, src.expand(shape), dst);
        dst.storage().bumpVersion();
        return dst;
    }

    static Tensor mapInPlace(UnaryOp op, Tensor dst, double p) {
        requireWritable(op.name().toLowerCase() + "InPlace", dst);
        dst.device().backend().map(op, p, 0, dst, dst);
        dst.storage().bumpVersion();
        return dst;
    }

    static Tensor copyInto(Tensor dst, Tensor src) {
        Backend be = backendOf("copyFrom", dst, src);
        requireWritable("copyFrom", dst);
        int[] shape = Shape.broadcast("copyFrom", dst.shape(), src.shape());
        if (!dst.hasShape(shape))
            throw new IllegalArgumentException("copyFrom: source " + Shape.str(src.shape()) + " does not fit destination "
                    + Shape.str(dst.shape()));
        be.copy(src.expand(shape), dst);
        dst.storage().bumpVersion();
        return dst;
    }

    static Tensor fillInPlace(Tensor dst, double value) {
        requireWritable("fill", dst);
        dst.device().backend().fill(dst, value);
        dst.storage().bumpVersion();
        return dst;
    }

    // ---------------------------------------------------------------- reductions

    static Tensor reduce(ReduceOp op, Tensor a, int[] dims, boolean keepDim) {
        String name = op.opName();
        int r = a.rank();
        boolean[] reduced = Shape.dimSet(name, dims, r);
        int[] shape = a.shape();
        int[] order = new int[r];
        int k = 0, nReduced = 0;
        for (int i = 0; i < r; i++) if (!reduced[i]) order[k++] = i;
        for (int i = 0; i < r; i++) if (reduced[i]) { order[k++] = i; nReduced++; }
        int[] kept = new int[r - nReduced];
        int blockSize = 1;
        for (int i = 0, j = 0; i < r; i++) {
            if (reduced[i]) blockSize *= shape[i];
            else kept[j++] = shape[i];
        }
        if (blockSize == 0 && op != ReduceOp.SUM && op != ReduceOp.MEAN)
            throw new IllegalArgumentException(name + ": cannot reduce an empty dimension (shape " + Shape.str(shape) + ")");
        Tensor out = empty(a, kept);
        a.device().backend().reduce(op, a.permute(order), nReduced, out);
        if (!keepDim) return out;
        int[] keptShape = shape.clone();
        for (int i = 0; i < r; i++) if (reduced[i]) keptShape[i] = 1;
        return out.view(keptShape);
    }

    static Tensor var(Tensor a, int[] dims, boolean unbiased, boolean keepDim) {
        boolean[] reduced = Shape.dimSet("var", dims, a.rank());
        int n = 1;
        for (int i = 0; i < reduced.length; i++) if (reduced[i]) n *= a.shape()[i];
        int[] all = allDims(reduced);
        Tensor centred = a.sub(a.mean(all, true)); // two passes: stable, unlike E[x^2]-E[x]^2
        Tensor ss = centred.square().sum(all, keepDim);
        return ss.div(unbiased ? Math.max(n - 1, 0) : n);
    }

    private static int[] allDims(boolean[] set) {
        int c = 0;
        for (boolean b : set) if (b) c++;
        int[] d = new int[c];
        for (int i = 0, k = 0; i < set.length; i++) if (set[i]) d[k++] = i;
        return d;
    }

    // ---------------------------------------------------------------- matmul

    static Tensor matmul(Tensor a, Tensor b) {
        DType.requireSame("matmul", a.dtype(), b.dtype());
        Backend be = backendOf("matmul", a, b);
        if (a.rank() == 0 || b.rank() == 0)
            throw new IllegalArgumentException("matmul: " + Shape.str(a.shape()) + " @ " + Shape.str(b.shape())
                    + ": both operands need at least 1 dim");
        // 1-d operands become matrices (a row vector on the left, a column vector on the right), as in NumPy
        boolean aVec = a.rank() == 1, bVec = b.rank() == 1;
        Tensor a2 = aVec ? a.unsqueeze(0) : a, b2 = bVec ? b.unsqueeze(1) : b;
        int m = a2.size(-2), k = a2.size(-1), k2 = b2.size(-2), n = b2.size(-1);
        if (k != k2)
            throw new IllegalArgumentException("matmul: " + Shape.str(a.shape()) + " @ " + Shape.str(b.shape())
                    + ": inner dimensions " + k + " and " + k2 + " differ");
        int[] aBatch = java.util.Arrays.copyOf(a2.shape(), a2.rank() - 2);
        int[] bBatch = java.util.Arrays.copyOf(b2.shape(), b2.rank() - 2);
        int[] batch = Shape.broadcast("matmul", aBatch, bBatch);
        int nb = Shape.numel(batch);
        Tensor a3 = a2.expand(concat(batch, m, k)).reshape(nb, m, k);
        Tensor b3 = b2.expand(concat(batch, k, n)).reshape(nb, k, n);
        Tensor out = empty(a, nb, m, n);
        be.matmul(a3, b3, out, false);
        int[] outShape = concat(batch, m, n);
        if (aVec) outShape = Views.remove(outShape, outShape.length - 2);
        if (bVec) outShape = Views.remove(outShape, outShape.length - 1);
        return out.view(outShape);
    }

    static int[] concat(int[] head, int... tail) {
        int[] out = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, out, head.length, tail.length);
        return out;
    }

    // ---------------------------------------------------------------- softmax family

    static Tensor softmax(Tensor a, int dim, boolean log) {
        String name = log ? "logSoftmax" : "softmax";
        int d = Shape.dim(name, dim, a.rank());
        int last = a.rank() - 1;
        Tensor moved = a.transpose(d, last);
        Tensor out = output(a, moved.shape());
        a.device().backend().softmax(moved, out, log);
        return out.transpose(d, last);
    }

    static Tensor logSumExp(Tensor a, int dim, boolean keepDim) {
        int d = Shape.dim("logSumExp", dim, a.rank());
        Tensor m = a.max(new int[] {d}, true);
        // a row of -inf would give -inf - -inf = nan; shift such rows by 0 instead, so the answer is log(0) = -inf
        Tensor safeM = m.eq(m.fullLike(Double.NEGATIVE_INFINITY)).where(m.zerosLike(), m);
        Tensor lse = a.sub(safeM).exp().sum(new int[] {d}, true).log().add(safeM);
        return keepDim ? lse : lse.squeeze(d);
    }

    // ---------------------------------------------------------------- joining

    static Tensor cat(int dim, Tensor... ts) {
        if (ts.length == 0) throw new IllegalArgumentException("cat: no tensors given");
        Tensor first = ts[0];
        int d = Shape.dim("cat", dim, first.rank());
        int total = 0;
        for (Tensor t : ts) {
            DType.requireSame("cat", first.dtype(), t.dtype());
            backendOf("cat", first, t);
            if (t.rank() != first.rank())
                throw new IllegalArgumentException("cat: shapes " + Shape.str(first.shape()) + " and " + Shape.str(t.shape())
                        + " differ in rank");
            for (int i = 0; i < t.rank(); i++)
                if (i != d && t.shape()[i] != first.shape()[i])
                    throw new IllegalArgumentException("cat: shapes " + Shape.str(first.shape()) + " and "
                            + Shape.str(t.shape()) + " differ in dim " + i + " (only dim " + d + " may differ)");
            total += t.shape()[d];
        }
        int[] shape = first.shape();
        shape[d] = total;
        Tensor out = output(first, shape); // the copies below cover it
        int at = 0;
        for (Tensor t : ts) {
            int len = t.shape()[d];
            if (len > 0) first.device().backend().copy(t, out.narrow(d, at, len));
            at += len;
        }
        return out;
    }

    static Tensor stack(int dim, Tensor... ts) {
        if (ts.length == 0) throw new IllegalArgumentException("stack: no tensors given");
        int d = Shape.dim("stack", dim, ts[0].rank() + 1);
        Tensor[] us = new Tensor[ts.length];
        for (int i = 0; i < ts.length; i++) {
            if (!ts[i].hasShape(ts[0].shape()))
                throw new IllegalArgumentException("stack: shapes " + Shape.str(ts[0].shape()) + " and "
                        + Shape.str(ts[i].shape()) + " differ");
            us[i] = ts[i].unsqueeze(d);
        }
        return cat(d, us);
    }
}

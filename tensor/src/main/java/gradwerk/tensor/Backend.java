package gradwerk.tensor;

/**
 * The few primitives every device implements; all tensor ops are built from them (the MiniTorch idea: map, zip,
 * reduce, matmul, plus copy/fill, softmax and the convolution/sampling kernels the nn layer needs).
 *
 * <p>Contract shared by every method: {@link Tensor} handles shapes, broadcasting, dims and error messages, then
 * calls a primitive with tensors that already agree. Inputs may be any strided views (permuted, sliced, expanded
 * with stride 0); the output {@code out} is a view of storage on this backend's device, with the same dtype as the
 * inputs, and never overlaps an input except when it is exactly the same view (in-place ops). Implementations
 * write every element of {@code out}.
 */
public interface Backend {
    /** A new zero-filled storage. */
    Storage allocate(DType dtype, int length);

    /** Copies host data into a new storage. */
    Storage upload(float[] data);

    /** Copies host data into a new storage. */
    Storage upload(double[] data);

    /** Reads a (possibly strided) tensor of this device into a row-major host array. */
    void download(Tensor src, float[] dst);

    /** Reads a (possibly strided) tensor of this device into a row-major host array. */
    void download(Tensor src, double[] dst);

    /** out = op(a) elementwise, with scalar parameters p and q (see {@link UnaryOp}). Same shapes. */
    void map(UnaryOp op, double p, double q, Tensor a, Tensor out);

    /** out = op(a, b) elementwise. a, b and out have the same shape (broadcasting is done with stride-0 views). */
    void zip(BinaryOp op, Tensor a, Tensor b, Tensor out);

    /** out = cond != 0 ? a : b elementwise. Same shapes. */
    void where(Tensor cond, Tensor a, Tensor b, Tensor out);

    /** out = src elementwise, converting the dtype if they differ. Same shapes. */
    void copy(Tensor src, Tensor out);

    /** Every element of out = value. */
    void fill(Tensor out, double value);

    /**
     * Reduces the last {@code reducedRank} dims of {@code a}: out (contiguous, shape = a's leading dims) gets one
     * value per leading index. The caller permutes the reduced dims to the end first.
     */
    void reduce(ReduceOp op, Tensor a, int reducedRank, Tensor out);

    /**
     * Batched matrix product: a [B,M,K], b [B,K,N], out [B,M,N] (out contiguous; batch strides of a or b may be 0
     * for a broadcast batch). With {@code accumulate}, out += a·b instead of out = a·b.
     */
    void matmul(Tensor a, Tensor b, Tensor out, boolean accumulate);

    /** Softmax (or log-softmax) along the last dim, numerically stable (subtracts the row max). Same shapes. */
    void softmax(Tensor a, Tensor out, boolean log);
}

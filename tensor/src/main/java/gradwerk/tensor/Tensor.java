package gradwerk.tensor;

import java.util.Arrays;

/**
 * An n-dimensional array: a strided view over a {@link Storage}.
 *
 * <p>Element {@code (i0, ..., in-1)} lives at {@code storage[offset + i0*strides[0] + ... + in-1*strides[n-1]]}.
 * View operations (reshape when possible, permute, transpose, narrow/slice, select, expand, squeeze, unsqueeze)
 * only compute new shape/strides/offset over the same storage; nothing is copied. Compute ops return new
 * contiguous tensors; the few in-place ops end in {@code InPlace} or {@code _} so that they stand out.
 *
 * <p>Tensors are immutable as Java objects (shape, strides and storage never change); only in-place ops change
 * the numbers in the storage, and they bump the storage's version.
 */
public final class Tensor {
    private final Storage storage;
    private final int[] shape;
    private final int[] strides;
    private final int offset;

    /** A view; most code calls the factories ({@link #zeros}, {@link #of}, ...) or view methods instead. */
    public Tensor(Storage storage, int[] shape, int[] strides, int offset) {
        if (shape.length != strides.length)
            throw new IllegalArgumentException("tensor: shape " + Shape.str(shape) + " and strides "
                    + Shape.str(strides) + " differ in rank");
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
    }

    /** A contiguous tensor over a whole storage. */
    public Tensor(Storage storage, int... shape) {
        this(storage, shape.clone(), Shape.contiguousStrides(shape), 0);
        if (Shape.numel(shape) > storage.length())
            throw new IllegalArgumentException("tensor: shape " + Shape.str(shape) + " needs " + Shape.numel(shape)
                    + " elements, storage has " + storage.length());
    }

    // ---------------------------------------------------------------- creation (see Creation for the details)

    public static Tensor zeros(int... shape) { return Creation.full(DType.FLOAT32, Device.CPU, 0, shape); }
    public static Tensor zeros(DType dtype, int... shape) { return Creation.full(dtype, Device.CPU, 0, shape); }
    public static Tensor ones(int... shape) { return Creation.full(DType.FLOAT32, Device.CPU, 1, shape); }
    public static Tensor ones(DType dtype, int... shape) { return Creation.full(dtype, Device.CPU, 1, shape); }
    public static Tensor full(double value, int... shape) { return Creation.full(DType.FLOAT32, Device.CPU, value, shape); }
    public static Tensor full(DType dtype, double value, int... shape) { return Creation.full(dtype, Device.CPU, value, shape); }
    /** A 0-d tensor holding one number. */
    public static Tensor scalar(double value) { return Creation.full(DType.FLOAT32, Device.CPU, value); }
    public static Tensor scalar(DType dtype, double value) { return Creation.full(dtype, Device.CPU, value); }
    /** 0, 1, ..., n-1. */
    public static Tensor arange(int n) { return Creation.arange(DType.FLOAT32, 0, n, 1); }
    /** start, start+step, ... below end (PyTorch's arange). */
    public static Tensor arange(DType dtype, double start, double end, double step) { return Creation.arange(dtype, start, end, step); }
    /** n evenly spaced numbers from start to end inclusive. */
    public static Tensor linspace(double start, double end, int n) { return Creation.linspace(DType.FLOAT32, start, end, n); }
    public static Tensor linspace(DType dtype, double start, double end, int n) { return Creation.linspace(dtype, start, end, n); }
    /** The n×n identity matrix. */
    public static Tensor eye(int n) { return Creation.eye(DType.FLOAT32, n); }
    public static Tensor eye(DType dtype, int n) { return Creation.eye(dtype, n); }
    /** Uniform in [0, 1), from the generator (same seed, same numbers on every machine). */
    public static Tensor rand(Generator g, int... shape) { return Creation.rand(DType.FLOAT32, g, shape); }
    public static Tensor rand(DType dtype, Generator g, int... shape) { return Creation.rand(dtype, g, shape); }
    /** Standard normal, from the generator. */
    public static Tensor randn(Generator g, int... shape) { return Creation.randn(DType.FLOAT32, g, shape); }
    public static Tensor randn(DType dtype, Generator g, int... shape) { return Creation.randn(dtype, g, shape); }
    /** Integers uniform in [low, high), stored as floats. */
    public static Tensor randint(Generator g, int low, int high, int... shape) { return Creation.randint(DType.FLOAT32, g, low, high, shape); }
    /** A float32 tensor with the given row-major data. */
    public static Tensor of(float[] data, int... shape) { return Creation.fromArray(data, shape); }
    /** A float64 tensor with the given row-major data. */
    public static Tensor of(double[] data, int... shape) { return Creation.fromArray(data, shape); }
    /** A 1-d float32 tensor. */
    public static Tensor of(float... data) { return Creation.fromArray(data, data.length); }
    /** A tensor of the given dtype from double values (converted). */
    public static Tensor of(DType dtype, double[] data, int... shape) { return Creation.fromArray(data, shape).to(dtype); }

    /** Zeros with this tensor's dtype and device. */
    public Tensor zerosLike() { return Creation.full(dtype(), device(), 0, shape); }
    /** A tensor of this dtype and device filled with value. */
    public Tensor fullLike(double value) { return Creation.full(dtype(), device(), value, shape); }
    /** A new zero tensor of this dtype and device with another shape. */
    public Tensor newZeros(int... shape) { return Creation.full(dtype(), device(), 0, shape); }
    /** A new tensor of this dtype and device with another shape, filled with value. */
    public Tensor newFull(double value, int... shape) { return Creation.full(dtype(), device(), value, shape); }

    // ---------------------------------------------------------------- properties

    public Storage storage() { return storage; }
    public int[] shape() { return shape.clone(); }
    public int[] strides() { return strides.clone(); }
    public int offset() { return offset; }
    public int rank() { return shape.length; }
    public DType dtype() { return storage.dtype(); }
    public Device device() { return storage.device(); }
    public int numel() { return Shape.numel(shape); }

    /** Size of one dim (negative counts from the end). */
    public int size(int dim) { return shape[Shape.dim("size", dim, shape.length)]; }
    /** Stride of one dim (negative counts from the end). */
    public int stride(int dim) { return strides[Shape.dim("stride", dim, shape.length)]; }

    /** True when elements are laid out row-major with no gaps (so a flat loop visits them in order). */
    public boolean isContiguous() { return Shape.isContiguous(shape, strides); }

    /** True if this view has exactly the given shape. */
    public boolean hasShape(int... s) { return Arrays.equals(shape, s); }

    /** Storage index of an element. */
    public int index(int... idx) {
        if (idx.length != shape.length)
            throw new IllegalArgumentException("index: " + idx.length + " indices for a tensor of shape " + Shape.str(shape));
        int p = offset;
        for (int i = 0; i < idx.length; i++) {
            int k = idx[i] < 0 ? idx[i] + shape[i] : idx[i];
            if (k < 0 || k >= shape[i])
                throw new IndexOutOfBoundsException("index: " + idx[i] + " out of range for dim " + i + " of shape " + Shape.str(shape));
            p += k * strides[i];
        }
        return p;
    }

    // ---------------------------------------------------------------- host transfer

    /** The elements in row-major order as floats (copies; transfers from the device if needed). */
    public float[] toFloatArray() {
        float[] out = new float[numel()];
        if (dtype() == DType.FLOAT32) device().backend().download(this, out);
        else {
            double[] d = toDoubleArray();
            for (int i = 0; i < d.length; i++) out[i] = (float) d[i];
        }
        return out;
    }

    /** The elements in row-major order as doubles (copies; transfers from the device if needed). */
    public double[] toDoubleArray() {
        double[] out = new double[numel()];
        if (dtype() == DType.FLOAT64) device().backend().download(this, out);
        else {
            float[] f = toFloatArray();
            for (int i = 0; i < f.length; i++) out[i] = f[i];
        }
        return out;
    }

    /** One element as a double. */
    public double get(int... idx) {
        return select0(idx).toDoubleArray()[0];
    }

    private Tensor select0(int... idx) {
        return new Tensor(storage, new int[0], new int[0], index(idx));
    }

    /** The value of a one-element tensor. */
    public double item() {
        if (numel() != 1)
            throw new IllegalArgumentException("item: tensor of shape " + Shape.str(shape) + " has " + numel() + " elements, not 1");
        return toDoubleArray()[0];
    }

    /** This tensor in another dtype (a copy), or itself if it already has it. */
    public Tensor to(DType dtype) {
        if (dtype == dtype()) return this;
        Tensor out = Creation.empty(dtype, device(), shape);
        device().backend().copy(this, out);
        return out;
    }

    /** This tensor on another device (a copy), or itself if it is already there. */
    public Tensor to(Device target) {
        if (target == device()) return this;
        Storage s = dtype() == DType.FLOAT32 ? target.backend().upload(toFloatArray())
                : target.backend().upload(toDoubleArray());
        return new Tensor(s, shape);
    }

    /** A contiguous copy (always new storage). */
    public Tensor copy() {
        // the backend's copy writes every element, so the storage need not be zero-filled first
        Tensor out = new Tensor(device().backend().allocateUnfilled(dtype(), Shape.numel(shape)), shape);
        device().backend().copy(this, out);
        return out;
    }

    /** This tensor if already contiguous, otherwise a contiguous copy. */
    public Tensor contiguous() {
        return isContiguous() ? this : copy();
    }

    // ---------------------------------------------------------------- views (no copies; see Views)

    public Tensor view(int... newShape) { return Views.view(this, newShape); }
    /** A view if the strides allow it, otherwise a contiguous copy with the new shape. -1 infers one size. */
    public Tensor reshape(int... newShape) { return Views.reshape(this, newShape); }
    public Tensor flatten() { return reshape(-1); }
    public Tensor permute(int... order) { return Views.permute(this, order); }
    public Tensor transpose(int d0, int d1) { return Views.transpose(this, d0, d1); }
    /** The matrix transpose of a 2-d tensor (the last two dims of a batch). */
    public Tensor t() { return transpose(-2, -1); }
    /** Elements start..start+length-1 of one dim. */
    public Tensor narrow(int dim, int start, int length) { return Views.slice(this, dim, start, start + length, 1); }
    /** Python's {@code x[start:end:step]} along one dim; negative start/end count from the end. */
    public Tensor slice(int dim, int start, int end, int step) { return Views.slice(this, dim, start, end, step); }
    /** Index one dim away: rank drops by one. */
    public Tensor select(int dim, int index) { return Views.select(this, dim, index); }
    /** Broadcasts size-1 dims (stride 0) and prepends dims; -1 keeps a size. */
    public Tensor expand(int... newShape) { return Views.expand(this, newShape); }
    public Tensor broadcastTo(int... newShape) { return Views.expand(this, newShape); }
    /** Removes all size-1 dims. */
    public Tensor squeeze() { return Views.squeeze(this); }
    /** Removes one size-1 dim. */
    public Tensor squeeze(int dim) { return Views.squeeze(this, dim); }
    /** Inserts a size-1 dim at position dim (0..rank; negative counts from the end as in PyTorch). */
    public Tensor unsqueeze(int dim) { return Views.unsqueeze(this, dim); }

    // ---------------------------------------------------------------- elementwise (see Ops)

    public Tensor map(UnaryOp op) { return Ops.map(op, this, 0, 0); }
    public Tensor neg() { return Ops.map(UnaryOp.NEG, this, 0, 0); }
    public Tensor abs() { return Ops.map(UnaryOp.ABS, this, 0, 0); }
    public Tensor exp() { return Ops.map(UnaryOp.EXP, this, 0, 0); }
    public Tensor log() { return Ops.map(UnaryOp.LOG, this, 0, 0); }
    public Tensor sqrt() { return Ops.map(UnaryOp.SQRT, this, 0, 0); }
    public Tensor rsqrt() { return Ops.map(UnaryOp.RSQRT, this, 0, 0); }
    public Tensor sin() { return Ops.map(UnaryOp.SIN, this, 0, 0); }
    public Tensor cos() { return Ops.map(UnaryOp.COS, this, 0, 0); }
    public Tensor tanh() { return Ops.map(UnaryOp.TANH, this, 0, 0); }
    public Tensor sigmoid() { return Ops.map(UnaryOp.SIGMOID, this, 0, 0); }
    public Tensor relu() { return Ops.map(UnaryOp.RELU, this, 0, 0); }
    public Tensor square() { return Ops.map(UnaryOp.SQUARE, this, 0, 0); }
    public Tensor reciprocal() { return Ops.map(UnaryOp.RECIPROCAL, this, 0, 0); }
    public Tensor sign() { return Ops.map(UnaryOp.SIGN, this, 0, 0); }
    public Tensor gelu() { return Ops.map(UnaryOp.GELU, this, 0, 0); }
    public Tensor leakyRelu(double slope) { return Ops.map(UnaryOp.LEAKY_RELU, this, slope, 0); }
    public Tensor pow(double exponent) { return Ops.map(UnaryOp.POW, this, exponent, 0); }
    public Tensor clamp(double min, double max) { return Ops.map(UnaryOp.CLAMP, this, min, max); }
    public Tensor add(double s) { return Ops.map(UnaryOp.ADD_SCALAR, this, s, 0); }
    public Tensor sub(double s) { return Ops.map(UnaryOp.ADD_SCALAR, this, -s, 0); }
    public Tensor mul(double s) { return Ops.map(UnaryOp.MUL_SCALAR, this, s, 0); }
    public Tensor div(double s) { return Ops.map(UnaryOp.MUL_SCALAR, this, 1.0 / s, 0); }

    public Tensor zip(BinaryOp op, Tensor other) { return Ops.zip(op, this, other); }
    public Tensor add(Tensor o) { return Ops.zip(BinaryOp.ADD, this, o); }
    public Tensor sub(Tensor o) { return Ops.zip(BinaryOp.SUB, this, o); }
    public Tensor mul(Tensor o) { return Ops.zip(BinaryOp.MUL, this, o); }
    public Tensor div(Tensor o) { return Ops.zip(BinaryOp.DIV, this, o); }
    public Tensor pow(Tensor o) { return Ops.zip(BinaryOp.POW, this, o); }
    public Tensor maximum(Tensor o) { return Ops.zip(BinaryOp.MAX, this, o); }
    public Tensor minimum(Tensor o) { return Ops.zip(BinaryOp.MIN, this, o); }
    public Tensor eq(Tensor o) { return Ops.zip(BinaryOp.EQ, this, o); }
    public Tensor ne(Tensor o) { return Ops.zip(BinaryOp.NE, this, o); }
    public Tensor lt(Tensor o) { return Ops.zip(BinaryOp.LT, this, o); }
    public Tensor le(Tensor o) { return Ops.zip(BinaryOp.LE, this, o); }
    public Tensor gt(Tensor o) { return Ops.zip(BinaryOp.GT, this, o); }
    public Tensor ge(Tensor o) { return Ops.zip(BinaryOp.GE, this, o); }
    /** ReLU's backward pass, fused: this (a gradient) where {@code input > 0}, else 0 ({@link BinaryOp#RELU_BACKWARD}). */
    public Tensor reluBackward(Tensor input) { return Ops.zip(BinaryOp.RELU_BACKWARD, this, input); }
    /** Elementwise choice: this != 0 ? a : b, all three broadcast together. */
    public Tensor where(Tensor a, Tensor b) { return Ops.where(this, a, b); }

    // ---------------------------------------------------------------- reductions (dims empty = all dims)

    public Tensor sum(int... dims) { return Ops.reduce(ReduceOp.SUM, this, dims, false); }
    public Tensor sum(int[] dims, boolean keepDim) { return Ops.reduce(ReduceOp.SUM, this, dims, keepDim); }
    public Tensor mean(int... dims) { return Ops.reduce(ReduceOp.MEAN, this, dims, false); }
    public Tensor mean(int[] dims, boolean keepDim) { return Ops.reduce(ReduceOp.MEAN, this, dims, keepDim); }
    public Tensor max(int... dims) { return Ops.reduce(ReduceOp.MAX, this, dims, false); }
    public Tensor max(int[] dims, boolean keepDim) { return Ops.reduce(ReduceOp.MAX, this, dims, keepDim); }
    public Tensor min(int... dims) { return Ops.reduce(ReduceOp.MIN, this, dims, false); }
    public Tensor min(int[] dims, boolean keepDim) { return Ops.reduce(ReduceOp.MIN, this, dims, keepDim); }
    /** Index of the first maximum along one dim. */
    public Tensor argmax(int dim, boolean keepDim) { return Ops.reduce(ReduceOp.ARGMAX, this, new int[] {dim}, keepDim); }
    /** Index of the first maximum over all elements (row-major position). */
    public Tensor argmax() { return Ops.reduce(ReduceOp.ARGMAX, this, new int[0], false); }
    public Tensor argmin(int dim, boolean keepDim) { return Ops.reduce(ReduceOp.ARGMIN, this, new int[] {dim}, keepDim); }
    /** Variance; {@code unbiased} divides by n-1 (Bessel) instead of n. */
    public Tensor var(int[] dims, boolean unbiased, boolean keepDim) { return Ops.var(this, dims, unbiased, keepDim); }

    // ---------------------------------------------------------------- matmul, softmax, joining

    /** Matrix product with NumPy/PyTorch rules: 1-d, 2-d and batched operands, batch dims broadcast. */
    public Tensor matmul(Tensor o) { return Ops.matmul(this, o); }
    public Tensor softmax(int dim) { return Ops.softmax(this, dim, false); }
    public Tensor logSoftmax(int dim) { return Ops.softmax(this, dim, true); }
    public Tensor logSumExp(int dim, boolean keepDim) { return Ops.logSumExp(this, dim, keepDim); }
    /** Joins tensors along an existing dim. */
    public static Tensor cat(int dim, Tensor... ts) { return Ops.cat(dim, ts); }
    /** Joins tensors along a new dim. */
    public static Tensor stack(int dim, Tensor... ts) { return Ops.stack(dim, ts); }

    // ---------------------------------------------------------------- in-place (optimisers, gradient accumulation)

    /** this += o (o broadcast to this shape). */
    public Tensor addInPlace(Tensor o) { return Ops.zipInPlace(BinaryOp.ADD, this, o); }
    /** this -= o. */
    public Tensor subInPlace(Tensor o) { return Ops.zipInPlace(BinaryOp.SUB, this, o); }
    /** this *= o. */
    public Tensor mulInPlace(Tensor o) { return Ops.zipInPlace(BinaryOp.MUL, this, o); }
    /** this *= s. */
    public Tensor mulInPlace(double s) { return Ops.mapInPlace(UnaryOp.MUL_SCALAR, this, s); }
    /** this += s. */
    public Tensor addInPlace(double s) { return Ops.mapInPlace(UnaryOp.ADD_SCALAR, this, s); }
    /** this = max(this, 0). */
    public Tensor reluInPlace() { return Ops.mapInPlace(UnaryOp.RELU, this, 0); }
    /** Copies o (broadcast, dtype converted) into this view. */
    public Tensor copyFrom(Tensor o) { return Ops.copyInto(this, o); }
    /** Sets every element of this view. */
    public Tensor fill(double value) { return Ops.fillInPlace(this, value); }

    // ---------------------------------------------------------------- comparison and printing

    /** NumPy's allclose: same shape and |a-b| <= atol + rtol*|b| everywhere (NaNs never equal). */
    public boolean allClose(Tensor o, double rtol, double atol) { return Format.allClose(this, o, rtol, atol); }
    public boolean allClose(Tensor o) { return allClose(o, 1e-5, 1e-8); }

    /** NumPy-like text, truncated with "..." for large tensors. */
    @Override
    public String toString() { return Format.format(this); }
}

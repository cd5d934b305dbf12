package gradwerk.tensor.cpu;

import gradwerk.tensor.DType;
import gradwerk.tensor.Device;
import gradwerk.tensor.Storage;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.TensorScope;

/** Storage in a Java array on the heap: {@code float[]} for float32, {@code double[]} for float64. */
public final class CpuStorage extends Storage {
    private float[] floats; // null once released
    private double[] doubles;
    private boolean allocated; // by allocate: nobody else holds the array, so a release may hand it on

    public CpuStorage(float[] data) {
        this(data, data.length);
    }

    public CpuStorage(double[] data) {
        this(data, data.length);
    }

    /** The first {@code length} elements of {@code data} (a pooled array may be longer than the storage). */
    CpuStorage(float[] data, int length) {
        super(DType.FLOAT32, length);
        this.floats = data;
        this.doubles = null;
    }

    CpuStorage(double[] data, int length) {
        super(DType.FLOAT64, length);
        this.floats = null;
        this.doubles = data;
    }

    /**
     * A storage from the {@link ArrayPool} when it has an array of this size, owned by the current scope; zero-filled,
     * or with {@code zeroed} false left as the last user wrote it (for outputs that a kernel writes in full).
     */
    static CpuStorage allocate(DType dtype, int length, boolean zeroed) {
        CpuStorage s = dtype == DType.FLOAT32 ? new CpuStorage(ArrayPool.floats(length, zeroed), length)
                : new CpuStorage(ArrayPool.doubles(length, zeroed), length);
        s.allocated = true;
        TensorScope.track(s);
        return s;
    }

    @Override
    protected void recycle() {
        if (allocated) ArrayPool.give(floats != null ? floats : doubles); // an uploaded array may be the caller's
        floats = null;
        doubles = null;
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    /**
     * The backing array of a float32 storage (shared, not copied). It may be longer than {@link #length()} (the
     * pool reuses a slightly longer array): kernels index it with the tensor's offset and strides, never its length.
     */
    public float[] floats() {
        if (floats == null) throw missing("float[]");
        return floats;
    }

    /** The backing array of a float64 storage (shared, not copied). */
    public double[] doubles() {
        if (doubles == null) throw missing("double[]");
        return doubles;
    }

    private IllegalStateException missing(String array) {
        return new IllegalStateException(isReleased() ? TensorScope.releasedMessage("CpuStorage: this " + dtype()
                + " storage of " + length() + " elements") : "CpuStorage: " + dtype() + " storage has no " + array);
    }

    double get(int i) {
        return floats != null ? floats[i] : doubles()[i];
    }

    void set(int i, double v) {
        if (floats != null) floats[i] = (float) v;
        else doubles()[i] = v;
    }

    /** The float[] behind a CPU float32 tensor (kernels then index it with the tensor's strides and offset). */
    public static float[] floats(Tensor t) {
        return cpu(t).floats();
    }

    /** The double[] behind a CPU float64 tensor. */
    public static double[] doubles(Tensor t) {
        return cpu(t).doubles();
    }

    static CpuStorage cpu(Tensor t) {
        if (!(t.storage() instanceof CpuStorage s))
            throw new IllegalArgumentException("cpu kernel: tensor lives on " + t.device() + ", not the cpu");
        return s;
    }
}

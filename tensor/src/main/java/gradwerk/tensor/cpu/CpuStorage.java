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
        super(DType.FLOAT32, data.length);
        this.floats = data;
        this.doubles = null;
    }

    public CpuStorage(double[] data) {
        super(DType.FLOAT64, data.length);
        this.floats = null;
        this.doubles = data;
    }

    /**
     * A storage from the {@link ArrayPool} when it has an array of this size, owned by the current scope; zero-filled,
     * or with {@code zeroed} false left as the last user wrote it (for outputs that a kernel writes in full).
     */
    static CpuStorage allocate(DType dtype, int length, boolean zeroed) {
        CpuStorage s = dtype == DType.FLOAT32 ? new CpuStorage(ArrayPool.floats(length, zeroed))
                : new CpuStorage(ArrayPool.doubles(length, zeroed));
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

    /** The backing array of a float32 storage (shared, not copied). */
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

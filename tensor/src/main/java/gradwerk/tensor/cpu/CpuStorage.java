package gradwerk.tensor.cpu;

import gradwerk.tensor.DType;
import gradwerk.tensor.Device;
import gradwerk.tensor.Storage;
import gradwerk.tensor.Tensor;

/** Storage in a Java array on the heap: {@code float[]} for float32, {@code double[]} for float64. */
public final class CpuStorage extends Storage {
    private final float[] floats;
    private final double[] doubles;

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

    static CpuStorage allocate(DType dtype, int length) {
        return dtype == DType.FLOAT32 ? new CpuStorage(new float[length]) : new CpuStorage(new double[length]);
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    /** The backing array of a float32 storage (shared, not copied). */
    public float[] floats() {
        if (floats == null) throw new IllegalStateException("CpuStorage: float64 storage has no float[]");
        return floats;
    }

    /** The backing array of a float64 storage (shared, not copied). */
    public double[] doubles() {
        if (doubles == null) throw new IllegalStateException("CpuStorage: float32 storage has no double[]");
        return doubles;
    }

    double get(int i) {
        return floats != null ? floats[i] : doubles[i];
    }

    void set(int i, double v) {
        if (floats != null) floats[i] = (float) v;
        else doubles[i] = v;
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

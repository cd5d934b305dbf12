package gradwerk.tensor.opencl;

import gradwerk.tensor.DType;

/** The element types OpenCL kernels are compiled for: each typed {@code .cl} file is built once per type. */
public enum ClType {
    FLOAT(4, "float"),
    DOUBLE(8, "double");

    private final int bytes;
    private final String cName;

    ClType(int bytes, String cName) {
        this.bytes = bytes;
        this.cName = cName;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The OpenCL C type name, the value of {@code -DREAL=...}. */
    public String cName() {
        return cName;
    }

    /** The kernel type of a tensor dtype. */
    public static ClType of(DType dtype) {
        return dtype == DType.FLOAT32 ? FLOAT : DOUBLE;
    }

    /** The tensor dtype of this kernel type. */
    public DType dtype() {
        return this == FLOAT ? DType.FLOAT32 : DType.FLOAT64;
    }

    /** A scalar kernel argument of this type: a {@code REAL} parameter must be set with exactly its size. */
    Object scalar(double v) {
        return this == FLOAT ? (Object) (float) v : (Object) v;
    }
}

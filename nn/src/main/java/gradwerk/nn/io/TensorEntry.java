package gradwerk.nn.io;

import gradwerk.tensor.DType;
import gradwerk.tensor.Shape;

/**
 * One tensor as a safetensors header describes it: its name, element type, shape, and where its bytes lie,
 * as {@code [begin, end)} offsets relative to the start of the data section (right after the header).
 */
public record TensorEntry(String name, DType dtype, int[] shape, long begin, long end) {
    public TensorEntry {
        shape = shape.clone();
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** Number of elements. */
    public int numel() {
        return Shape.numel(shape);
    }

    /** Size of the data in bytes. */
    public long byteLength() {
        return end - begin;
    }

    /** The safetensors name of the dtype, {@code F32} or {@code F64}. */
    public String dtypeName() {
        return SafeTensors.dtypeName(dtype);
    }

    @Override
    public String toString() {
        return name + " " + dtypeName() + " " + Shape.str(shape) + " [" + begin + ", " + end + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorEntry e && name.equals(e.name) && dtype == e.dtype
                && java.util.Arrays.equals(shape, e.shape) && begin == e.begin && end == e.end;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + java.util.Arrays.hashCode(shape);
    }
}

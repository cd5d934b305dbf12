package gradwerk.nn.io;

import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Bit-exact tensor comparison and test data for the io tests. */
final class Bits {
    private Bits() {}

    /** Raw bit patterns of a tensor's elements (row-major), so NaN payloads and -0.0 compare exactly. */
    static long[] of(Tensor t) {
        if (t.dtype() == DType.FLOAT32) {
            float[] f = t.toFloatArray();
            long[] out = new long[f.length];
            for (int i = 0; i < f.length; i++) out[i] = Float.floatToRawIntBits(f[i]) & 0xffffffffL;
            return out;
        }
        return Arrays.stream(t.toDoubleArray()).mapToLong(Double::doubleToRawLongBits).toArray();
    }

    static void assertIdentical(Tensor expected, Tensor actual, String name) {
        assertEquals(expected.dtype(), actual.dtype(), name + ": dtype");
        assertArrayEquals(expected.shape(), actual.shape(), name + ": shape");
        assertArrayEquals(of(expected), of(actual), name + ": bits");
    }

    /** Random normal data; float32 data is drawn in float64 and rounded, like any real weights. */
    static Tensor random(DType dtype, long seed, int... shape) {
        return Tensor.randn(DType.FLOAT64, new Generator(seed), shape).to(dtype);
    }
}

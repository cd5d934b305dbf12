package gradwerk.tutorials;

import gradwerk.tensor.cpu.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Chapter 3's first loop, five ways: the dot product {@code Σ x[i]·y[i]}, as a scalar loop and with the Vector API
 * (one accumulator and a scalar tail; a masked tail; four accumulators). The species is the library's
 * {@link Simd#F}, so {@code -Dgradwerk.simd.bits=128|256|512} changes the vector width here too.
 */
public final class SimdDot {
    /** A static final species: the JIT treats it as a constant, which the Vector API needs to emit SIMD code. */
    static final VectorSpecies<Float> S = Simd.F;

    private SimdDot() {}

    /** One multiply-add per element, each add waiting for the previous one. */
    public static float scalar(float[] x, float[] y, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) s += x[i] * y[i];
        return s;
    }

    /** The same, with four independent sums: four chains of adds the CPU can overlap. */
    public static float scalar4(float[] x, float[] y, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            s0 += x[i] * y[i];
            s1 += x[i + 1] * y[i + 1];
            s2 += x[i + 2] * y[i + 2];
            s3 += x[i + 3] * y[i + 3];
        }
        for (; i < n; i++) s0 += x[i] * y[i];
        return (s0 + s1) + (s2 + s3);
    }

    /** One vector accumulator: S.length() products per step; the last n % S.length() elements in a scalar tail. */
    public static float simd(float[] x, float[] y, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length())
            acc = FloatVector.fromArray(S, x, i).fma(FloatVector.fromArray(S, y, i), acc);
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += x[i] * y[i];
        return s;
    }

    /** The tail as one masked step: lanes past n are neither loaded nor added. */
    public static float simdMaskedTail(float[] x, float[] y, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length())
            acc = FloatVector.fromArray(S, x, i).fma(FloatVector.fromArray(S, y, i), acc);
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            acc = FloatVector.fromArray(S, x, i, m).fma(FloatVector.fromArray(S, y, i, m), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** Four vector accumulators, so that four FMAs are in flight at once (latency hiding). */
    public static float simd4(float[] x, float[] y, int n) {
        int l = S.length(), i = 0;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (int bound = n - n % (4 * l); i < bound; i += 4 * l) {
            a0 = FloatVector.fromArray(S, x, i).fma(FloatVector.fromArray(S, y, i), a0);
            a1 = FloatVector.fromArray(S, x, i + l).fma(FloatVector.fromArray(S, y, i + l), a1);
            a2 = FloatVector.fromArray(S, x, i + 2 * l).fma(FloatVector.fromArray(S, y, i + 2 * l), a2);
            a3 = FloatVector.fromArray(S, x, i + 3 * l).fma(FloatVector.fromArray(S, y, i + 3 * l), a3);
        }
        for (int bound = S.loopBound(n); i < bound; i += l)
            a0 = FloatVector.fromArray(S, x, i).fma(FloatVector.fromArray(S, y, i), a0);
        float s = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += x[i] * y[i];
        return s;
    }
}

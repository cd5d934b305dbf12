package gradwerk.tensor.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;

/**
 * Level-1 BLAS on runs of arrays: the dot product and {@code y += alpha·x}, in float and double, with the vector
 * width of {@link Simd} (plain loops when it is scalar). Used where a kernel combines whole rows at a time (the
 * grid_sample contractions, bilinear resizing).
 */
final class Blas1 {
    private Blas1() {}

    /** Σ_i a[ao+i]·b[bo+i], i < len; lanes summed in order (deterministic). */
    static float dot(float[] a, int ao, float[] b, int bo, int len) {
        float sum = 0;
        int i = 0;
        if (!Simd.SCALAR && len >= Simd.F.length()) {
            FloatVector acc = FloatVector.zero(Simd.F);
            for (int bound = Simd.F.loopBound(len); i < bound; i += Simd.F.length())
                acc = FloatVector.fromArray(Simd.F, a, ao + i).fma(FloatVector.fromArray(Simd.F, b, bo + i), acc);
            sum = Simd.sumLanes(acc);
        }
        for (; i < len; i++) sum += a[ao + i] * b[bo + i];
        return sum;
    }

    static double dot(double[] a, int ao, double[] b, int bo, int len) {
        double sum = 0;
        int i = 0;
        if (!Simd.SCALAR && len >= Simd.D.length()) {
            DoubleVector acc = DoubleVector.zero(Simd.D);
            for (int bound = Simd.D.loopBound(len); i < bound; i += Simd.D.length())
                acc = DoubleVector.fromArray(Simd.D, a, ao + i).fma(DoubleVector.fromArray(Simd.D, b, bo + i), acc);
            sum = Simd.sumLanes(acc);
        }
        for (; i < len; i++) sum += a[ao + i] * b[bo + i];
        return sum;
    }

    /** y[yo+i] += alpha·x[xo+i], i < len. */
    static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int len) {
        int i = 0;
        if (!Simd.SCALAR) {
            FloatVector a = FloatVector.broadcast(Simd.F, alpha);
            for (int bound = Simd.F.loopBound(len); i < bound; i += Simd.F.length())
                FloatVector.fromArray(Simd.F, x, xo + i).fma(a, FloatVector.fromArray(Simd.F, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < len; i++) y[yo + i] = Math.fma(alpha, x[xo + i], y[yo + i]); // fma: as the vector lanes round
    }

    static void axpy(double alpha, double[] x, int xo, double[] y, int yo, int len) {
        int i = 0;
        if (!Simd.SCALAR) {
            DoubleVector a = DoubleVector.broadcast(Simd.D, alpha);
            for (int bound = Simd.D.loopBound(len); i < bound; i += Simd.D.length())
                DoubleVector.fromArray(Simd.D, x, xo + i).fma(a, DoubleVector.fromArray(Simd.D, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < len; i++) y[yo + i] = Math.fma(alpha, x[xo + i], y[yo + i]);
    }
}

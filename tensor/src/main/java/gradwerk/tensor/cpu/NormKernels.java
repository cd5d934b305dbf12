package gradwerk.tensor.cpu;

import gradwerk.tensor.DType;
import gradwerk.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fast batch and group normalisation. The data is viewed as [N, C, L] rows of L contiguous numbers; everything
 * reduces to a few passes over rows: a sum, a sum of squared deviations (two passes, which is stable where
 * E[x²]-E[x]² is not), and one fused multiply-add pass that applies the normalisation and the affine map at once:
 * {@code out = (x - mean)*scale + bias} with {@code scale = weight*invstd}.
 *
 * <p>The backward passes use the same trick: per channel (batch norm) or group (group norm) the input gradient is
 * {@code A*g + B*(x - mean) + C} for three constants computed from two sums, so it is again one pass. (Keeping
 * {@code x - mean} explicit instead of folding the mean into C avoids cancellation when |mean| is large.)
 *
 * <p>Float rows use the Vector API (summing blocks of {@value #BLOCK} numbers in float lanes, then adding the
 * block sums in double, so long rows keep their precision); double rows, used by gradient checks, use plain loops.
 * Data far from zero with a small spread (mean -30, standard deviation 0.002) keep their precision: the mean is
 * summed from differences to one of the values ({@code sumShifted}), and in float rows it is subtracted as two
 * floats, its rounding to float and the remainder ({@code (x - m) - mLo}, x - m exact for x near m). With plain
 * float sums the mean of such a group was off by ~10⁻⁶, i.e. 3·10⁻⁴ of the normalised values.
 */
final class NormKernels {
    private NormKernels() {}

    static final int BLOCK = 1024;
    private static final VectorSpecies<Float> F = Simd.F;

    // ================================================================ batch norm

    static void batchNorm(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
                          boolean training, double momentum, double eps, Tensor out, Tensor saveMean,
                          Tensor saveInvstd) {
        Tensor xc = x.contiguous();
        int n0 = xc.size(0), c0 = xc.size(1), l0 = xc.size(2), count = n0 * l0, xo = xc.offset();
        double[] w = values(weight, c0, 1), b = values(bias, c0, 0);
        double[] rm = runningMean == null ? null : runningMean.toDoubleArray();
        double[] rv = runningVar == null ? null : runningVar.toDoubleArray();
        double[] mean = new double[c0], invstd = new double[c0], unbiased = new double[c0];
        Rows xs = new Rows(xc), os = new Rows(out);
        Parallel.forRange(c0, Math.max(1, 16384 / Math.max(1, count)), (ca, cb) -> {
            for (int c = ca; c < cb; c++) {
                if (training) {
                    double s = 0, ss = 0;
                    float shift = xs.first(xo + c * l0);
                    for (int n = 0; n < n0; n++) s += xs.sumShifted(xo + (n * c0 + c) * l0, l0, shift);
                    mean[c] = shift + s / count;
                    for (int n = 0; n < n0; n++) ss += xs.sumSqDev(xo + (n * c0 + c) * l0, l0, mean[c]);
                    invstd[c] = 1 / Math.sqrt(ss / count + eps);
                    unbiased[c] = ss / (count - 1);
                } else {
                    mean[c] = rm[c];
                    invstd[c] = 1 / Math.sqrt(rv[c] + eps);
                }
                double scale = w[c] * invstd[c];
                for (int n = 0; n < n0; n++)
                    xs.affine(xo + (n * c0 + c) * l0, l0, mean[c], scale, b[c], os, (n * c0 + c) * l0);
            }
        });
        store(saveMean, mean);
        store(saveInvstd, invstd);
        if (training && runningMean != null) {
            for (int c = 0; c < c0; c++) rm[c] = (1 - momentum) * rm[c] + momentum * mean[c];
            runningMean.copyFrom(Tensor.of(rm, c0).to(runningMean.dtype()));
        }
        if (training && runningVar != null) {
            for (int c = 0; c < c0; c++) rv[c] = (1 - momentum) * rv[c] + momentum * unbiased[c];
            runningVar.copyFrom(Tensor.of(rv, c0).to(runningVar.dtype()));
        }
    }

    static void batchNormBackward(Tensor gradOut, Tensor x, Tensor weight, Tensor saveMean, Tensor saveInvstd,
                                  boolean training, Tensor gradInput, Tensor gradWeight, Tensor gradBias) {
        Tensor xc = x.contiguous(), gc = gradOut.contiguous();
        int n0 = xc.size(0), c0 = xc.size(1), l0 = xc.size(2), count = n0 * l0, xo = xc.offset(), go = gc.offset();
        double[] w = values(weight, c0, 1), mean = saveMean.toDoubleArray(), invstd = saveInvstd.toDoubleArray();
        double[] sumG = new double[c0], sumGXhat = new double[c0];
        Rows xs = new Rows(xc), gs = new Rows(gc), is = gradInput == null ? null : new Rows(gradInput);
        Parallel.forRange(c0, Math.max(1, 16384 / Math.max(1, count)), (ca, cb) -> {
            for (int c = ca; c < cb; c++) {
                double sg = 0, sgx = 0;
                for (int n = 0; n < n0; n++) {
                    int r = (n * c0 + c) * l0;
                    sg += gs.sum(go + r, l0);
                    sgx += gs.dotCentered(go + r, xs, xo + r, l0, mean[c]);
                }
                sumG[c] = sg;
                sumGXhat[c] = sgx * invstd[c]; // sum of g*xhat, xhat = (x-mean)*invstd
                if (is == null) continue;
                // gradInput = w*invstd*(g - sumG/count - xhat*sumGXhat/count) = A*g + B*(x-mean) + C
                double a = w[c] * invstd[c];
                double bx = training ? -a * invstd[c] * sumGXhat[c] / count : 0;
                double k = training ? -a * sg / count : 0;
                for (int n = 0; n < n0; n++) {
                    int r = (n * c0 + c) * l0;
                    gs.combine(go + r, xs, xo + r, l0, mean[c], a, bx, k, is, r);
                }
            }
        });
        if (gradWeight != null) store(gradWeight, sumGXhat);
        if (gradBias != null) store(gradBias, sumG);
    }

    // ================================================================ group norm

    static void groupNorm(Tensor x, Tensor weight, Tensor bias, int groups, double eps, Tensor out, Tensor saveMean,
                          Tensor saveInvstd) {
        Tensor xc = x.contiguous();
        int n0 = xc.size(0), c0 = xc.size(1), l0 = xc.size(2), cg = c0 / groups, size = cg * l0, xo = xc.offset();
        double[] w = values(weight, c0, 1), b = values(bias, c0, 0);
        double[] mean = new double[n0 * groups], invstd = new double[n0 * groups];
        Rows xs = new Rows(xc), os = new Rows(out);
        Parallel.forRange(n0 * groups, Math.max(1, 16384 / Math.max(1, size)), (ga, gb) -> {
            for (int ng = ga; ng < gb; ng++) {
                int start = ng * size; // group g of sample n is one contiguous block: channels g*cg .. (g+1)*cg-1
                float shift = xs.first(xo + start);
                double m = shift + xs.sumShifted(xo + start, size, shift) / size;
                double inv = 1 / Math.sqrt(xs.sumSqDev(xo + start, size, m) / size + eps);
                mean[ng] = m;
                invstd[ng] = inv;
                for (int j = 0; j < cg; j++) {
                    int c = (ng % groups) * cg + j;
                    xs.affine(xo + start + j * l0, l0, m, w[c] * inv, b[c], os, start + j * l0);
                }
            }
        });
        store(saveMean, mean);
        store(saveInvstd, invstd);
    }

    static void groupNormBackward(Tensor gradOut, Tensor x, Tensor weight, Tensor saveMean, Tensor saveInvstd,
                                  int groups, Tensor gradInput, Tensor gradWeight, Tensor gradBias) {
        Tensor xc = x.contiguous(), gc = gradOut.contiguous();
        int n0 = xc.size(0), c0 = xc.size(1), l0 = xc.size(2), cg = c0 / groups, size = cg * l0;
        int xo = xc.offset(), go = gc.offset();
        double[] w = values(weight, c0, 1), mean = saveMean.toDoubleArray(), invstd = saveInvstd.toDoubleArray();
        double[] chanG = new double[n0 * c0], chanGXhat = new double[n0 * c0]; // per (n, c): sum g, sum g*xhat
        Rows xs = new Rows(xc), gs = new Rows(gc), is = gradInput == null ? null : new Rows(gradInput);
        Parallel.forRange(n0 * groups, Math.max(1, 16384 / Math.max(1, size)), (ga, gb) -> {
            for (int ng = ga; ng < gb; ng++) {
                int n = ng / groups, start = ng * size;
                double m = mean[ng], inv = invstd[ng], sumD = 0, sumDX = 0;
                for (int j = 0; j < cg; j++) {
                    int c = (ng % groups) * cg + j, r = start + j * l0;
                    double sg = gs.sum(go + r, l0), sgx = gs.dotCentered(go + r, xs, xo + r, l0, m);
                    chanG[n * c0 + c] = sg;
                    chanGXhat[n * c0 + c] = sgx * inv;
                    sumD += w[c] * sg;
                    sumDX += w[c] * chanGXhat[n * c0 + c];
                }
                if (is == null) continue;
                // gradInput = inv*(w_c*g - sumD/size - xhat*sumDX/size) = (inv*w_c)*g + B*(x-mean) + C
                double bx = -inv * inv * sumDX / size, k = -inv * sumD / size;
                for (int j = 0; j < cg; j++) {
                    int c = (ng % groups) * cg + j, r = start + j * l0;
                    gs.combine(go + r, xs, xo + r, l0, m, inv * w[c], bx, k, is, r);
                }
            }
        });
        double[] gw = new double[c0], gbias = new double[c0];
        for (int n = 0; n < n0; n++)
            for (int c = 0; c < c0; c++) {
                gw[c] += chanGXhat[n * c0 + c];
                gbias[c] += chanG[n * c0 + c];
            }
        if (gradWeight != null) store(gradWeight, gw);
        if (gradBias != null) store(gradBias, gbias);
    }

    // ================================================================ helpers

    /** A small per-channel tensor as doubles, or {@code fill} everywhere when it is null. */
    private static double[] values(Tensor t, int n, double fill) {
        if (t != null) return t.toDoubleArray();
        double[] d = new double[n];
        java.util.Arrays.fill(d, fill);
        return d;
    }

    /** Writes doubles into a fresh contiguous tensor of either dtype. */
    private static void store(Tensor t, double[] v) {
        if (t.dtype() == DType.FLOAT32) {
            float[] a = CpuStorage.floats(t);
            for (int i = 0; i < v.length; i++) a[t.offset() + i] = (float) v[i];
        } else System.arraycopy(v, 0, CpuStorage.doubles(t), t.offset(), v.length);
    }

    /** The row operations on one tensor's array, float (vectorised) or double. */
    private static final class Rows {
        final float[] f;
        final double[] d;

        Rows(Tensor t) {
            f = t.dtype() == DType.FLOAT32 ? CpuStorage.floats(t) : null;
            d = f == null ? CpuStorage.doubles(t) : null;
        }

        /** Σ this[off+i], i &lt; n: float blocks of {@code BLOCK} summed in double ({@link #sumShifted} with no shift). */
        double sum(int off, int n) {
            return sumShifted(off, n, 0f);
        }

        /** this[off], as a float: the shift for {@link #sumShifted}. */
        float first(int off) {
            return d != null ? (float) d[off] : f[off];
        }

        /**
         * Σ (this[off+i] - shift). For a mean: with the shift one of the values, the float lanes add differences
         * that are formed exactly when the values lie close together, so data far from zero with a small spread
         * (mean -30, spread 0.01) do not lose their mean to the rounding of -30-sized partial sums.
         */
        double sumShifted(int off, int n, float shift) {
            if (d != null) {
                double s = 0;
                for (int i = 0; i < n; i++) s += d[off + i] - shift;
                return s;
            }
            double total = 0;
            for (int b = 0; b < n; b += BLOCK) {
                int end = Math.min(n, b + BLOCK), i = b;
                float s = 0;
                if (!Simd.SCALAR) {
                    FloatVector acc = FloatVector.zero(F);
                    for (; i <= end - F.length(); i += F.length())
                        acc = acc.add(FloatVector.fromArray(F, f, off + i).sub(shift));
                    s = Simd.sumLanes(acc);
                }
                for (; i < end; i++) s += f[off + i] - shift;
                total += s;
            }
            return total;
        }

        double sumSqDev(int off, int n, double mean) {
            if (d != null) {
                double s = 0;
                for (int i = 0; i < n; i++) s += (d[off + i] - mean) * (d[off + i] - mean);
                return s;
            }
            double total = 0;
            float m = (float) mean, mLo = (float) (mean - m);
            for (int b = 0; b < n; b += BLOCK) {
                int end = Math.min(n, b + BLOCK), i = b;
                float s = 0;
                if (!Simd.SCALAR) {
                    FloatVector acc = FloatVector.zero(F);
                    for (; i <= end - F.length(); i += F.length()) {
                        FloatVector dv = FloatVector.fromArray(F, f, off + i).sub(m).sub(mLo);
                        acc = dv.fma(dv, acc);
                    }
                    s = Simd.sumLanes(acc);
                }
                for (; i < end; i++) s += (f[off + i] - m - mLo) * (f[off + i] - m - mLo);
                total += s;
            }
            return total;
        }

        /** Sum of this[off+i] * (o[oOff+i] - center). */
        double dotCentered(int off, Rows o, int oOff, int n, double center) {
            if (d != null) {
                double s = 0;
                for (int i = 0; i < n; i++) s += d[off + i] * (o.d[oOff + i] - center);
                return s;
            }
            double total = 0;
            float m = (float) center, mLo = (float) (center - m);
            for (int b = 0; b < n; b += BLOCK) {
                int end = Math.min(n, b + BLOCK), i = b;
                float s = 0;
                if (!Simd.SCALAR) {
                    FloatVector acc = FloatVector.zero(F);
                    for (; i <= end - F.length(); i += F.length())
                        acc = FloatVector.fromArray(F, f, off + i).fma(FloatVector.fromArray(F, o.f, oOff + i).sub(m).sub(mLo), acc);
                    s = Simd.sumLanes(acc);
                }
                for (; i < end; i++) s += f[off + i] * (o.f[oOff + i] - m - mLo);
                total += s;
            }
            return total;
        }

        /** out[oOff+i] = (this[off+i] - center)*scale + shift. */
        void affine(int off, int n, double center, double scale, double shift, Rows out, int oOff) {
            if (d != null) {
                for (int i = 0; i < n; i++) out.d[oOff + i] = (d[off + i] - center) * scale + shift;
                return;
            }
            float m = (float) center, mLo = (float) (center - m), a = (float) scale, b = (float) shift;
            int i = 0;
            if (!Simd.SCALAR)
                for (; i <= n - F.length(); i += F.length())
                    FloatVector.fromArray(F, f, off + i).sub(m).sub(mLo).fma(a, b).intoArray(out.f, oOff + i);
            for (; i < n; i++) out.f[oOff + i] = (f[off + i] - m - mLo) * a + b;
        }

        /** out[oOff+i] = a*this[off+i] + bx*(x[xOff+i] - center) + k. */
        void combine(int off, Rows x, int xOff, int n, double center, double a, double bx, double k, Rows out, int oOff) {
            if (d != null) {
                for (int i = 0; i < n; i++) out.d[oOff + i] = a * d[off + i] + bx * (x.d[xOff + i] - center) + k;
                return;
            }
            float m = (float) center, mLo = (float) (center - m), fa = (float) a, fb = (float) bx, fk = (float) k;
            int i = 0;
            if (!Simd.SCALAR)
                for (; i <= n - F.length(); i += F.length()) {
                    FloatVector xv = FloatVector.fromArray(F, x.f, xOff + i).sub(m).sub(mLo);
                    FloatVector.fromArray(F, f, off + i).mul(fa).add(xv.fma(fb, fk)).intoArray(out.f, oOff + i);
                }
            for (; i < n; i++) out.f[oOff + i] = fa * f[off + i] + ((x.f[xOff + i] - m - mLo) * fb + fk);
        }
    }
}

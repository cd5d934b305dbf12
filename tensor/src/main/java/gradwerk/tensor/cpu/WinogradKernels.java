package gradwerk.tensor.cpu;

import gradwerk.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Winograd transforms of the 3×3 kernels, shared by F(4×4, 3×3) ({@link Winograd}, {@link WinogradWeight}) and
 * F(2×2, 3×3) ({@link Winograd2x2}), which differ only in the size n of a transformed kernel (6 or 4): the forward's
 * U = G g Gᵀ, and the weight gradient's way back, Gᵀ dU G, from the n × n sums over tiles to 3 × 3 kernels. The
 * tiles' own transforms are {@link WinogradTransforms}. As there, only arrays and offsets cross these methods'
 * boundaries, never vectors.
 */
final class WinogradKernels {
    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.SCALAR ? 1 : F.length();

    private WinogradKernels() {}

    // ================================================================ weights: U[ξ][o][i] = (G g Gᵀ)[ξ]

    /**
     * U[ξ][o][i] = (G g Gᵀ)[ξ] (n × n, n = 6 for F(4×4, 3×3), 4 for F(2×2, 3×3)) for every 3×3 kernel
     * g(o, i)[r][s] = w[off + o·wo + i·wi + r·wr + s·ws], packed for {@link ConvTiles#tileP} as
     * u[((ξ·mb + o/4)·c + i)·4 + o%4] (for o past m, zeros in a new array, and whatever was there in a reused
     * one: the products of those rows are computed but never read). Vector code: a vector holds the kernels of 4
     * output channels × L/4 input channels, which is exactly L consecutive floats of u; its 9 taps are gathered from w
     * (any strides: the input gradient passes transposed, flipped weights). Kernels left over (o past the last whole
     * block of 4, input channels past the last whole vector) are done one at a time with the same arithmetic.
     *
     * <p>U is written into {@code reuse} when that is large enough (the calling thread's
     * {@link Winograd.Workspace#u}), else into a new array; either is returned. A fresh array costs as much as
     * the transform itself: 0.20 of 0.37 ms for 256 × 128 kernels (2 MB) on the AVX-512 Xeon, in every forward.
     */
    static float[] transformWeights(float[] w, int off, int wo, int wi, int wr, int ws, int m, int c, int n,
                                    float[] reuse) {
        int mb = Math.ceilDiv(m, 4), cpv = L / 4, xiStep = mb * c * 4, size = n * n * xiStep;
        float[] u = Winograd.atLeast(reuse, size);
        int[] lanes = new int[L];
        for (int l = 0; l < L; l++) lanes[l] = l % 4 * wo + l / 4 * wi;
        Parallel.forRange(mb, Math.max(1, 1024 / c), (b0, b1) -> {
            float[] sv = new float[(9 + 3 * n) * L], g = new float[9], gg = new float[3 * n], row = new float[n];
            int ggAt = 9 * L;                                   // sv: the 9 taps, then G g (n rows x 3 columns)
            for (int ob = b0; ob < b1; ob++) {
                int o0 = 4 * ob, i = 0;
                if (o0 + 4 <= m && cpv > 0)
                    for (; i + cpv <= c; i += cpv) {
                        int base = off + o0 * wo + i * wi;
                        for (int r = 0; r < 3; r++)
                            for (int col = 0; col < 3; col++)
                                FloatVector.fromArray(F, w, base + r * wr + col * ws, lanes, 0)
                                        .intoArray(sv, (r * 3 + col) * L);
                        for (int col = 0; col < 3; col++)           // G g: column col → column col of gg
                            gVectors(n, sv, col * L, (3 + col) * L, (6 + col) * L, sv, ggAt + col * L, 3 * L);
                        for (int k = 0; k < n; k++)                  // (G g) Gᵀ: row k of gg → U[k·n + q]
                            gVectors(n, sv, ggAt + 3 * k * L, ggAt + (3 * k + 1) * L, ggAt + (3 * k + 2) * L, u,
                                    ((k * n * mb + ob) * c + i) * 4, xiStep);
                    }
                for (; i < c; i++)
                    for (int o = o0; o < Math.min(o0 + 4, m); o++) {
                        int base = off + o * wo + i * wi;
                        for (int r = 0; r < 3; r++)
                            for (int col = 0; col < 3; col++) g[r * 3 + col] = w[base + r * wr + col * ws];
                        for (int col = 0; col < 3; col++) {
                            gScalars(n, g[col], g[3 + col], g[6 + col], row);
                            for (int k = 0; k < n; k++) gg[k * 3 + col] = row[k];
                        }
                        for (int k = 0; k < n; k++) {
                            gScalars(n, gg[k * 3], gg[k * 3 + 1], gg[k * 3 + 2], row);
                            for (int q = 0; q < n; q++) u[(((k * n + q) * mb + ob) * c + i) * 4 + o % 4] = row[q];
                        }
                    }
            }
        });
        return u;
    }

    /**
     * G x for the vectors x[a0], x[a1], x[a2], written to y[to + k·step], k &lt; n. F(4×4, 3×3), n = 6:
     * (x0/4, -(x0+x1+x2)/6, -(x0-x1+x2)/6, x0/24 + x1/12 + x2/6, x0/24 - x1/12 + x2/6, x2);
     * F(2×2, 3×3), n = 4: (x0, (x0+x1+x2)/2, (x0-x1+x2)/2, x2).
     */
    private static void gVectors(int n, float[] x, int a0, int a1, int a2, float[] y, int to, int step) {
        FloatVector x0 = FloatVector.fromArray(F, x, a0), x1 = FloatVector.fromArray(F, x, a1);
        FloatVector x2 = FloatVector.fromArray(F, x, a2), even = x0.add(x2);
        if (n == 4) {
            x0.intoArray(y, to);
            even.add(x1).mul(0.5f).intoArray(y, to + step);
            even.sub(x1).mul(0.5f).intoArray(y, to + 2 * step);
            x2.intoArray(y, to + 3 * step);
            return;
        }
        FloatVector a = x0.div(24f).add(x2.div(6f)), b = x1.div(12f);
        x0.div(4f).intoArray(y, to);
        even.add(x1).div(-6f).intoArray(y, to + step);
        even.sub(x1).div(-6f).intoArray(y, to + 2 * step);
        a.add(b).intoArray(y, to + 3 * step);
        a.sub(b).intoArray(y, to + 4 * step);
        x2.intoArray(y, to + 5 * step);
    }

    /** {@link #gVectors} for single values, y[0..n). */
    private static void gScalars(int n, float x0, float x1, float x2, float[] y) {
        float even = x0 + x2;
        if (n == 4) {
            y[0] = x0;
            y[1] = (even + x1) * 0.5f;
            y[2] = (even - x1) * 0.5f;
            y[3] = x2;
            return;
        }
        float a = x0 / 24f + x2 / 6f, b = x1 / 12f;
        y[0] = x0 / 4f;
        y[1] = (even + x1) / -6f;
        y[2] = (even - x1) / -6f;
        y[3] = a + b;
        y[4] = a - b;
        y[5] = x2;
    }

    // ================================================================ weight gradient: Gᵀ dU G

    /**
     * gw[0, o, (ch·3 + i)·3 + j] += (Gᵀ dU[o, ch] G)[i][j] for every output channel o &lt; m and input channel ch &lt; c:
     * the n × n sums over tiles back to 3 × 3 kernels (n = 6: F(4×4), 4: F(2×2)). dU is the sum of the per-thread
     * parts, added in their order as they are read; dU[ξ] lie duXi apart, rows of cq input channels (cq a multiple
     * of 2L, zeros past c). Vector code over L input channels at a time.
     */
    static void kernelGradient(int n, float[][] parts, int duXi, int cq, int m, int c, Tensor gw) {
        float[] g0 = CpuStorage.floats(gw);
        int gOff = gw.offset(), gs1 = gw.stride(1), gs2 = gw.stride(2);
        Parallel.forRange(m, Math.max(1, 1024 / c), (o0, o1) -> {
            float[] t = new float[3 * n * L], r = new float[9 * L], z = new float[n * L];
            for (int o = o0; o < o1; o++)
                for (int ch = 0; ch < c; ch += L) {     // lanes past c are read (zeros), not written
                    int at = o * cq + ch;
                    for (int q = 0; q < n; q++) {       // Gᵀ down each column q: t[i][q]
                        for (int k = 0; k < n; k++) sumParts(parts, (q + k * n) * duXi + at, z, k * L);
                        gtVectors(n, z, 0, L, t, q * L, n * L);
                    }
                    for (int i = 0; i < 3; i++)         // then along each row: r[i][j]
                        gtVectors(n, t, i * n * L, L, r, i * 3 * L, L);
                    if (gs2 == 1 && ch + L <= c) {      // the L kernels' 9·L taps are contiguous in gw
                        int base = gOff + o * gs1 + ch * 9;
                        for (int v = 0; v < 9; v++)
                            FloatVector.fromArray(F, g0, base + v * L)
                                    .add(FloatVector.fromArray(F, r, 0, TAPS_BY_KERNEL, v * L))
                                    .intoArray(g0, base + v * L);
                        continue;
                    }
                    for (int l = 0; l < Math.min(L, c - ch); l++) {
                        int base = gOff + o * gs1 + (ch + l) * 9 * gs2;
                        for (int k = 0; k < 9; k++) g0[base + k * gs2] += r[k * L + l];
                    }
                }
        });
    }

    /** z[to .. to + L) = parts[0][at ..] + parts[1][at ..] + ..., added in that order. */
    private static void sumParts(float[][] parts, int at, float[] z, int to) {
        FloatVector s = FloatVector.fromArray(F, parts[0], at);
        for (int p = 1; p < parts.length; p++) s = s.add(FloatVector.fromArray(F, parts[p], at));
        s.intoArray(z, to);
    }

    /**
     * {@link #kernelGradient}'s r holds tap k of kernel l at r[k·L + l]; gw wants the L kernels one after the other,
     * tap k of kernel l at 9·l + k. Element e of that run is r[(e % 9)·L + e / 9]: gathered a vector at a time, so
     * the 9·L sums are added to gw with 9 vector loads and stores instead of 9·L scalar ones (which had taken most of
     * kernelGradient, itself 8-10 % of the 16² weight gradients on the AVX-512 Xeon).
     */
    private static final int[] TAPS_BY_KERNEL = new int[9 * L];
    static {
        for (int e = 0; e < 9 * L; e++) TAPS_BY_KERNEL[e] = e % 9 * L + e / 9;
    }

    /**
     * Gᵀ z for the vectors z_k = x[at + k·stride], k &lt; n (G as in {@link #gVectors}), written to y[to + j·step],
     * j = 0..2. n = 6: (z0/4 - (z1+z2)/6 + (z3+z4)/24, (z2-z1)/6 + (z3-z4)/12, -(z1+z2)/6 + (z3+z4)/6 + z5);
     * n = 4: (z0 + (z1+z2)/2, (z1-z2)/2, (z1+z2)/2 + z3).
     */
    private static void gtVectors(int n, float[] x, int at, int stride, float[] y, int to, int step) {
        FloatVector z0 = FloatVector.fromArray(F, x, at), z1 = FloatVector.fromArray(F, x, at + stride);
        FloatVector z2 = FloatVector.fromArray(F, x, at + 2 * stride), z3 = FloatVector.fromArray(F, x, at + 3 * stride);
        if (n == 4) {
            FloatVector a = z1.add(z2).mul(0.5f);
            z0.add(a).intoArray(y, to);
            z1.sub(z2).mul(0.5f).intoArray(y, to + step);
            a.add(z3).intoArray(y, to + 2 * step);
            return;
        }
        FloatVector z4 = FloatVector.fromArray(F, x, at + 4 * stride), z5 = FloatVector.fromArray(F, x, at + 5 * stride);
        FloatVector a = z1.add(z2), b = z2.sub(z1), s = z3.add(z4), d = z3.sub(z4);
        z0.div(4f).sub(a.div(6f)).add(s.div(24f)).intoArray(y, to);
        b.div(6f).add(d.div(12f)).intoArray(y, to + step);
        a.div(-6f).add(s.div(6f)).add(z5).intoArray(y, to + 2 * step);
    }
}

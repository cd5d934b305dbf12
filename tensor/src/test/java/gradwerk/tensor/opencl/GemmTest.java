package gradwerk.tensor.opencl;

import static gradwerk.tensor.opencl.OpenClTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The tiled matrix product against a plain triple loop: odd sizes, transposed and strided operands, batches. */
class GemmTest {
    /** C[b] = alpha * A[b]·B[b] + beta * C0[b]; also the sums of |terms|, which bound the rounding error. */
    static double[][] reference(double[] a, double[] b, double[] c0, int batch, boolean aShared, boolean bShared,
                                int m, int k, int n, double alpha, double beta) {
        double[] c = new double[batch * m * n], mag = new double[batch * m * n];
        for (int q = 0; q < batch; q++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0, sa = 0;
                    for (int p = 0; p < k; p++) {
                        double x = a[(aShared ? 0 : q * m * k) + i * k + p] * b[(bShared ? 0 : q * k * n) + p * n + j];
                        s += x;
                        sa += Math.abs(x);
                    }
                    int o = (q * m + i) * n + j;
                    c[o] = alpha * s + (beta == 0 ? 0 : beta * c0[o]);
                    mag[o] = Math.abs(alpha) * sa + (beta == 0 ? 0 : Math.abs(beta * c0[o]));
                }
        return new double[][] {c, mag};
    }

    private static void check(String what, ClType t, double[][] ref, double[] got, int k) {
        double[] want = ref[0], mag = ref[1];
        double eps = t == ClType.FLOAT ? 6e-8 : 1.2e-16;
        for (int i = 0; i < want.length; i++)
            if (Math.abs(got[i] - want[i]) > 4 * eps * (k + 2) * mag[i] + 1e-30)
                fail(what + ": [" + i + "] got " + got[i] + " want " + want[i]);
    }

    @Test
    void sizesAroundTheTileEdges() {
        OpenClContext ctx = context();
        Random rnd = new Random(1);
        int[] sizes = {1, 3, 16, 63, 64, 65, 130};
        for (ClType t : types(ctx))
            for (int m : sizes)
                for (int n : sizes)
                    for (int k : new int[] {1, 17, 64, 129}) {
                        if (m * n * k > 200_000 && m != n) continue; // keep the plain-Java reference quick
                        run(ctx, t, rnd, m, k, n, Kind.CONTIGUOUS, Kind.CONTIGUOUS, Kind.CONTIGUOUS, 1, false,
                                false, 1, 0);
                    }
    }

    @Test
    void transposedSteppedAndReversedOperands() {
        OpenClContext ctx = context();
        Random rnd = new Random(2);
        for (ClType t : types(ctx))
            for (Kind ka : Kind.values())
                for (Kind kb : Kind.values())
                    for (Kind kc : new Kind[] {Kind.CONTIGUOUS, Kind.TRANSPOSED, Kind.STEPPED})
                        run(ctx, t, rnd, 37, 70, 45, ka, kb, kc, 1, false, false, 1, 0);
    }

    @Test
    void batchedAndBroadcastBatches() {
        OpenClContext ctx = context();
        Random rnd = new Random(3);
        for (ClType t : types(ctx)) {
            run(ctx, t, rnd, 19, 33, 70, Kind.CONTIGUOUS, Kind.TRANSPOSED, Kind.CONTIGUOUS, 3, false, false, 1, 0);
            run(ctx, t, rnd, 19, 33, 70, Kind.TRANSPOSED, Kind.CONTIGUOUS, Kind.STEPPED, 4, true, false, 1, 0);
            run(ctx, t, rnd, 66, 5, 9, Kind.STEPPED, Kind.CONTIGUOUS, Kind.CONTIGUOUS, 2, false, true, 1, 0);
        }
    }

    @Test
    void alphaAndBetaAccumulate() {
        OpenClContext ctx = context();
        Random rnd = new Random(4);
        for (ClType t : types(ctx)) {
            run(ctx, t, rnd, 40, 50, 60, Kind.CONTIGUOUS, Kind.CONTIGUOUS, Kind.STEPPED, 1, false, false, 0.5, 1);
            run(ctx, t, rnd, 40, 0, 60, Kind.CONTIGUOUS, Kind.CONTIGUOUS, Kind.CONTIGUOUS, 1, false, false, 2, -3);
        }
    }

    @Test
    void everyTilingIsCorrect() {
        OpenClContext ctx = context();
        Random rnd = new Random(5);
        for (ClGemm.Tiling tiling : ClGemm.CPU_TILINGS) {
            if (tiling.threads() > ctx.device().maxWorkGroupSize()) continue;
            ClGemm g = new ClGemm(ctx, tiling);
            for (ClType t : types(ctx))
                for (int[] mkn : new int[][] {{1, 1, 1}, {tiling.tsm() + 1, tiling.tsk() * 2 + 3, tiling.tsn() - 1},
                        {70, 9, 133}}) {
                    int m = mkn[0], k = mkn[1], n = mkn[2];
                    Sample a = sample(ctx, t, Kind.TRANSPOSED, uniform(rnd, -1, 1), 2, m, k);
                    Sample b = sample(ctx, t, Kind.STEPPED, uniform(rnd, -1, 1), 2, k, n);
                    Sample c = output(ctx, t, Kind.CONTIGUOUS, 2, m, n);
                    g.run(a.view(), b.view(), c.view(), 1, 0);
                    double[][] ref = reference(a.values(), b.values(), null, 2, false, false, m, k, n, 1, 0);
                    check("gemm " + tiling + " " + t + " " + m + "x" + k + "x" + n, t, ref, c.view().toDoubleArray(), k);
                }
        }
    }

    @Test
    void rejectsMismatchedShapes() {
        OpenClContext ctx = context();
        ClView a = ClView.allocate(ctx, ClType.FLOAT, 3, 4), b = ClView.allocate(ctx, ClType.FLOAT, 5, 6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ctx.kernels().matmul(a, b, ClView.allocate(ctx, ClType.FLOAT, 3, 6)));
        if (!e.getMessage().contains("[3, 4] x [5, 6]")) fail(e.getMessage());
    }

    /**
     * One product: operands of logical shape [batch?, m, k], [batch?, k, n] and [batch?, m, n] laid out as the
     * kinds say (a shared operand is rank 2), C pre-filled with random values so beta is tested.
     */
    private static void run(OpenClContext ctx, ClType t, Random rnd, int m, int k, int n, Kind ka, Kind kb, Kind kc,
                            int batch, boolean aShared, boolean bShared, double alpha, double beta) {
        boolean batched = batch > 1;
        Sample a = sample(ctx, t, ka, uniform(rnd, -1, 1), batched && !aShared ? new int[] {batch, m, k} : new int[] {m, k});
        Sample b = sample(ctx, t, kb, uniform(rnd, -1, 1), batched && !bShared ? new int[] {batch, k, n} : new int[] {k, n});
        Sample c = sample(ctx, t, kc, uniform(rnd, -1, 1), batched ? new int[] {batch, m, n} : new int[] {m, n});
        double[] c0 = c.values();
        ctx.kernels().gemm(a.view(), b.view(), c.view(), alpha, beta);
        double[][] ref = reference(a.values(), b.values(), c0, batch, aShared, bShared, m, k, n, round(t, alpha),
                round(t, beta));
        check("gemm " + t + " " + m + "x" + k + "x" + n + " batch " + batch + (aShared ? " A shared" : "")
                + (bShared ? " B shared" : "") + " A " + ka + " B " + kb + " C " + kc + " alpha " + alpha + " beta "
                + beta, t, ref, c.view().toDoubleArray(), k);
    }
}

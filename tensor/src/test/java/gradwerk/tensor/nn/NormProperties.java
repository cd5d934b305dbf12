package gradwerk.tensor.nn;

import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import static gradwerk.tensor.nn.NnTesting.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Batch, group and instance norm: fast kernels vs the reference, gradients vs finite differences, examples. */
class NormProperties {

    static int[] shape(Generator g, int c) {
        return switch (g.nextInt(3)) {
            case 0 -> new int[] {2 + g.nextInt(3), c};
            case 1 -> new int[] {1 + g.nextInt(3), c, 2 + g.nextInt(40)};
            default -> new int[] {1 + g.nextInt(3), c, 1 + g.nextInt(5), 2 + g.nextInt(40)};
        };
    }

    @Property(tries = 120)
    void batchNormMatchesTheReference(@ForAll long seed) {
        Generator g = new Generator(seed);
        DType dt = g.nextInt(2) == 0 ? DType.FLOAT32 : DType.FLOAT64;
        int c = 1 + g.nextInt(5);
        int[] s = shape(g, c);
        boolean training = g.nextInt(3) > 0, affine = g.nextInt(2) == 0;
        // an offset mean exercises the cancellation that a naive E[x²]-E[x]² float kernel would suffer
        Tensor x4 = strided(randn(dt, seed, s).add(g.nextInt(2) == 0 ? 0 : 50), seed);
        Tensor x = s.length == 3 ? x4 : x4.reshape(s[0], c, -1); // strided views reach the kernels
        Tensor w = affine ? randn(dt, seed + 1, c) : null, b = affine ? randn(dt, seed + 2, c) : null;
        Tensor rm0 = randn(dt, seed + 3, c), rv0 = uniform(dt, seed + 4, 0.5, 2, c);
        Tensor[] fast = {Tensor.zeros(dt, x.shape()), Tensor.zeros(dt, c), Tensor.zeros(dt, c), rm0.copy(), rv0.copy()};
        Tensor[] ref = {Tensor.zeros(dt, x.shape()), Tensor.zeros(dt, c), Tensor.zeros(dt, c), rm0.copy(), rv0.copy()};
        FAST.batchNorm(x, w, b, fast[3], fast[4], training, 0.1, 1e-5, fast[0], fast[1], fast[2]);
        REFERENCE.batchNorm(x, w, b, ref[3], ref[4], training, 0.1, 1e-5, ref[0], ref[1], ref[2]);
        String[] names = {"out", "mean", "invstd", "running mean", "running var"};
        double t = dt == DType.FLOAT32 ? 1e-4 : 1e-10;
        // A float32 kernel holds the batch mean in float32: rounding it moves x - mean by up to ulp(|mean|)/2, and
        // the output by that times invstd·|w|, which is large when a channel barely varies (few elements, offset
        // mean). That much difference from the float64 reference is float32, not a bug.
        double meanRounding = dt == DType.FLOAT32
                ? 0x1p-23 * absMax(x) * absMax(ref[2]) * (w == null ? 1 : absMax(w)) : 0;
        for (int i = 0; i < 5; i++)
            assertClose(ref[i], fast[i], i == 0 ? t + meanRounding : t, "batchNorm " + names[i] + " " + dt);

        Tensor go = strided(randn(dt, ~seed, x.shape()), seed + 5);
        Tensor[] fb = {Tensor.zeros(dt, x.shape()), Tensor.zeros(dt, c), Tensor.zeros(dt, c)};
        Tensor[] rb = {Tensor.zeros(dt, x.shape()), Tensor.zeros(dt, c), Tensor.zeros(dt, c)};
        FAST.batchNormBackward(go, x, w, ref[1], ref[2], training, fb[0], fb[1], fb[2]);
        REFERENCE.batchNormBackward(go, x, w, ref[1], ref[2], training, rb[0], rb[1], rb[2]);
        for (int i = 0; i < 3; i++) assertClose(rb[i], fb[i], t * 10, "batchNorm backward " + i + " " + dt);
    }

    @Property(tries = 120)
    void groupNormMatchesTheReference(@ForAll long seed) {
        Generator g = new Generator(seed);
        DType dt = g.nextInt(2) == 0 ? DType.FLOAT32 : DType.FLOAT64;
        int groups = 1 + g.nextInt(3), c = groups * (1 + g.nextInt(3));
        int[] s = shape(g, c);
        boolean affine = g.nextInt(2) == 0;
        Tensor x = strided(randn(dt, seed, s).add(g.nextInt(2) == 0 ? 0 : -30), seed).reshape(s[0], c, -1);
        Tensor w = affine ? randn(dt, seed + 1, c) : null, b = affine ? randn(dt, seed + 2, c) : null;
        int n = s[0];
        Tensor[] fast = {Tensor.zeros(dt, x.shape()), Tensor.zeros(dt, n, groups), Tensor.zeros(dt, n, groups)};
        Tensor[] ref = {Tensor.zeros(dt, x.shape()), Tensor.zeros(dt, n, groups), Tensor.zeros(dt, n, groups)};
        FAST.groupNorm(x, w, b, groups, 1e-5, fast[0], fast[1], fast[2]);
        REFERENCE.groupNorm(x, w, b, groups, 1e-5, ref[0], ref[1], ref[2]);
        double t = dt == DType.FLOAT32 ? 1e-4 : 1e-10;
        for (int i = 0; i < 3; i++) assertClose(ref[i], fast[i], t, "groupNorm " + i + " " + dt);
        Tensor go = strided(randn(dt, ~seed, x.shape()), seed + 5);
        Tensor[] fb = {Tensor.zeros(dt, x.shape()), Tensor.zeros(dt, c), Tensor.zeros(dt, c)};
        Tensor[] rb = {Tensor.zeros(dt, x.shape()), Tensor.zeros(dt, c), Tensor.zeros(dt, c)};
        FAST.groupNormBackward(go, x, w, ref[1], ref[2], groups, fb[0], fb[1], fb[2]);
        REFERENCE.groupNormBackward(go, x, w, ref[1], ref[2], groups, rb[0], rb[1], rb[2]);
        for (int i = 0; i < 3; i++) assertClose(rb[i], fb[i], t * 10, "groupNorm backward " + i + " " + dt);
    }

    @Property(tries = 40)
    void normGradientsMatchFiniteDifferences(@ForAll long seed) {
        Generator g = new Generator(seed);
        DType d = DType.FLOAT64;
        int groups = 1 + g.nextInt(2), c = groups * (1 + g.nextInt(2));
        int[] s = {2, c, 1 + g.nextInt(3), 1 + g.nextInt(3)};
        Tensor x = randn(d, seed, s), w = randn(d, seed + 1, c), b = randn(d, seed + 2, c), go = randn(d, ~seed, s);
        Tensor rm = randn(d, seed + 3, c), rv = uniform(d, seed + 4, 0.5, 2, c);
        for (boolean training : new boolean[] {true, false}) {
            var r = Norm.batchNorm(x, rm.copy(), rv.copy(), w, b, training, 0.1, 1e-5);
            var grads = Norm.batchNormBackward(go, x, w, r.saveMean(), r.saveInvstd(), training);
            String what = "batchNorm " + (training ? "train" : "eval");
            checkVjp(t -> Norm.batchNorm(t, rm.copy(), rv.copy(), w, b, training, 0.1, 1e-5).output(), x, go, grads.input(), what + " dx");
            checkVjp(t -> Norm.batchNorm(x, rm.copy(), rv.copy(), t, b, training, 0.1, 1e-5).output(), w, go, grads.weight(), what + " dw");
            checkVjp(t -> Norm.batchNorm(x, rm.copy(), rv.copy(), w, t, training, 0.1, 1e-5).output(), b, go, grads.bias(), what + " db");
        }
        var r = Norm.groupNorm(x, groups, w, b, 1e-5);
        var grads = Norm.groupNormBackward(go, x, groups, w, r.saveMean(), r.saveInvstd());
        checkVjp(t -> Norm.groupNorm(t, groups, w, b, 1e-5).output(), x, go, grads.input(), "groupNorm dx");
        checkVjp(t -> Norm.groupNorm(x, groups, t, b, 1e-5).output(), w, go, grads.weight(), "groupNorm dw");
        checkVjp(t -> Norm.groupNorm(x, groups, w, t, 1e-5).output(), b, go, grads.bias(), "groupNorm db");
        var ri = Norm.instanceNorm(x, null, null, 1e-5);
        var gi = Norm.instanceNormBackward(go, x, null, ri.saveMean(), ri.saveInvstd());
        checkVjp(t -> Norm.instanceNorm(t, null, null, 1e-5).output(), x, go, gi.input(), "instanceNorm dx");
        assertEquals(null, gi.weight());
    }

    @Test
    void batchNormTrainingUpdatesTheRunningStatsWithTheUnbiasedVariance() {
        Tensor x = Tensor.of(new double[] {1, 3}, 2, 1); // mean 2, biased var 1, unbiased var 2
        Tensor rm = Tensor.zeros(DType.FLOAT64, 1), rv = Tensor.ones(DType.FLOAT64, 1);
        int version = rm.storage().version();
        var r = Norm.batchNorm(x, rm, rv, null, null, true, 0.1, 1e-5);
        double inv = 1 / Math.sqrt(1 + 1e-5);
        assertValues(new double[] {-inv, inv}, r.output(), 1e-12, "normalised with the biased variance");
        assertValues(new double[] {0.2}, rm, 1e-12, "running mean 0.9*0 + 0.1*2");
        assertValues(new double[] {1.1}, rv, 1e-12, "running var 0.9*1 + 0.1*2");
        assertTrue(rm.storage().version() > version, "running stats are written in place");
        var e = Norm.batchNorm(x, rm, rv, Tensor.of(new double[] {2}, 1), Tensor.of(new double[] {1}, 1), false, 0.1, 0);
        assertValues(new double[] {2 * (1 - 0.2) / Math.sqrt(1.1) + 1, 2 * (3 - 0.2) / Math.sqrt(1.1) + 1}, e.output(), 1e-12,
                "evaluation uses the running stats");
    }

    @Test
    void errorsNameTheOp() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Norm.batchNorm(Tensor.zeros(1, 3), null, null, null, null, true, 0.1, 1e-5));
        assertEquals("batchNorm: expected more than 1 value per channel when training, got input [1,3]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Norm.groupNorm(Tensor.zeros(2, 6, 4), 4, null, null, 1e-5));
        assertEquals("groupNorm: input [2,6,4] has 6 channels, not divisible into 4 groups", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Norm.batchNorm(Tensor.zeros(2, 3), null, null, Tensor.zeros(4), null, true, 0.1, 1e-5));
        assertTrue(e.getMessage().startsWith("batchNorm: input [2,3] has 3 channels"), e.getMessage());
    }

    private static double absMax(Tensor t) {
        double m = 0;
        for (double v : t.toDoubleArray()) m = Math.max(m, Math.abs(v));
        return m;
    }
}

package gradwerk.tensor.cpu;

import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.Window2d;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Winograd} F(4×4, 3×3) against the scalar reference, through the CPU backend's forward and input-gradient
 * entry points ({@link DirectConvTest#run}), with the channel threshold lowered so that small random shapes take it:
 * output sizes around multiples of the 4×4 tile, padding 0..3 (the input gradient then pads 2..-1, i.e. crops),
 * strided and transposed operands, bias, 1-3 threads. The tolerance is DirectConvTest's; Winograd's float32 error
 * (~1e-5 of the largest output) is well inside it.
 */
class WinogradTest {

    @Property(tries = 120)
    void winogradMatchesTheReference(@ForAll long seed) {
        Random r = new Random(seed);
        int ph = r.nextInt(4), pw = r.nextInt(4);
        int h = Math.max(4 - 2 * ph + 2, 1 + r.nextInt(23)), w = Math.max(4 - 2 * pw + 2, 1 + r.nextInt(23));
        var s = new DirectConvTest.Case(1 + r.nextInt(2), 1 + r.nextInt(24), 4 + r.nextInt(17), h, w, 3, 3, ph, pw,
                r.nextBoolean(), r.nextInt(3), 1 + r.nextInt(3), false);
        withWinograd(1, () -> DirectConvTest.run(s, DType.FLOAT32, s.win(), 1, seed));
    }

    /**
     * F(4×4) with dense tile rows ({@link Winograd#denseRows}: rows of fewer tiles than a vector's lanes, packed tw
     * tiles apart), forced for every map whose rows qualify: tw from the divisors of 2L below L, enough tile rows
     * for a panel of 2L tiles plus up to two, partial tiles at the right and bottom edges, padding 0 or 1, and now
     * and then tiny block budgets (one tile row per block, one channel per K block). Forward, input gradient and,
     * where there are enough channel pairs ({@link WinogradWeight#applies}), the weight gradient.
     */
    @Property(tries = 40)
    void denseRowsMatchTheReference(@ForAll long seed) {
        if (Simd.SCALAR) { // no vector kernels: no Winograd at all
            withDenseRows(() -> assertFalse(Winograd.applies(16, 16, 3, 3, 32, 32), "Winograd with gradwerk.simd.bits=0"));
            return;
        }
        Random r = new Random(seed);
        int lanes = Simd.F.length(), tw = lanes >> (1 + r.nextInt(Math.min(3, Integer.numberOfTrailingZeros(lanes))));
        int th = Math.ceilDiv(2 * lanes, tw) + r.nextInt(3), ph = r.nextInt(2), pw = r.nextInt(2);
        int oh = 4 * th - r.nextInt(4), ow = Math.max(4, 4 * tw - r.nextInt(4));
        var s = new DirectConvTest.Case(1 + r.nextInt(2), 1 + r.nextInt(24), 4 + r.nextInt(17), oh + 2 - 2 * ph,
                ow + 2 - 2 * pw, 3, 3, ph, pw, r.nextBoolean(), r.nextInt(3), 1 + r.nextInt(3), false);
        Runnable check = () -> withDenseRows(() -> {
            assertTrue(Winograd.denseRows(oh, ow) && Winograd.applies(s.c(), s.m(), 3, 3, oh, ow),
                    s + ": " + oh + " x " + ow + " takes dense F(4x4)");
            DirectConvTest.run(s, DType.FLOAT32, s.win(), 1, seed);
        });
        if (r.nextInt(3) == 0) withTinyBlocks(check);
        else check.run();
    }

    /**
     * At the U-Net's 32² maps (64 → 128 channels), with the default thresholds, F(4×4) is taken (with dense rows
     * where 8 tiles are half a vector) and agrees with the direct kernel: forward, input and weight gradients.
     */
    @Test
    void thirtyTwoSquaredTakesF4x4AndIsCloseToTheDirectKernel() {
        if (Simd.SCALAR) return; // no Winograd path exists; appliesOnlyToThreeByThreeWithEnoughChannels checks that
        assertTrue(Winograd.applies(64, 128, 3, 3, 32, 32) && Winograd.applies(128, 64, 3, 3, 32, 32));
        assertEquals(Simd.F.length() == 16, Winograd.denseRows(32, 32), "dense rows where 8 tiles are half a vector");
        var g = new Generator(8);
        Tensor x = Tensor.randn(DType.FLOAT32, g, 1, 64, 32, 32), a = Tensor.randn(DType.FLOAT32, g, 1, 128, 64 * 9);
        Tensor dy = Tensor.randn(DType.FLOAT32, g, 1, 128, 32, 32);
        Window2d win = new Window2d(3, 3, 1, 1, 1, 1, 1, 1);
        Tensor y = Tensor.zeros(1, 128, 32, 32), yDirect = Tensor.zeros(1, 128, 32, 32);
        takenAndClose(body -> body.run(), 1e-4, () -> CpuBackend.INSTANCE.convUnfoldProduct(x, a, win, null, y),
                () -> CpuBackend.INSTANCE.convUnfoldProduct(x, a, win, null, yDirect), y, yDirect);
        Tensor gx = Tensor.zeros(1, 64, 32, 32), gxDirect = Tensor.zeros(1, 64, 32, 32);
        takenAndClose(body -> body.run(), 1e-4, () -> CpuBackend.INSTANCE.convFoldProduct(dy, a, win, gx),
                () -> CpuBackend.INSTANCE.convFoldProduct(dy, a, win, gxDirect), gx, gxDirect);
        assertTrue(WinogradWeight.applies(64, 128, 3, 3, 32, 32), "weight gradient");
        Tensor gw = Tensor.zeros(1, 128, 64 * 9), gwDirect = Tensor.zeros(1, 128, 64 * 9);
        takenAndClose(body -> body.run(), 1e-4, () -> CpuBackend.INSTANCE.convUnfoldWeightProduct(dy, x, win, gw),
                () -> CpuBackend.INSTANCE.convUnfoldWeightProduct(dy, x, win, gwDirect), gw, gwDirect);
    }

    /** With tiny budgets every block is one tile row and every K block one input channel (products accumulated);
     *  the weight gradient's blocks are one tile row too. */
    @Test
    void tinyBlocksMatchTheReference() {
        var s = new DirectConvTest.Case(3, 20, 12, 13, 18, 3, 3, 1, 1, true, 1, 2, false);
        withTinyBlocks(() -> withWinograd(16, () -> DirectConvTest.run(s, DType.FLOAT32, s.win(), 1, 99)));
    }

    /**
     * Runs body with every F(4×4) block budget at its minimum: one tile row per block (forward and weight gradient)
     * and one input channel per K block, so that products are accumulated over K blocks.
     */
    static void withTinyBlocks(Runnable body) {
        int tiles = Winograd.maxBlockTiles, weightTiles = WinogradWeight.maxBlockTiles;
        long products = Winograd.productFloats, inputs = Winograd.inputFloats;
        Winograd.maxBlockTiles = WinogradWeight.maxBlockTiles = 1;
        Winograd.productFloats = Winograd.inputFloats = 1;
        try {
            body.run();
        } finally {
            Winograd.maxBlockTiles = tiles;
            WinogradWeight.maxBlockTiles = weightTiles;
            Winograd.productFloats = products;
            Winograd.inputFloats = inputs;
        }
    }

    @Test
    void uNetShapesMatchTheReference() {
        int[][] shapes = {{2, 16, 16, 64, 64}, {1, 32, 64, 30, 30}, {2, 64, 32, 17, 24}, {1, 128, 16, 8, 8}};
        for (int[] sh : shapes) {
            var s = new DirectConvTest.Case(sh[0], sh[1], sh[2], sh[3], sh[4], 3, 3, 1, 1, true, 0, 2, false);
            withWinograd(16, () -> DirectConvTest.run(s, DType.FLOAT32, s.win(), 1, sh[1] * 7L));
        }
    }

    /** The path is really taken: its float32 rounding differs from the direct kernel's, by about 1e-6 of |y|. */
    @Test
    void theWinogradPathIsTakenAndCloseToTheDirectOne() {
        if (Simd.SCALAR) { // no vector kernels: neither the direct kernel nor Winograd may be chosen
            assertFalse(Winograd.applies(32, 16, 3, 3, 20, 20), "Winograd with gradwerk.simd.bits=0");
            return;
        }
        var g = new Generator(5);
        Tensor x = Tensor.randn(DType.FLOAT32, g, 2, 32, 20, 20), a = Tensor.randn(DType.FLOAT32, g, 1, 16, 32 * 9);
        Window2d win = new Window2d(3, 3, 1, 1, 1, 1, 1, 1);
        Tensor viaWinograd = Tensor.zeros(2, 16, 20, 20), direct = Tensor.zeros(2, 16, 20, 20);
        takenAndClose(() -> CpuBackend.INSTANCE.convUnfoldProduct(x, a, win, null, viaWinograd),
                () -> CpuBackend.INSTANCE.convUnfoldProduct(x, a, win, null, direct), viaWinograd, direct);
    }

    /** The weight gradient by Winograd ({@link WinogradWeight}) is taken, and agrees with the direct kernel's. */
    @Test
    void theWinogradWeightGradientIsTakenAndCloseToTheDirectOne() {
        if (Simd.SCALAR) return; // neither path exists; appliesOnlyToThreeByThreeWithEnoughChannels checks that
        var g = new Generator(6);
        // 33 input channels (no multiple of 2L: padding channels), 18 output channels (no multiple of 4), 21 x 19
        // maps (partial tiles, a partial last block of tile rows)
        Tensor x = Tensor.randn(DType.FLOAT32, g, 3, 33, 21, 19), dy = Tensor.randn(DType.FLOAT32, g, 3, 18, 21, 19);
        Window2d win = new Window2d(3, 3, 1, 1, 1, 1, 1, 1);
        Tensor viaWinograd = Tensor.zeros(1, 18, 33 * 9), direct = Tensor.zeros(1, 18, 33 * 9);
        takenAndClose(() -> CpuBackend.INSTANCE.convUnfoldWeightProduct(dy, x, win, viaWinograd),
                () -> CpuBackend.INSTANCE.convUnfoldWeightProduct(dy, x, win, direct), viaWinograd, direct);
    }

    /**
     * With fewer input channels than a product row's 2L lanes (16 → 32 at AVX-512, the U-Net's second level), the
     * weight gradient's products run with the channel roles swapped; taken, and agreeing with the direct kernel.
     * 20 input channels against 36 output channels where vectors are 8 floats, so both paddings are exercised there.
     */
    @Test
    void theSwappedWeightGradientIsTakenAndCloseToTheDirectOne() {
        if (Simd.SCALAR) return;
        int lanes = 2 * Simd.F.length(), c = lanes == 32 ? 16 : 20, m = lanes == 32 ? 34 : 36;
        assertTrue(WinogradWeight.swapped(c, m), c + " -> " + m + " channels with " + lanes + " lanes: swapped");
        assertFalse(WinogradWeight.swapped(m, c), "the other way round: not swapped");
        assertFalse(WinogradWeight.swapped(64, 128), "both channel counts fill the lanes: not swapped");
        var g = new Generator(7);
        Tensor x = Tensor.randn(DType.FLOAT32, g, 2, c, 22, 17), dy = Tensor.randn(DType.FLOAT32, g, 2, m, 22, 17);
        Window2d win = new Window2d(3, 3, 1, 1, 1, 1, 1, 1);
        Tensor viaWinograd = Tensor.zeros(1, m, c * 9), direct = Tensor.zeros(1, m, c * 9);
        takenAndClose(() -> CpuBackend.INSTANCE.convUnfoldWeightProduct(dy, x, win, viaWinograd),
                () -> CpuBackend.INSTANCE.convUnfoldWeightProduct(dy, x, win, direct), viaWinograd, direct);
    }

    /**
     * Runs viaWinograd with Winograd on (16 channels and more, any map size) and direct with it off, and checks that
     * the results differ (the path was taken: its rounding is not the direct kernel's) by less than 1e-4 of the
     * largest value.
     */
    static void takenAndClose(Runnable viaWinograd, Runnable direct, Tensor winogradResult, Tensor directResult) {
        takenAndClose(body -> withWinograd(16, body), 1e-4, viaWinograd, direct, winogradResult, directResult);
    }

    /**
     * Runs viaWinograd inside withPath (which turns the path under test on) and direct with every Winograd path off,
     * and checks that the results differ (the path was taken: its rounding is not the direct kernel's) by less than
     * tolerance times the largest value.
     */
    static void takenAndClose(java.util.function.Consumer<Runnable> withPath, double tolerance, Runnable viaWinograd,
                              Runnable direct, Tensor winogradResult, Tensor directResult) {
        withPath.accept(viaWinograd);
        boolean before = Winograd.enabled;
        Winograd.enabled = false;
        try {
            direct.run();
        } finally {
            Winograd.enabled = before;
        }
        double[] wv = winogradResult.toDoubleArray(), dv = directResult.toDoubleArray();
        double maxAbs = 0, maxDiff = 0;
        for (int i = 0; i < wv.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(dv[i]));
            maxDiff = Math.max(maxDiff, Math.abs(wv[i] - dv[i]));
        }
        assertTrue(maxDiff > 0, "bit-identical to the direct kernel: the Winograd path was not taken");
        assertTrue(maxDiff < tolerance * maxAbs, "Winograd differs from the direct kernel by " + maxDiff + " (max " + maxAbs + ")");
    }

    @Test
    void appliesOnlyToThreeByThreeWithEnoughChannels() {
        if (Simd.SCALAR) {
            withWinograd(16, () -> assertFalse(Winograd.applies(16, 16, 3, 3, 64, 64), "scalar mode"));
            return;
        }
        withWinograd(16, () -> {
            assertTrue(Winograd.applies(16, 16, 3, 3, 64, 64));
            assertFalse(Winograd.applies(15, 16, 3, 3, 64, 64), "too few input channels");
            assertFalse(Winograd.applies(16, 16, 5, 5, 64, 64), "5x5");
            assertFalse(Winograd.applies(16, 16, 3, 1, 64, 64), "3x1");
            assertFalse(Winograd.applies(16, 16, 3, 3, 3, 64), "output lower than a tile");
        });
        boolean enabled = Winograd.enabled, dense = Winograd.dense;
        Winograd.enabled = true;                       // the default thresholds, whatever -Dgradwerk.conv.winograd says
        try {
            assertTrue(Winograd.applies(128, 128, 3, 3, 32, 32),
                    "U-Net level 3: 8 tiles a row fill a vector, or (16 lanes) two rows share one");
            Winograd.dense = false;
            assertEquals(Simd.F.length() <= 8, Winograd.applies(128, 128, 3, 3, 32, 32),
                    "without dense rows, F(4x4) takes 32x32 only where 8 tiles fill a vector");
            assertTrue(Winograd.applies(16, 16, 3, 3, 256, 256), "U-Net level 0");
            assertFalse(Winograd.applies(256, 256, 3, 3, 16, 16), "16x16: too few tiles");
            assertFalse(Winograd.applies(1, 16, 3, 3, 256, 256), "one input channel: the transforms cost more");
        } finally {
            Winograd.enabled = enabled;
            Winograd.dense = dense;
        }
        assertEquals(!Simd.SCALAR && !"false".equals(System.getProperty("gradwerk.conv.winograd")), Winograd.enabled,
                "on unless -Dgradwerk.conv.winograd=false (and vector kernels exist)");
    }

    /** Runs body with Winograd on (where vector kernels exist), for any map size and minChannels input channels. */
    static void withWinograd(int minChannels, Runnable body) {
        boolean enabled = Winograd.enabled, weight = WinogradWeight.enabled;
        int min = Winograd.minChannels, minArea = Winograd.minArea, maxArea = Winograd.maxArea;
        int minWeight = WinogradWeight.minChannels, maxWeightArea = WinogradWeight.maxArea;
        int minRowTiles = Winograd.minRowTiles;
        Winograd.enabled = !Simd.SCALAR;
        Winograd.minRowTiles = 0;
        WinogradWeight.enabled = true;
        Winograd.minChannels = WinogradWeight.minChannels = minChannels;
        Winograd.minArea = 0;
        Winograd.maxArea = WinogradWeight.maxArea = Integer.MAX_VALUE;
        try {
            body.run();
        } finally {
            Winograd.enabled = enabled;
            WinogradWeight.enabled = weight;
            Winograd.minChannels = min;
            Winograd.minArea = minArea;
            Winograd.minRowTiles = minRowTiles;
            Winograd.maxArea = maxArea;
            WinogradWeight.minChannels = minWeight;
            WinogradWeight.maxArea = maxWeightArea;
        }
    }

    /** Runs body with F(4×4) on for any map size and channel count, but only where tile rows are dense. */
    static void withDenseRows(Runnable body) {
        boolean dense = Winograd.dense;
        int minRowTiles = Winograd.minRowTiles;
        Winograd.dense = true;
        try {
            withWinograd(1, () -> {
                Winograd.minRowTiles = Integer.MAX_VALUE; // no row fills a vector: only dense rows qualify
                body.run();
            });
        } finally {
            Winograd.dense = dense;
            Winograd.minRowTiles = minRowTiles;
        }
    }
}

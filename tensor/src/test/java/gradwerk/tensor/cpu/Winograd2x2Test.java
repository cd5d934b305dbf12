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
 * {@link Winograd2x2} F(2×2, 3×3) against the scalar reference through the CPU backend's three convolution entry
 * points ({@link DirectConvTest#run}), with F(4×4) held off and the thresholds lowered so that small random shapes
 * take it: output sizes around multiples of the 2×2 tile, padding 0..3 (the input gradient then pads 2..-1, i.e.
 * crops), strided and transposed operands, bias, 1-3 threads.
 */
class Winograd2x2Test {

    @Property(tries = 100)
    void winograd2x2MatchesTheReference(@ForAll long seed) {
        Random r = new Random(seed);
        int ph = r.nextInt(4), pw = r.nextInt(4);
        int h = Math.max(2 - 2 * ph + 2, 1 + r.nextInt(21)), w = Math.max(2 - 2 * pw + 2, 1 + r.nextInt(21));
        var s = new DirectConvTest.Case(1 + r.nextInt(2), 1 + r.nextInt(24), 4 + r.nextInt(17), h, w, 3, 3, ph, pw,
                r.nextBoolean(), r.nextInt(3), 1 + r.nextInt(3), false);
        withWinograd2x2(1, () -> DirectConvTest.run(s, DType.FLOAT32, s.win(), 1, seed));
    }

    /** With tiny budgets every block is one tile row and every K block one input channel (products accumulated). */
    @Test
    void tinyBlocksMatchTheReference() {
        int tiles = Winograd2x2.maxBlockTiles;
        long products = Winograd2x2.productFloats, inputs = Winograd2x2.inputFloats;
        Winograd2x2.maxBlockTiles = 1;
        Winograd2x2.productFloats = 1;
        Winograd2x2.inputFloats = 1;
        try {
            var s = new DirectConvTest.Case(3, 20, 12, 11, 13, 3, 3, 1, 1, true, 1, 2, false);
            withWinograd2x2(16, () -> DirectConvTest.run(s, DType.FLOAT32, s.win(), 1, 99));
        } finally {
            Winograd2x2.maxBlockTiles = tiles;
            Winograd2x2.productFloats = products;
            Winograd2x2.inputFloats = inputs;
        }
    }

    /**
     * 16-wide output maps, where with 16 lanes (AVX-512) dense rows put two tile rows in one vector and the output
     * transform writes two output rows per vector (Winograd2x2RowPairs): 16 and 15 output rows (an odd last
     * tile row), whole-image blocks and blocks of 3 tile rows (an odd row count per block), with bias, and the input
     * gradient's accumulating store. With other widths the same shapes check the general path.
     */
    @Test
    void rowPairOutputsMatchTheReference() {
        int tiles = Winograd2x2.maxBlockTiles;
        try {
            for (int blockTiles : new int[] {64, 24})
                for (int oh : new int[] {16, 15}) {
                    Winograd2x2.maxBlockTiles = blockTiles;
                    var s = new DirectConvTest.Case(2, 20, 24, oh, 16, 3, 3, 1, 1, true, 0, 2, false);
                    withWinograd2x2(16, () -> DirectConvTest.run(s, DType.FLOAT32, s.win(), 1, 31L * oh + blockTiles));
                }
        } finally {
            Winograd2x2.maxBlockTiles = tiles;
        }
    }

    /**
     * Output rows of a whole number of vectors of tiles (32 wide: 16 tiles, one 16-lane or two 8-lane vectors), where
     * the weight gradient splits dy's rows into their column phases in place, without copying them first.
     */
    @Test
    void wholeVectorRowsMatchTheReference() {
        var s = new DirectConvTest.Case(2, 20, 24, 9, 32, 3, 3, 1, 1, true, 0, 2, false);
        withWinograd2x2(16, () -> DirectConvTest.run(s, DType.FLOAT32, s.win(), 1, 3232L));
    }

    @Test
    void uNetBottleneckShapesMatchTheReference() {
        int[][] shapes = {{2, 128, 32, 16, 16}, {1, 64, 64, 8, 8}, {2, 96, 20, 15, 17}};
        for (int[] sh : shapes) {
            var s = new DirectConvTest.Case(sh[0], sh[1], sh[2], sh[3], sh[4], 3, 3, 1, 1, true, 0, 2, false);
            withWinograd2x2(64, () -> DirectConvTest.run(s, DType.FLOAT32, s.win(), 1, sh[1] * 7L));
        }
    }

    /** Forward, input gradient and weight gradient really take the path (the rounding differs from the direct
     *  kernels') and agree with the direct kernels. */
    @Test
    void theWinograd2x2PathIsTakenAndCloseToTheDirectOne() {
        if (Simd.SCALAR) {
            assertFalse(Winograd2x2.applies(256, 256, 3, 3, 16, 16), "Winograd with gradwerk.simd.bits=0");
            return;
        }
        var g = new Generator(7);
        Tensor x = Tensor.randn(DType.FLOAT32, g, 2, 70, 13, 16), a = Tensor.randn(DType.FLOAT32, g, 1, 18, 70 * 9);
        Window2d win = new Window2d(3, 3, 1, 1, 1, 1, 1, 1);
        Tensor viaWinograd = Tensor.zeros(2, 18, 13, 16), direct = Tensor.zeros(2, 18, 13, 16);
        takenAndClose(() -> CpuBackend.INSTANCE.convUnfoldProduct(x, a, win, null, viaWinograd),
                () -> CpuBackend.INSTANCE.convUnfoldProduct(x, a, win, null, direct), viaWinograd, direct);
        // the input gradient: dy's 70 channels are the convolution's input channels, 18 come out
        Tensor gradWinograd = Tensor.zeros(2, 18, 13, 16), gradDirect = Tensor.zeros(2, 18, 13, 16);
        Tensor wide = Tensor.randn(DType.FLOAT32, g, 1, 70, 18 * 9);
        Tensor dyWide = Tensor.randn(DType.FLOAT32, g, 2, 70, 13, 16);
        takenAndClose(() -> CpuBackend.INSTANCE.convFoldProduct(dyWide, wide, win, gradWinograd),
                () -> CpuBackend.INSTANCE.convFoldProduct(dyWide, wide, win, gradDirect), gradWinograd, gradDirect);
        // the weight gradient: 70 input channels (no multiple of 2L), 18 output channels (no multiple of 4)
        Tensor dy = Tensor.randn(DType.FLOAT32, g, 2, 18, 13, 16);
        Tensor gwWinograd = Tensor.zeros(1, 18, 70 * 9), gwDirect = Tensor.zeros(1, 18, 70 * 9);
        takenAndClose(() -> CpuBackend.INSTANCE.convUnfoldWeightProduct(dy, x, win, gwWinograd),
                () -> CpuBackend.INSTANCE.convUnfoldWeightProduct(dy, x, win, gwDirect), gwWinograd, gwDirect);
    }

    @Test
    void appliesOnlyBelowTheF4x4Maps() {
        boolean enabled = Winograd.enabled, small = Winograd2x2.enabled;
        Winograd.enabled = Winograd2x2.enabled = !Simd.SCALAR;
        try {
            if (Simd.SCALAR) {
                assertFalse(Winograd2x2.applies(256, 256, 3, 3, 16, 16), "scalar mode");
                return;
            }
            assertTrue(Winograd2x2.applies(256, 256, 3, 3, 16, 16), "U-Net bottleneck, 256 channels");
            assertTrue(Winograd2x2.applies(128, 256, 3, 3, 16, 16), "U-Net bottleneck, 128 channels");
            assertFalse(Winograd.applies(256, 256, 3, 3, 16, 16), "F(4x4) does not take 16x16");
            // 32x32 is F(4x4)'s, all three passes: its 8 tiles a row fill a vector (up to 8 lanes) or, with 16, are
            // packed densely; without dense rows, F(2x2)'s (16 tiles a row) where they do not fill a vector
            boolean f4 = Simd.F.length() <= 8;
            assertFalse(Winograd2x2.applies(128, 128, 3, 3, 32, 32), "32x32");
            assertTrue(Winograd.applies(128, 128, 3, 3, 32, 32), "32x32");
            assertTrue(WinogradWeight.applies(128, 128, 3, 3, 32, 32), "32x32, weight gradient");
            assertFalse(Winograd2x2.appliesToWeight(128, 128, 3, 3, 32, 32), "32x32, weight gradient");
            boolean dense = Winograd.dense;
            Winograd.dense = false;
            try {
                assertEquals(!f4, Winograd2x2.applies(128, 128, 3, 3, 32, 32), "32x32 without dense F(4x4) rows");
                assertEquals(f4, WinogradWeight.applies(128, 128, 3, 3, 32, 32), "32x32 without dense rows, weight");
                assertEquals(!f4, Winograd2x2.appliesToWeight(128, 128, 3, 3, 32, 32), "32x32 without dense rows, weight");
            } finally {
                Winograd.dense = dense;
            }
            assertFalse(Winograd2x2.applies(32, 256, 3, 3, 16, 16), "too few input channels");
            assertFalse(Winograd2x2.applies(256, 256, 1, 1, 16, 16), "1x1");
            assertFalse(Winograd2x2.applies(256, 256, 3, 3, 8, 8), "8x8 map: half-empty vectors");
            Winograd.enabled = false;
            assertFalse(Winograd2x2.applies(256, 256, 3, 3, 16, 16), "-Dgradwerk.conv.winograd=false: all off");
        } finally {
            Winograd.enabled = enabled;
            Winograd2x2.enabled = small;
        }
    }

    /**
     * Runs viaWinograd with F(2×2) on for every map and with 16 channels, direct with all Winograd off; checks that
     * the results differ (the path was taken) by less than 1e-5 of the largest value (F(2×2)'s transforms only add).
     */
    static void takenAndClose(Runnable viaWinograd, Runnable direct, Tensor winogradResult, Tensor directResult) {
        WinogradTest.takenAndClose(body -> withWinograd2x2(16, body), 1e-5, viaWinograd, direct, winogradResult,
                directResult);
    }

    /** Runs body with F(2×2) on for every map size from 1 pixel and minChannels channels, and F(4×4) off. */
    static void withWinograd2x2(int minChannels, Runnable body) {
        boolean enabled = Winograd.enabled, small = Winograd2x2.enabled;
        int minArea = Winograd.minArea, min = Winograd2x2.minChannels, smallArea = Winograd2x2.minArea;
        Winograd.enabled = Winograd2x2.enabled = !Simd.SCALAR;
        Winograd.minArea = Integer.MAX_VALUE;
        Winograd2x2.minChannels = minChannels;
        Winograd2x2.minArea = 0;
        try {
            body.run();
        } finally {
            Winograd.enabled = enabled;
            Winograd2x2.enabled = small;
            Winograd.minArea = minArea;
            Winograd2x2.minChannels = min;
            Winograd2x2.minArea = smallArea;
        }
    }
}

package gradwerk.ddanet.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ResizeTest {
    // 4x4 image, value = 10 * row + col
    private static final float[] RAMP = {0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23, 30, 31, 32, 33};

    @Test
    void areaAveragesBlocks() {
        assertArrayEquals(new float[] {5.5f, 7.5f, 25.5f, 27.5f}, Resize.area(RAMP, 4, 4, 2));
        assertArrayEquals(new float[] {16.5f}, Resize.area(RAMP, 4, 4, 4));
        assertArrayEquals(new float[] {0.5f, 2.5f, 10.5f, 12.5f, 20.5f, 22.5f, 30.5f, 32.5f}, Resize.area(RAMP, 4, 4, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> Resize.area(RAMP, 4, 4, 3));
    }

    @Test
    void bilinearMatchesPytorchAlignCornersFalse() {
        // torch.nn.functional.interpolate(x, size=(2, 2), mode='bilinear', align_corners=False) on a 4x4 input
        // samples at (0.5, 0.5), (0.5, 2.5), ...: the mean of each 2x2 block, like area at factor 2.
        assertArrayEquals(new float[] {5.5f, 7.5f, 25.5f, 27.5f}, Resize.bilinear(RAMP, 4, 4, 2, 2), 1e-5f);
        // 4 -> 3: scale 4/3, source = (j + 0.5) * 4/3 - 0.5 = 1/6, 3/2, 17/6.
        float[] out = Resize.bilinear(RAMP, 4, 4, 3, 3);
        float[] expected = new float[9];
        double[] src = {1.0 / 6, 1.5, 17.0 / 6};
        for (int r = 0; r < 3; r++) for (int c = 0; c < 3; c++) expected[r * 3 + c] = (float) (10 * src[r] + src[c]);
        assertArrayEquals(expected, out, 1e-5f); // the ramp is linear, so bilinear reproduces it exactly
        // Up-sampling 2 -> 4: edge samples are clamped at index 0 and 1.
        float[] up = Resize.bilinear(new float[] {0, 1, 2, 3}, 2, 2, 4, 4);
        assertArrayEquals(new float[] {0, 0.25f, 0.75f, 1, 0.5f, 0.75f, 1.25f, 1.5f,
                                       1.5f, 1.75f, 2.25f, 2.5f, 2, 2.25f, 2.75f, 3}, up, 1e-6f);
    }

    @Test
    void nearestUsesFloorOfDstTimesInOverOut() {
        byte[] lab = new byte[16];
        for (int i = 0; i < 16; i++) lab[i] = (byte) i;
        assertArrayEquals(new byte[] {0, 2, 8, 10}, Resize.nearest(lab, 4, 4, 2, 2)); // top-left of each block
        // 4 -> 3: floor(j * 4/3) = 0, 1, 2
        assertArrayEquals(new byte[] {0, 1, 2, 4, 5, 6, 8, 9, 10}, Resize.nearest(lab, 4, 4, 3, 3));
        // 2 -> 4 (up): floor(j / 2) = 0, 0, 1, 1
        assertArrayEquals(new byte[] {0, 0, 1, 1, 0, 0, 1, 1, 4, 4, 5, 5, 4, 4, 5, 5},
                Resize.nearest(new byte[] {0, 1, 4, 5}, 2, 2, 4, 4));
    }

    @Test
    void imagePicksAreaForWholeFactorsAndSliceKeepsLabelsCrisp() {
        assertArrayEquals(Resize.area(RAMP, 4, 4, 2), Resize.image(RAMP, 4, 4, 2, 2));
        assertArrayEquals(Resize.bilinear(RAMP, 4, 4, 3, 3), Resize.image(RAMP, 4, 4, 3, 3));
        float[] img = new float[16];
        for (int i = 0; i < 16; i++) img[i] = RAMP[i] / 33f;
        byte[] lab = {0, 1, 2, 0, 1, 1, 2, 2, 0, 0, 0, 0, 2, 2, 1, 1};
        CtSlice small = Resize.slice(new CtSlice("s", 4, 4, img, lab), 2, 2);
        assertEquals("s", small.id());
        assertArrayEquals(new byte[] {0, 2, 0, 0}, small.labels());
        assertArrayEquals(new float[] {5.5f / 33, 7.5f / 33, 25.5f / 33, 27.5f / 33}, small.image(), 1e-6f);
    }

    @Property(tries = 100)
    boolean areaPreservesTheMean(@ForAll @IntRange(min = 1, max = 4) int factor, @ForAll @IntRange(min = 1, max = 5) int blocks,
                                 @ForAll long seed) {
        int n = factor * blocks;
        SplitMix64 r = new SplitMix64(seed);
        float[] img = new float[n * n];
        for (int i = 0; i < img.length; i++) img[i] = (float) r.nextDouble();
        return Math.abs(mean(img) - mean(Resize.area(img, n, n, factor))) < 1e-5;
    }

    @Property(tries = 100)
    boolean bilinearKeepsConstantsAndIdentity(@ForAll @IntRange(min = 1, max = 9) int h, @ForAll @IntRange(min = 1, max = 9) int w,
                                              @ForAll @IntRange(min = 1, max = 12) int oh, @ForAll @IntRange(min = 1, max = 12) int ow) {
        float[] constant = new float[h * w];
        java.util.Arrays.fill(constant, 0.375f);
        for (float v : Resize.bilinear(constant, h, w, oh, ow)) {
            if (v != 0.375f) return false;
        }
        float[] ramp = new float[h * w];
        for (int i = 0; i < ramp.length; i++) ramp[i] = i;
        return java.util.Arrays.equals(ramp, Resize.bilinear(ramp, h, w, h, w))
                && java.util.Arrays.equals(new byte[h * w], Resize.nearest(new byte[h * w], h, w, h, w));
    }

    @Property(tries = 100)
    boolean nearestOnlyCopiesExistingLabels(@ForAll @IntRange(min = 1, max = 9) int h, @ForAll @IntRange(min = 1, max = 9) int w,
                                            @ForAll @IntRange(min = 1, max = 12) int oh, @ForAll @IntRange(min = 1, max = 12) int ow) {
        byte[] lab = new byte[h * w];
        for (int i = 0; i < lab.length; i++) lab[i] = (byte) (i % 3);
        byte[] out = Resize.nearest(lab, h, w, oh, ow);
        for (int r = 0; r < oh; r++) {
            for (int c = 0; c < ow; c++) {
                int sr = (int) Math.floor(r * (double) h / oh), sc = (int) Math.floor(c * (double) w / ow);
                if (out[r * ow + c] != lab[sr * w + sc]) return false;
            }
        }
        return true;
    }

    private static double mean(float[] v) {
        double s = 0;
        for (float x : v) s += x;
        return s / v.length;
    }
}

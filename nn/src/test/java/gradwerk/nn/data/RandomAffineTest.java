package gradwerk.nn.data;

import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The matrix conventions, checked two ways: against hand-computed entries, and by warping a one-pixel marker
 * and seeing where it lands (the warp itself is checked against PyTorch in {@link AffineWarpGoldenTest}).
 */
class RandomAffineTest {
    private static final double EPS = 1e-12;

    private static void assertMatrix(double[] expected, AffineMatrix m) {
        assertArrayEquals(expected, m.toArray(), 1e-12, m.toString());
    }

    @Test
    void handComputedMatrices() {
        assertMatrix(new double[] {1, 0, 0, 0, 1, 0}, RandomAffine.theta(0, 1, 0, 0, 5, 9, false));
        // content right by a quarter of the width = 0.5 in normalised units: sample from the left, c = -0.5
        assertMatrix(new double[] {1, 0, -0.5, 0, 1, 0.2}, RandomAffine.theta(0, 1, 0.25, -0.1, 6, 8, false));
        // zoom ×2: each output point looks half as far from the centre
        assertMatrix(new double[] {0.5, 0, 0, 0, 0.5, 0}, RandomAffine.theta(0, 2, 0, 0, 4, 4, false));
        // 90° counter-clockwise on a square: x_in = -y_out, y_in = x_out
        assertMatrix(new double[] {0, -1, 0, 1, 0, 0}, RandomAffine.theta(90, 1, 0, 0, 4, 4, false));
        // 90° on a 4×8 (H×W) image: the off-diagonal terms pick up the aspect ratio, b = -W/H·... = -(2/8)/(2/4)
        assertMatrix(new double[] {0, -0.5, 0, 2, 0, 0}, RandomAffine.theta(90, 1, 0, 0, 4, 8, false));
        // align_corners=true normalises by W-1: 0.25·8 px = 2 px = 2·2/7 normalised
        assertMatrix(new double[] {1, 0, -4.0 / 7, 0, 1, 0}, RandomAffine.theta(0, 1, 0.25, 0, 6, 8, true));
    }

    /** A [1,H,W] image that is 0 except 1 at (row, col). */
    private static Tensor marker(int h, int w, int row, int col) {
        double[] d = new double[h * w];
        d[row * w + col] = 1;
        return Tensor.of(d, 1, h, w);
    }

    private static int[] whereIs(Tensor labels) {
        double[] d = labels.toDoubleArray();
        int w = labels.size(-1);
        for (int i = 0; i < d.length; i++) if (d[i] == 1) return new int[] {i / w, i % w};
        return null;
    }

    @Test
    void rotationIsCounterClockwiseOnScreenForAnyAspectRatio() {
        GridSampleWarp warp = new GridSampleWarp();
        // H=5, W=9: centre (2, 4). A marker 2 px right of centre ends 2 px above it after +90°.
        Tensor labels = marker(5, 9, 2, 6).squeeze(0);
        assertArrayEquals(new int[] {0, 4}, whereIs(warp.labels(labels, RandomAffine.theta(90, 1, 0, 0, 5, 9, false))));
        assertArrayEquals(new int[] {4, 4}, whereIs(warp.labels(labels, RandomAffine.theta(-90, 1, 0, 0, 5, 9, false))));
        assertArrayEquals(new int[] {2, 2}, whereIs(warp.labels(labels, RandomAffine.theta(180, 1, 0, 0, 5, 9, false))));
        // same with align_corners=true on a matching warp
        assertArrayEquals(new int[] {0, 4}, whereIs(new GridSampleWarp(true).labels(labels,
                RandomAffine.theta(90, 1, 0, 0, 5, 9, true))));
    }

    @Test
    void scaleAndTranslationMoveContentAsDescribed() {
        GridSampleWarp warp = new GridSampleWarp();
        Tensor labels = marker(7, 7, 3, 4).squeeze(0); // 1 px right of the centre (3, 3)
        // zoom ×2: the marker's centre of mass moves from 1 px to 2 px right of the centre (it is also spread out
        // over columns 4..6 by the bilinear interpolation, so look at the mass, not one pixel)
        Tensor zoomed = warp.image(marker(7, 7, 3, 4), RandomAffine.theta(0, 2, 0, 0, 7, 7, false));
        double mass = 0, moment = 0;
        for (int j = 0; j < 7; j++) {
            mass += zoomed.get(0, 3, j);
            moment += j * zoomed.get(0, 3, j);
        }
        assertEquals(5.0, moment / mass, 1e-9);
        // shift by 2/7 of the width right and 1/7 of the height down: 2 px and 1 px
        assertArrayEquals(new int[] {4, 6}, whereIs(warp.labels(labels,
                RandomAffine.theta(0, 1, 2.0 / 7, 1.0 / 7, 7, 7, false))));
        // the bilinear image path agrees: an exact pixel shift moves the marker intact
        Tensor img = warp.image(marker(7, 7, 3, 4), RandomAffine.theta(0, 1, 2.0 / 7, 1.0 / 7, 7, 7, false));
        assertEquals(1.0, img.get(0, 4, 6), 1e-6);
        assertEquals(1.0, img.sum().item(), 1e-6);
    }

    @Test
    void samplingIsReproducibleAndWithinRange() {
        RandomAffine ra = new RandomAffine(15, 0.9, 1.1, 0.1);
        Generator g1 = new Generator(3), g2 = new Generator(3);
        for (int i = 0; i < 200; i++) {
            RandomAffine.Params p = ra.sample(g1);
            assertEquals(p, ra.sample(g2));
            assertTrue(Math.abs(p.degrees()) <= 15 && p.scale() >= 0.9 && p.scale() <= 1.1);
            assertTrue(Math.abs(p.translateX()) <= 0.1 && Math.abs(p.translateY()) <= 0.1);
        }
        // the matrix form is the same draw, turned into theta
        RandomAffine.Params p = ra.sample(new Generator(8));
        AffineMatrix m = ra.sample(new Generator(8), 6, 10);
        assertArrayEquals(RandomAffine.theta(p.degrees(), p.scale(), p.translateX(), p.translateY(), 6, 10, false)
                .toArray(), m.toArray(), EPS);
    }

    private static void assertTrue(boolean ok) {
        org.junit.jupiter.api.Assertions.assertTrue(ok);
    }

    @Test
    void rejectsBadRanges() {
        assertThrows(IllegalArgumentException.class, () -> new RandomAffine(-1, 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new RandomAffine(10, 1.2, 1.1, 0));
        assertThrows(IllegalArgumentException.class, () -> new RandomAffine(10, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new RandomAffine(10, 1, 1, 1.5));
        assertThrows(IllegalArgumentException.class, () -> RandomAffine.theta(0, 1, 0, 0, 0, 4, false));
    }

    @Test
    void tensorRoundTrip() {
        AffineMatrix m = RandomAffine.theta(30, 1.2, 0.1, 0.05, 5, 7, false);
        Tensor t = m.toTensor(gradwerk.tensor.DType.FLOAT64);
        assertArrayEquals(new int[] {2, 3}, t.shape());
        assertEquals(m, AffineMatrix.of(t));
    }
}

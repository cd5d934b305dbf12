package gradwerk.nn.data;

import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransformsTest {
    private static Sample sample() {
        Tensor img = Tensor.arange(DType.FLOAT32, 0, 12, 1).reshape(2, 2, 3); // [C=2,H=2,W=3]
        Tensor lbl = Tensor.of(new float[] {0, 1, 2, 3, 0, 1}, 2, 3);
        return new Sample(img, lbl);
    }

    @Test
    void hflipMirrorsTheWidth() {
        Sample s = sample();
        assertArrayEquals(new float[] {2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9}, Transforms.hflip(s.input()).toFloatArray());
        assertArrayEquals(new float[] {2, 1, 0, 1, 0, 3}, Transforms.hflip(s.target()).toFloatArray());
        Tensor strided = s.input().permute(0, 2, 1); // non-contiguous [2,3,2]
        assertArrayEquals(Transforms.hflip(strided.contiguous()).toFloatArray(), Transforms.hflip(strided).toFloatArray());
        assertEquals(DType.FLOAT64, Transforms.hflip(Tensor.ones(DType.FLOAT64, 3)).dtype());
    }

    @Test
    void randomFlipMovesImageAndLabelsTogether() {
        Sample s = sample();
        Sample always = Transforms.randomHorizontalFlip(1).apply(s, new Generator(0));
        assertArrayEquals(Transforms.hflip(s.input()).toFloatArray(), always.input().toFloatArray());
        assertArrayEquals(Transforms.hflip(s.target()).toFloatArray(), always.target().toFloatArray());
        assertSame(s, Transforms.randomHorizontalFlip(0).apply(s, new Generator(0)));
        int flips = 0;
        Generator g = new Generator(1);
        for (int i = 0; i < 1000; i++) if (Transforms.randomHorizontalFlip(0.3).apply(s, g) != s) flips++;
        assertTrue(flips > 250 && flips < 350, "about 30% flipped: " + flips);
    }

    @Test
    void jitterScalesAndShiftsTheImageOnly() {
        Sample s = sample();
        RandomTransform<Sample> jitter = Transforms.intensityJitter(0.2, 0.5);
        Sample a = jitter.apply(s, new Generator(5));
        Sample b = jitter.apply(s, new Generator(5));
        assertArrayEquals(a.input().toFloatArray(), b.input().toFloatArray(), "same generator, same result");
        assertSame(s.target(), a.target());
        // recover scale and shift from two pixels: x0 = 0 -> shift, x1 = 1 -> scale + shift
        float[] x = a.input().toFloatArray();
        double shift = x[0], scale = x[1] - x[0];
        assertTrue(Math.abs(shift) <= 0.5 && scale >= 0.8 - 1e-6 && scale <= 1.2 + 1e-6, scale + " " + shift);
        Generator g = new Generator(5);
        double expectScale = 1 + (2 * g.nextDouble() - 1) * 0.2, expectShift = (2 * g.nextDouble() - 1) * 0.5;
        assertEquals(expectScale, scale, 1e-6);
        assertEquals(expectShift, shift, 1e-6);
    }

    @Test
    void randomAffineWarpsBothWithTheSameMatrix() {
        // a label map equal to the image's only channel: after the warp they must still agree wherever the
        // bilinear image is at an exact pixel value, and labels stay integers
        Tensor lbl = Tensor.of(new float[] {0, 1, 1, 2, 0, 2, 1, 1, 0, 0, 2, 2, 1, 0, 0, 2, 2, 1, 1, 0}, 4, 5);
        Sample s = new Sample(lbl.unsqueeze(0), lbl);
        Sample out = Transforms.randomAffine(new RandomAffine(0, 1, 1, 0.2), new GridSampleWarp()).apply(s, new Generator(2));
        for (float v : out.target().toFloatArray()) assertEquals(Math.rint(v), v);
        RandomAffine.Params p = new RandomAffine(0, 1, 1, 0.2).sample(new Generator(2));
        AffineMatrix theta = RandomAffine.theta(p.degrees(), p.scale(), p.translateX(), p.translateY(), 4, 5, false);
        assertArrayEquals(new GridSampleWarp().labels(lbl, theta).toFloatArray(), out.target().toFloatArray());
        assertArrayEquals(new GridSampleWarp().image(lbl.unsqueeze(0), theta).toFloatArray(), out.input().toFloatArray());
    }

    @Test
    void mismatchedPairsAreRejected() {
        Sample bad = new Sample(Tensor.zeros(3, 4, 5), Tensor.zeros(4, 6));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Transforms.randomHorizontalFlip(0.5).apply(bad, new Generator(0)));
        assertEquals("Transforms.randomHorizontalFlip: expected an image [C,H,W] and a label map [H,W] of the same"
                + " size, got [3,4,5] and [4,6]", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Transforms.intensityJitter(1.5, 0));
        assertThrows(IllegalArgumentException.class, () -> Transforms.randomHorizontalFlip(2));
    }
}

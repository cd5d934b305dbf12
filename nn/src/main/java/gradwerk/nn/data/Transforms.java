package gradwerk.nn.data;

import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

import java.util.Objects;

/**
 * Augmentations for segmentation samples: an image [C,H,W] as {@link Sample#input()} and a label map [H,W] as
 * {@link Sample#target()}. Geometric transforms move both together; intensity transforms touch only the image.
 * Each returns a {@link RandomTransform} that draws from the generator it is given, so it composes with
 * {@link RandomTransform#andThen} and stays reproducible under the {@link DataLoader}.
 */
public final class Transforms {
    private Transforms() {}

    /** Mirrors the last dim (width) of a tensor of any rank ≥ 1; returns a new contiguous tensor. */
    public static Tensor hflip(Tensor t) {
        if (t.rank() < 1) throw new IllegalArgumentException("Transforms.hflip: a 0-d tensor has no width");
        int w = t.size(-1);
        double[] src = t.toDoubleArray(), out = new double[src.length];
        for (int row = 0; row < src.length; row += w)
            for (int j = 0; j < w; j++) out[row + j] = src[row + w - 1 - j];
        return Tensor.of(out, t.shape()).to(t.dtype()); // float32 values pass through double exactly
    }

    /** Flips image and label map together with probability p. */
    public static RandomTransform<Sample> randomHorizontalFlip(double p) {
        requireProbability("randomHorizontalFlip", p);
        return (s, g) -> {
            checkPair("randomHorizontalFlip", s);
            return g.nextDouble() < p ? new Sample(hflip(s.input()), hflip(s.target())) : s;
        };
    }

    /**
     * {@code image · scale + shift} with scale uniform in [1 - maxScale, 1 + maxScale] and shift uniform in
     * [-maxShift, maxShift], one draw per sample (scale first, then shift); labels unchanged.
     */
    public static RandomTransform<Sample> intensityJitter(double maxScale, double maxShift) {
        if (!(maxScale >= 0 && maxScale < 1))
            throw new IllegalArgumentException("Transforms.intensityJitter: maxScale " + maxScale + " not in [0, 1)");
        if (!(maxShift >= 0 && Double.isFinite(maxShift)))
            throw new IllegalArgumentException("Transforms.intensityJitter: maxShift " + maxShift + " must be >= 0");
        return (s, g) -> {
            checkPair("intensityJitter", s);
            double scale = 1 + (2 * g.nextDouble() - 1) * maxScale;
            double shift = (2 * g.nextDouble() - 1) * maxShift;
            return new Sample(s.input().mul(scale).add(shift), s.target());
        };
    }

    /**
     * A random rotation/zoom/shift of image and labels (see {@link RandomAffine}); the image is interpolated
     * bilinearly, the labels by nearest neighbour, and uncovered areas become 0 (background).
     *
     * @param warp the resampler, normally {@code new GridSampleWarp()}
     */
    public static RandomTransform<Sample> randomAffine(RandomAffine affine, Warp warp) {
        Objects.requireNonNull(affine, "affine");
        Objects.requireNonNull(warp, "warp");
        return (s, g) -> {
            checkPair("randomAffine", s);
            AffineMatrix theta = affine.sample(g, s.input().size(1), s.input().size(2));
            return new Sample(warp.image(s.input(), theta), warp.labels(s.target(), theta));
        };
    }

    /** The sample must be an image [C,H,W] with a label map [H,W] of the same height and width. */
    static void checkPair(String op, Sample s) {
        int[] in = s.input().shape(), tg = s.target().shape();
        if (in.length != 3 || tg.length != 2 || in[1] != tg[0] || in[2] != tg[1])
            throw new IllegalArgumentException("Transforms." + op + ": expected an image [C,H,W] and a label map [H,W]"
                    + " of the same size, got " + Shape.str(in) + " and " + Shape.str(tg));
    }

    private static void requireProbability(String op, double p) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("Transforms." + op + ": probability " + p + " not in [0, 1]");
    }
}

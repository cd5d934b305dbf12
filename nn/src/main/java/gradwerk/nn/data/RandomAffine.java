package gradwerk.nn.data;

import gradwerk.tensor.Generator;

/**
 * Random rotation, zoom and shift for augmentation, expressed as the {@link AffineMatrix} that PyTorch's
 * {@code affine_grid} (and gradwerk's grid sampling) expects.
 *
 * <p>Parameters describe what happens to the image <em>content</em>, in pixels, about the image centre:
 * rotation by an angle drawn from [-maxDegrees, maxDegrees] (positive = counter-clockwise as displayed, row 0 at
 * the top), scaling by a factor from [minScale, maxScale] (&gt; 1 enlarges), then a shift by up to
 * {@code maxTranslate} of the width/height in each direction (positive = right/down).
 *
 * <p>Normalised coordinates stretch x by 2/W and y by 2/H, so on a non-square image a rotation is not a rotation
 * in normalised space. {@link #theta} therefore builds the motion in pixel space and converts:
 * {@code theta = N · M⁻¹ · N⁻¹}, N the pixel→normalised scaling — a 30° turn stays a 30° turn on any aspect ratio.
 *
 * @param alignCorners the same flag as {@code affine_grid}/{@code grid_sample}; it changes N slightly
 *                     (2/W vs 2/(W-1)), so use the value the warp will use (PyTorch's default is false)
 */
public record RandomAffine(double maxDegrees, double minScale, double maxScale, double maxTranslate,
                           boolean alignCorners) {
    public RandomAffine {
        if (!(maxDegrees >= 0 && maxDegrees <= 180))
            throw new IllegalArgumentException("RandomAffine: maxDegrees " + maxDegrees + " not in [0, 180]");
        if (!(minScale > 0 && minScale <= maxScale && Double.isFinite(maxScale)))
            throw new IllegalArgumentException("RandomAffine: scale range [" + minScale + ", " + maxScale
                    + "] must satisfy 0 < min <= max");
        if (!(maxTranslate >= 0 && maxTranslate <= 1))
            throw new IllegalArgumentException("RandomAffine: maxTranslate " + maxTranslate + " not in [0, 1]");
    }

    /** With {@code alignCorners = false}, PyTorch's default. */
    public RandomAffine(double maxDegrees, double minScale, double maxScale, double maxTranslate) {
        this(maxDegrees, minScale, maxScale, maxTranslate, false);
    }

    /** One draw: degrees, scale, and shifts as fractions of width and height. */
    public record Params(double degrees, double scale, double translateX, double translateY) {}

    /**
     * Draws parameters: uniform angle, then uniform scale, then uniform x and y shift — in that order, which is
     * part of the reproducibility contract (changing it changes every augmented run).
     */
    public Params sample(Generator g) {
        double deg = (2 * g.nextDouble() - 1) * maxDegrees;
        double scale = minScale + g.nextDouble() * (maxScale - minScale);
        double tx = (2 * g.nextDouble() - 1) * maxTranslate;
        double ty = (2 * g.nextDouble() - 1) * maxTranslate;
        return new Params(deg, scale, tx, ty);
    }

    /** A random matrix for an image of the given size. */
    public AffineMatrix sample(Generator g, int height, int width) {
        Params p = sample(g);
        return theta(p.degrees(), p.scale(), p.translateX(), p.translateY(), height, width, alignCorners);
    }

    /**
     * The affine_grid matrix for a content motion: rotate by {@code degrees} (counter-clockwise), scale by
     * {@code scale}, then shift by {@code tx·W} pixels right and {@code ty·H} pixels down.
     */
    public static AffineMatrix theta(double degrees, double scale, double tx, double ty, int height, int width,
                                     boolean alignCorners) {
        if (height < 1 || width < 1)
            throw new IllegalArgumentException("RandomAffine.theta: image size " + height + "x" + width);
        if (!(scale > 0)) throw new IllegalArgumentException("RandomAffine.theta: scale " + scale + " <= 0");
        // pixel -> normalised scale factors (centred pixel coordinates times these give [-1, 1] coordinates)
        double nx = 2.0 / (alignCorners ? Math.max(width - 1, 1) : width);
        double ny = 2.0 / (alignCorners ? Math.max(height - 1, 1) : height);
        // Forward motion in pixel space (y down): a counter-clockwise turn on screen sends (1, 0) to (cos, -sin).
        // M = s·[[cos, sin], [-sin, cos]]; its inverse is [[cos, -sin], [sin, cos]] / s.
        double rad = Math.toRadians(degrees), cos = Math.cos(rad), sin = Math.sin(rad);
        double i00 = cos / scale, i01 = -sin / scale, i10 = sin / scale, i11 = cos / scale;
        // Into normalised space: L = N · M⁻¹ · N⁻¹, N = diag(nx, ny).
        double a = i00, b = i01 * nx / ny, d = i10 * ny / nx, e = i11;
        // Input = M⁻¹ (output - shift): the constant term is -L · (N · shift).
        double sx = tx * width * nx, sy = ty * height * ny;
        return new AffineMatrix(a, b, -(a * sx + b * sy), d, e, -(d * sx + e * sy));
    }
}

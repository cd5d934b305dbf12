package gradwerk.ddanet.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * One axial CT slice with its segmentation: the unit every data source in this package produces.
 *
 * <p>Both arrays are row-major: pixel {@code (row, col)} lives at index {@code row * width + col}.
 * {@code image} holds intensities in {@code [0, 1]} (already windowed; see {@link HuWindow}); {@code labels}
 * holds one class per pixel: {@link #BACKGROUND}, {@link #GGO} or {@link #CONSOLIDATION}.
 *
 * <p>The compact constructor checks lengths, intensities and label values but does not copy the arrays: a record
 * is a carrier here, and copying two 512×512 arrays on every hand-over would be wasted work. Treat them as
 * read-only. {@link #equals} and {@link #hashCode} compare the array contents (a plain record would compare the
 * array references), so two slices generated from the same seed are equal.
 */
public record CtSlice(String id, int height, int width, float[] image, byte[] labels) {
    /** Class 0: everything that is not a lesion (including lung, vessels, body and air). */
    public static final int BACKGROUND = 0;
    /** Class 1: ground-glass opacity, a hazy lesion through which vessels stay visible. */
    public static final int GGO = 1;
    /** Class 2: consolidation, a dense lesion close to soft-tissue intensity. */
    public static final int CONSOLIDATION = 2;
    /** The number of classes a model predicts. */
    public static final int NUM_CLASSES = 3;

    public CtSlice {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(labels, "labels");
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("CtSlice " + id + ": size " + height + "x" + width + " is not positive");
        }
        long n = (long) height * width;
        if (image.length != n) {
            throw new IllegalArgumentException("CtSlice " + id + ": image has " + image.length
                    + " values, expected height*width = " + height + "*" + width + " = " + n);
        }
        if (labels.length != n) {
            throw new IllegalArgumentException("CtSlice " + id + ": labels has " + labels.length
                    + " values, expected height*width = " + height + "*" + width + " = " + n);
        }
        for (int i = 0; i < image.length; i++) {
            if (!(image[i] >= 0f && image[i] <= 1f)) { // also catches NaN
                throw new IllegalArgumentException("CtSlice " + id + ": intensity " + image[i] + " at (row "
                        + i / width + ", col " + i % width + ") is outside [0, 1]");
            }
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= NUM_CLASSES) {
                throw new IllegalArgumentException("CtSlice " + id + ": label " + labels[i] + " at (row "
                        + i / width + ", col " + i % width + ") is not a class 0.." + (NUM_CLASSES - 1));
            }
        }
    }

    /** The intensity at {@code (row, col)}. */
    public float pixel(int row, int col) {
        return image[row * width + col];
    }

    /** The class at {@code (row, col)}. */
    public int label(int row, int col) {
        return labels[row * width + col];
    }

    /** How many pixels carry class {@code cls}. */
    public long count(int cls) {
        long n = 0;
        for (byte b : labels) {
            if (b == cls) n++;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CtSlice s && id.equals(s.id) && height == s.height && width == s.width
                && Arrays.equals(image, s.image) && Arrays.equals(labels, s.labels);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, height, width, Arrays.hashCode(image), Arrays.hashCode(labels));
    }

    @Override
    public String toString() {
        return "CtSlice[" + id + ", " + height + "x" + width + ", GGO " + count(GGO) + " px, consolidation "
                + count(CONSOLIDATION) + " px]";
    }
}

package gradwerk.ddanet.data;

import java.util.List;

/**
 * Pixel statistics over a list of slices: the mean and standard deviation of the image intensities (to
 * standardise inputs as {@code (x - mean) / std}) and how many pixels carry each class (to see the class
 * imbalance, or to weight a loss).
 *
 * <p>Compute them on the <em>training</em> slices only and apply them unchanged to validation and test slices:
 * statistics taken from the test set would leak information about it into the model's inputs.
 *
 * <p>The standard deviation is the population one (divide by N, as {@code numpy.std} does). It is computed in
 * two passes (first the mean, then the squared deviations from it) in double precision, which avoids the
 * cancellation of the one-pass formula {@code E[x²] - E[x]²}.
 *
 * @param pixels      the number of pixels seen
 * @param mean        mean intensity
 * @param std         population standard deviation of the intensity
 * @param classPixels pixels per class, indexed by class ({@link CtSlice#NUM_CLASSES} entries)
 */
public record DatasetStats(long pixels, double mean, double std, long[] classPixels) {
    public DatasetStats {
        classPixels = classPixels.clone();
    }

    /** The statistics of all pixels of {@code slices} (which must not be empty). */
    public static DatasetStats of(List<CtSlice> slices) {
        if (slices.isEmpty()) throw new IllegalArgumentException("DatasetStats.of: no slices");
        long n = 0;
        double sum = 0;
        long[] classes = new long[CtSlice.NUM_CLASSES];
        for (CtSlice s : slices) {
            for (float v : s.image()) sum += v;
            n += s.image().length;
            for (byte b : s.labels()) classes[b]++;
        }
        double mean = sum / n;
        double squares = 0;
        for (CtSlice s : slices) {
            for (float v : s.image()) {
                double d = v - mean;
                squares += d * d;
            }
        }
        return new DatasetStats(n, mean, Math.sqrt(squares / n), classes);
    }

    @Override
    public long[] classPixels() {
        return classPixels.clone();
    }

    /** The fraction of pixels that carry class {@code cls}. */
    public double classFraction(int cls) {
        return (double) classPixels[cls] / pixels;
    }

    /** {@code (x - mean) / std} for every value of {@code image}, into a new array. */
    public float[] standardize(float[] image) {
        if (!(std > 0)) throw new IllegalStateException("DatasetStats: std is " + std + "; cannot standardise");
        float[] out = new float[image.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) ((image[i] - mean) / std);
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DatasetStats d && pixels == d.pixels && Double.compare(mean, d.mean) == 0
                && Double.compare(std, d.std) == 0 && java.util.Arrays.equals(classPixels, d.classPixels);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(pixels, mean, std, java.util.Arrays.hashCode(classPixels));
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "DatasetStats[%d px, mean %.4f, std %.4f, bg %.4f, GGO %.4f, consolidation %.4f]",
                pixels, mean, std, classFraction(0), classFraction(1), classFraction(2));
    }
}

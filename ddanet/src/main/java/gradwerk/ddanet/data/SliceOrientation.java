package gradwerk.ddanet.data;

/**
 * An explicit re-orientation of a 2-D slice: optionally transpose, then optionally flip rows (top/bottom) and
 * flip columns (left/right). The eight combinations are the eight ways to lay a square image on a table.
 *
 * <p>Why this exists: a NIfTI slice read "as stored" has row = y, column = x ({@link NiftiVolume}). Whether that
 * shows the patient the way radiologists (or a PNG export of the same scan) do depends on the scanner's
 * orientation matrix, which this package does not interpret. So nothing is turned silently; a caller who
 * compares with PNG slices picks the orientation that makes them match and writes it down. For example, the
 * common NumPy idiom {@code np.rot90(vol[:, :, z])} (with {@code vol} indexed x, y, z as nibabel returns it)
 * equals {@code new SliceOrientation(false, true, false)} applied to the as-stored slice.
 *
 * @param transpose   swap rows and columns first (an H×W slice becomes W×H)
 * @param flipRows    then reverse the order of the rows (upside down)
 * @param flipColumns then reverse the order of the columns (mirror left/right)
 */
public record SliceOrientation(boolean transpose, boolean flipRows, boolean flipColumns) {
    /** Leave slices as stored. */
    public static final SliceOrientation AS_STORED = new SliceOrientation(false, false, false);
    /** Swap rows and columns only. */
    public static final SliceOrientation TRANSPOSED = new SliceOrientation(true, false, false);

    /** Rows of the result for a {@code height × width} input. */
    public int outHeight(int height, int width) {
        return transpose ? width : height;
    }

    /** Columns of the result for a {@code height × width} input. */
    public int outWidth(int height, int width) {
        return transpose ? height : width;
    }

    /**
     * For each output pixel (row-major), the index of the input pixel it comes from. Applying the same map to an
     * image and its labels keeps them aligned.
     */
    public int[] sourceIndex(int height, int width) {
        int outH = outHeight(height, width), outW = outWidth(height, width);
        int[] src = new int[outH * outW];
        for (int r = 0; r < outH; r++) {
            for (int c = 0; c < outW; c++) {
                int rr = flipRows ? outH - 1 - r : r;   // undo the flips first: they were applied last
                int cc = flipColumns ? outW - 1 - c : c;
                src[r * outW + c] = transpose ? cc * width + rr : rr * width + cc;
            }
        }
        return src;
    }

    /** {@code image} ({@code height × width}) re-oriented, into a new array. */
    public float[] apply(float[] image, int height, int width) {
        int[] src = sourceIndex(height, width);
        float[] out = new float[src.length];
        for (int i = 0; i < out.length; i++) out[i] = image[src[i]];
        return out;
    }

    /** {@code labels} ({@code height × width}) re-oriented, into a new array. */
    public byte[] apply(byte[] labels, int height, int width) {
        int[] src = sourceIndex(height, width);
        byte[] out = new byte[src.length];
        for (int i = 0; i < out.length; i++) out[i] = labels[src[i]];
        return out;
    }
}

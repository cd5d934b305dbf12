package gradwerk.ddanet.data;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A 3-D volume read from a NIfTI file: voxel values (after {@code scl_slope}/{@code scl_inter}) as floats.
 *
 * <p>Layout, as stored: x varies fastest, then y, then z, so voxel {@code (x, y, z)} is at
 * {@code x + nx * (y + ny * z)}. A slice {@code z} is therefore an image with {@code ny} rows and {@code nx}
 * columns, row-major, row = y, column = x. That is the orientation "as stored"; whether it matches how a viewer
 * shows the scan depends on the file's qform/sform, which this reader does not interpret; see
 * {@link SliceOrientation} for turning slices explicitly.
 *
 * @param source the file read (for messages)
 * @param header the parsed header
 * @param voxels {@code nx * ny * nz} values, x fastest
 */
public record NiftiVolume(Path source, NiftiHeader header, float[] voxels) {
    public NiftiVolume {
        Objects.requireNonNull(header, "header");
        if (voxels.length != header.voxelCount()) {
            throw new IllegalArgumentException(source + ": " + voxels.length + " voxels for a " + header.nx() + "x"
                    + header.ny() + "x" + header.nz() + " volume");
        }
    }

    public int nx() {
        return header.nx();
    }

    public int ny() {
        return header.ny();
    }

    public int nz() {
        return header.nz();
    }

    /** The value of voxel {@code (x, y, z)}. */
    public float get(int x, int y, int z) {
        Objects.checkIndex(x, nx());
        Objects.checkIndex(y, ny());
        Objects.checkIndex(z, nz());
        return voxels[x + nx() * (y + ny() * z)];
    }

    /** A copy of slice {@code z}: {@code ny} rows of {@code nx} values (row = y, column = x). */
    public float[] slice(int z) {
        Objects.checkIndex(z, nz());
        int n = nx() * ny();
        float[] out = new float[n];
        System.arraycopy(voxels, z * n, out, 0, n);
        return out;
    }

    /** The smallest and largest voxel value, {@code {min, max}}. */
    public float[] range() {
        float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
        for (float v : voxels) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        return new float[] {lo, hi};
    }

    @Override
    public String toString() {
        return "NiftiVolume[" + source + ", " + header + "]";
    }
}

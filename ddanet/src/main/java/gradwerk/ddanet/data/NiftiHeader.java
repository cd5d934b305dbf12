package gradwerk.ddanet.data;

import java.nio.ByteOrder;

/**
 * The fields of a NIfTI-1 header that a reader of CT volumes needs (the header has 43 fields; the rest describe
 * orientation in scanner space, timing and intents, which a slice-by-slice reader does not use).
 *
 * <p>Byte offsets in the 348-byte header, for reference: {@code sizeof_hdr} 0, {@code dim[8]} 40 (shorts),
 * {@code datatype} 70, {@code bitpix} 72, {@code pixdim[8]} 76 (floats), {@code vox_offset} 108,
 * {@code scl_slope} 112, {@code scl_inter} 116, {@code descrip[80]} 148, {@code qform_code} 252,
 * {@code sform_code} 254, {@code magic[4]} 344.
 *
 * @param order       the byte order of the file (found from {@code sizeof_hdr} = 348)
 * @param nx          voxels along x, the fastest-varying axis in the file
 * @param ny          voxels along y
 * @param nz          voxels along z (slices); 1 for a 2-D image
 * @param datatype    how each voxel is stored
 * @param pixdim      voxel size along x, y, z (usually millimetres)
 * @param voxOffset   byte offset of the first voxel in the (uncompressed) file
 * @param sclSlope    scaling slope; 0 means "no scaling" (the NIfTI rule), so {@link #slope()} reads it as 1
 * @param sclInter    scaling intercept, applied only when scaling is on
 * @param description the 80-character {@code descrip} field, trimmed
 */
public record NiftiHeader(ByteOrder order, int nx, int ny, int nz, NiftiDatatype datatype, float[] pixdim,
                          long voxOffset, float sclSlope, float sclInter, String description) {
    /** The size of a NIfTI-1 header in bytes, also the value of its first field. */
    public static final int SIZE = 348;

    /** Whether voxel values are scaled: NIfTI says a slope of 0 (or a missing, non-finite one) means none. */
    public boolean scaled() {
        return sclSlope != 0f && Float.isFinite(sclSlope);
    }

    /** The slope actually applied: {@code sclSlope}, or 1 when scaling is off. */
    public double slope() {
        return scaled() ? sclSlope : 1.0;
    }

    /** The intercept actually applied: {@code sclInter}, or 0 when scaling is off. */
    public double intercept() {
        return scaled() ? sclInter : 0.0;
    }

    /** The number of voxels, {@code nx * ny * nz}. */
    public long voxelCount() {
        return (long) nx * ny * nz;
    }

    @Override
    public String toString() {
        return "NiftiHeader[" + nx + "x" + ny + "x" + nz + " " + datatype + ", " + order + ", vox_offset "
                + voxOffset + (scaled() ? ", scl " + sclSlope + "*v+" + sclInter : "") + "]";
    }
}

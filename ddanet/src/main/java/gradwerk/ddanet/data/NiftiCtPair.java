package gradwerk.ddanet.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A CT volume and its label volume read from two NIfTI files, e.g. MedSeg's {@code tr_im.nii.gz} (intensities in
 * HU) and {@code tr_mask.nii.gz} (labels 0 background, 1 GGO, 2 consolidation, 3 pleural effusion), served as
 * {@link CtSlice}s: one per z, windowed with a {@link HuWindow} and turned by a {@link SliceOrientation}.
 *
 * <p>Label 3 becomes background, as for the PNG folder ({@link MedSegFolder#IGNORED_MASK_VALUE}). Label voxels
 * must be whole numbers 0..3; the two volumes must have the same dimensions. Slice ids are {@code "%04d"} of z
 * ({@code 0000}, {@code 0001}, ...), the naming of the MedSeg-100 PNG folder.
 */
public final class NiftiCtPair {
    private final NiftiVolume image;
    private final byte[] labels; // nx*ny*nz classes, x fastest, 3 already mapped to 0
    private final HuWindow window;
    private final SliceOrientation orientation;

    /** Reads both files and checks that they fit together. */
    public static NiftiCtPair read(Path imageFile, Path maskFile, HuWindow window, SliceOrientation orientation) {
        return new NiftiCtPair(Nifti1Reader.read(imageFile), Nifti1Reader.read(maskFile), window, orientation);
    }

    /** Pairs two volumes already read; throws if their dimensions differ or a label is not a class. */
    public NiftiCtPair(NiftiVolume image, NiftiVolume mask, HuWindow window, SliceOrientation orientation) {
        this.image = Objects.requireNonNull(image, "image");
        this.window = Objects.requireNonNull(window, "window");
        this.orientation = Objects.requireNonNull(orientation, "orientation");
        if (image.nx() != mask.nx() || image.ny() != mask.ny() || image.nz() != mask.nz()) {
            throw new IllegalArgumentException("dims mismatch: image " + image.source() + " is " + image.nx() + "x"
                    + image.ny() + "x" + image.nz() + " (x,y,z) but mask " + mask.source() + " is " + mask.nx()
                    + "x" + mask.ny() + "x" + mask.nz());
        }
        this.labels = toLabels(mask);
    }

    private static byte[] toLabels(NiftiVolume mask) {
        float[] v = mask.voxels();
        byte[] out = new byte[v.length];
        int nx = mask.nx(), ny = mask.ny();
        for (int i = 0; i < v.length; i++) {
            float x = v[i];
            if (!(x >= 0 && x <= MedSegFolder.IGNORED_MASK_VALUE) || x != Math.rint(x)) {
                throw new IllegalArgumentException(mask.source() + ": label " + x + " at voxel (x " + i % nx + ", y "
                        + i / nx % ny + ", z " + i / nx / ny + ") is not a class 0..3");
            }
            int c = (int) x;
            out[i] = (byte) (c == MedSegFolder.IGNORED_MASK_VALUE ? CtSlice.BACKGROUND : c);
        }
        return out;
    }

    /** The number of slices (nz). */
    public int depth() {
        return image.nz();
    }

    /** The image volume, in HU as read. */
    public NiftiVolume image() {
        return image;
    }

    /** Slice {@code z}: windowed image and labels, re-oriented. */
    public CtSlice slice(int z) {
        Objects.checkIndex(z, depth());
        int h = image.ny(), w = image.nx(), n = h * w;
        float[] img = window.apply(image.slice(z));
        byte[] lab = new byte[n];
        System.arraycopy(labels, z * n, lab, 0, n);
        return new CtSlice(String.format("%04d", z), orientation.outHeight(h, w), orientation.outWidth(h, w),
                orientation.apply(img, h, w), orientation.apply(lab, h, w));
    }

    /** Every slice, in z order. */
    public List<CtSlice> slices() {
        List<CtSlice> out = new ArrayList<>(depth());
        for (int z = 0; z < depth(); z++) out.add(slice(z));
        return out;
    }
}

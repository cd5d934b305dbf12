package gradwerk.ddanet.data;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reads single-file NIfTI-1 volumes ({@code .nii}, or {@code .nii.gz} compressed with gzip) into a
 * {@link NiftiVolume}.
 *
 * <p>What it handles, and how it tells:
 * <ul>
 *   <li>gzip: by content, not by name: a gzip stream starts with the bytes {@code 1f 8b};</li>
 *   <li>byte order: the first header field, {@code sizeof_hdr}, must be 348; whichever byte order reads it as
 *       348 is the file's byte order;</li>
 *   <li>voxel types: uint8, int8, int16, uint16, int32, float32, float64 ({@link NiftiDatatype});</li>
 *   <li>scaling: value = {@code scl_slope * stored + scl_inter}, unless {@code scl_slope} is 0 (no scaling);</li>
 *   <li>dimensions: 1 to 3 (x, y, z); a 4th and higher dimension is accepted only when it is 1.</li>
 * </ul>
 * Errors start with the file's path: a malformed file is an {@link IllegalArgumentException} (too short,
 * bad {@code sizeof_hdr} or magic, unsupported datatype, truncated data or gzip stream), a file that cannot be
 * read at all is an {@link UncheckedIOException}.
 */
public final class Nifti1Reader {
    private static final byte[] MAGIC_SINGLE_FILE = {'n', '+', '1', 0};
    private static final byte[] MAGIC_PAIR = {'n', 'i', '1', 0};

    private Nifti1Reader() {}

    /** Reads the whole volume in {@code file}. */
    public static NiftiVolume read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read (" + e + ")", e);
        }
        return parse(file, bytes);
    }

    /** Reads a volume from the bytes of a file (compressed or not); {@code name} only labels messages. */
    public static NiftiVolume parse(Path name, byte[] fileBytes) {
        byte[] bytes = isGzip(fileBytes) ? gunzip(name, fileBytes) : fileBytes;
        NiftiHeader h = parseHeader(name, bytes);
        return new NiftiVolume(name, h, voxels(name, h, bytes));
    }

    /** Whether {@code bytes} start with the gzip magic number {@code 1f 8b}. */
    public static boolean isGzip(byte[] bytes) {
        return bytes.length >= 2 && bytes[0] == (byte) 0x1f && bytes[1] == (byte) 0x8b;
    }

    private static byte[] gunzip(Path name, byte[] compressed) {
        try (var in = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
            return in.readAllBytes();
        } catch (IOException e) { // EOFException for a cut-off stream, ZipException for corrupt data
            throw new IllegalArgumentException(name + ": truncated or corrupt gzip data (" + e.getMessage() + ")", e);
        }
    }

    /** Parses and checks the 348-byte header at the start of the uncompressed {@code bytes}. */
    public static NiftiHeader parseHeader(Path name, byte[] bytes) {
        if (bytes.length < NiftiHeader.SIZE) {
            throw new IllegalArgumentException(name + ": truncated: " + bytes.length + " bytes, shorter than the "
                    + NiftiHeader.SIZE + "-byte NIfTI-1 header");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(byteOrder(name, bytes));
        checkMagic(name, Arrays.copyOfRange(bytes, 344, 348));

        int rank = b.getShort(40);
        if (rank < 1 || rank > 7) {
            throw new IllegalArgumentException(name + ": dim[0] = " + rank + ", expected 1..7 dimensions");
        }
        int[] dim = new int[8];
        for (int i = 1; i <= 7; i++) dim[i] = i <= rank ? b.getShort(40 + 2 * i) : 1;
        for (int i = 1; i <= rank; i++) {
            if (dim[i] < 1) throw new IllegalArgumentException(name + ": dim[" + i + "] = " + dim[i] + " < 1");
            if (i > 3 && dim[i] != 1) {
                throw new IllegalArgumentException(name + ": " + rank + "-D volume with dim[" + i + "] = " + dim[i]
                        + "; only x, y, z volumes (extra dimensions of size 1) are supported");
            }
        }

        int code = b.getShort(70);
        NiftiDatatype type = NiftiDatatype.of(code);
        if (type == null) {
            throw new IllegalArgumentException(name + ": unsupported datatype " + NiftiDatatype.describe(code)
                    + "; supported: " + Arrays.toString(NiftiDatatype.values()));
        }
        int bitpix = b.getShort(72);
        if (bitpix != 8 * type.bytes) {
            throw new IllegalArgumentException(name + ": bitpix " + bitpix + " does not match datatype " + type
                    + " (" + 8 * type.bytes + " bits)");
        }

        float[] pixdim = {b.getFloat(80), b.getFloat(84), b.getFloat(88)};
        float offset = b.getFloat(108);
        if (!(offset >= NiftiHeader.SIZE) || offset != Math.rint(offset) || offset > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + ": vox_offset " + offset
                    + " is not a whole number of bytes past the " + NiftiHeader.SIZE + "-byte header");
        }
        String descrip = new String(bytes, 148, 80, StandardCharsets.ISO_8859_1);
        int nul = descrip.indexOf('\0');
        descrip = (nul >= 0 ? descrip.substring(0, nul) : descrip).strip();
        return new NiftiHeader(b.order(), dim[1], dim[2], dim[3], type, pixdim, (long) offset,
                b.getFloat(112), b.getFloat(116), descrip);
    }

    /** The byte order in which {@code sizeof_hdr} (the first int) reads 348. */
    private static ByteOrder byteOrder(Path name, byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes, 0, 4);
        int little = b.order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        int big = b.order(ByteOrder.BIG_ENDIAN).getInt(0);
        if (little == NiftiHeader.SIZE) return ByteOrder.LITTLE_ENDIAN;
        if (big == NiftiHeader.SIZE) return ByteOrder.BIG_ENDIAN;
        if (little == 540 || big == 540) {
            throw new IllegalArgumentException(name + ": sizeof_hdr is 540: a NIfTI-2 file; only NIfTI-1 is supported");
        }
        throw new IllegalArgumentException(name + ": not a NIfTI-1 file: sizeof_hdr reads " + little
                + " (little-endian) / " + big + " (big-endian), expected 348");
    }

    private static void checkMagic(Path name, byte[] magic) {
        if (Arrays.equals(magic, MAGIC_SINGLE_FILE)) return;
        if (Arrays.equals(magic, MAGIC_PAIR)) {
            throw new IllegalArgumentException(name + ": magic \"ni1\\0\" marks a .hdr/.img pair; only single-file "
                    + ".nii (magic \"n+1\\0\") is supported");
        }
        StringBuilder shown = new StringBuilder();
        for (byte c : magic) shown.append(c >= 32 && c < 127 ? String.valueOf((char) c) : String.format("\\x%02x", c));
        throw new IllegalArgumentException(name + ": bad magic \"" + shown + "\" at byte 344, expected \"n+1\\0\"");
    }

    /** Decodes the voxels that follow {@code vox_offset}, applying the header's scaling. */
    private static float[] voxels(Path name, NiftiHeader h, byte[] bytes) {
        long n = h.voxelCount();
        long need = h.voxOffset() + n * h.datatype().bytes;
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(name + ": " + n + " voxels do not fit in one Java array");
        }
        if (bytes.length < need) {
            throw new IllegalArgumentException(name + ": truncated: the header promises " + h.nx() + "x" + h.ny()
                    + "x" + h.nz() + " " + h.datatype() + " voxels (" + n * h.datatype().bytes + " bytes from offset "
                    + h.voxOffset() + ", " + need + " in all) but there are only " + bytes.length + " bytes"
                    + " (after decompression, for gzip)");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(h.order());
        double slope = h.slope(), intercept = h.intercept();
        boolean scaled = h.scaled();
        NiftiDatatype type = h.datatype();
        float[] out = new float[(int) n];
        for (int i = 0; i < out.length; i++) {
            double v = type.read(b, h.voxOffset() + (long) i * type.bytes);
            out[i] = (float) (scaled ? v * slope + intercept : v);
        }
        return out;
    }
}

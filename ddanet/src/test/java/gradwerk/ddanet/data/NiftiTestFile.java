package gradwerk.ddanet.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

/**
 * A minimal NIfTI-1 writer for tests: builds a single-file volume byte by byte, so each test can set exactly the
 * header field it is about (byte order, datatype, scaling, offset, magic) and break a file on purpose.
 */
final class NiftiTestFile {
    ByteOrder order = ByteOrder.LITTLE_ENDIAN;
    int[] dims = {2, 3, 1}; // nx, ny, nz
    int rank = 3;
    NiftiDatatype type = NiftiDatatype.INT16;
    int datatypeCode = -1; // override: write this code instead of type.code
    int bitpix = -1; // override
    float voxOffset = 352;
    float slope = 0, inter = 0;
    byte[] magic = {'n', '+', '1', 0};
    double[] stored = {0, 1, 2, 3, 4, 5}; // stored (unscaled) voxel values, x fastest
    boolean gzip;
    int dropLastBytes;
    int sizeofHdr = 348;

    NiftiTestFile order(ByteOrder o) { order = o; return this; }
    NiftiTestFile dims(int nx, int ny, int nz) { dims = new int[] {nx, ny, nz}; return this; }
    NiftiTestFile rank(int r) { rank = r; return this; }
    NiftiTestFile type(NiftiDatatype t) { type = t; return this; }
    NiftiTestFile datatypeCode(int c) { datatypeCode = c; return this; }
    NiftiTestFile bitpix(int b) { bitpix = b; return this; }
    NiftiTestFile voxOffset(float o) { voxOffset = o; return this; }
    NiftiTestFile scale(float s, float i) { slope = s; inter = i; return this; }
    NiftiTestFile magic(String m) { magic = m.getBytes(StandardCharsets.ISO_8859_1); return this; }
    NiftiTestFile values(double... v) { stored = v.clone(); return this; }
    NiftiTestFile gzip(boolean g) { gzip = g; return this; }
    NiftiTestFile dropLastBytes(int n) { dropLastBytes = n; return this; }
    NiftiTestFile sizeofHdr(int n) { sizeofHdr = n; return this; }

    byte[] bytes() {
        int offset = Math.max((int) voxOffset, 352); // a bad vox_offset must not overwrite the header itself
        ByteBuffer b = ByteBuffer.allocate(offset + stored.length * type.bytes).order(order);
        b.putInt(0, sizeofHdr);
        b.putShort(40, (short) rank);
        for (int i = 0; i < 7; i++) b.putShort(42 + 2 * i, (short) (i < dims.length ? dims[i] : 1));
        b.putShort(70, (short) (datatypeCode >= 0 ? datatypeCode : type.code));
        b.putShort(72, (short) (bitpix >= 0 ? bitpix : 8 * type.bytes));
        for (int i = 0; i < 4; i++) b.putFloat(76 + 4 * i, 1f); // pixdim
        b.putFloat(108, voxOffset);
        b.putFloat(112, slope);
        b.putFloat(116, inter);
        b.put(148, "gradwerk test volume".getBytes(StandardCharsets.US_ASCII));
        b.put(344, magic);
        for (int i = 0; i < stored.length; i++) {
            int at = offset + i * type.bytes;
            double v = stored[i];
            switch (type) {
                case UINT8, INT8 -> b.put(at, (byte) v);
                case INT16, UINT16 -> b.putShort(at, (short) v);
                case INT32 -> b.putInt(at, (int) v);
                case FLOAT32 -> b.putFloat(at, (float) v);
                case FLOAT64 -> b.putDouble(at, v);
            }
        }
        byte[] raw = b.array();
        byte[] out = gzip ? gzip(raw) : raw;
        return Arrays.copyOf(out, out.length - dropLastBytes);
    }

    Path write(Path dir, String name) {
        try {
            return Files.write(dir.resolve(name), bytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] gzip(byte[] raw) {
        var out = new ByteArrayOutputStream();
        try (var z = new GZIPOutputStream(out)) {
            z.write(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}

package gradwerk.ddanet.data;

import java.nio.ByteBuffer;

/**
 * The NIfTI-1 voxel types this reader understands, with their header code and size.
 * {@link #describe(int)} names the other codes of the standard, so an error can say what a file holds.
 */
public enum NiftiDatatype {
    UINT8(2, 1),
    INT16(4, 2),
    INT32(8, 4),
    FLOAT32(16, 4),
    FLOAT64(64, 8),
    INT8(256, 1),
    UINT16(512, 2);

    /** The value of the header's {@code datatype} field. */
    public final int code;
    /** Bytes per voxel ({@code bitpix / 8}). */
    public final int bytes;

    NiftiDatatype(int code, int bytes) {
        this.code = code;
        this.bytes = bytes;
    }

    /** Reads the voxel that starts {@code byteOffset} bytes into {@code b} (in {@code b}'s byte order). */
    double read(ByteBuffer b, long byteOffset) {
        int at = Math.toIntExact(byteOffset);
        return switch (this) {
            case UINT8 -> b.get(at) & 0xff;
            case INT8 -> b.get(at);
            case INT16 -> b.getShort(at);
            case UINT16 -> b.getShort(at) & 0xffff;
            case INT32 -> b.getInt(at);
            case FLOAT32 -> b.getFloat(at);
            case FLOAT64 -> b.getDouble(at);
        };
    }

    /** The supported type with header code {@code code}, or {@code null}. */
    public static NiftiDatatype of(int code) {
        for (NiftiDatatype t : values()) {
            if (t.code == code) return t;
        }
        return null;
    }

    /** A name for any NIfTI-1 datatype code, e.g. "RGB24 (128)", for messages. */
    public static String describe(int code) {
        NiftiDatatype t = of(code);
        String name = t != null ? t.name() : switch (code) {
            case 0 -> "UNKNOWN";
            case 1 -> "BINARY";
            case 32 -> "COMPLEX64";
            case 128 -> "RGB24";
            case 768 -> "UINT32";
            case 1024 -> "INT64";
            case 1280 -> "UINT64";
            case 1536 -> "FLOAT128";
            case 1792 -> "COMPLEX128";
            case 2048 -> "COMPLEX256";
            case 2304 -> "RGBA32";
            default -> "not a NIfTI-1 datatype";
        };
        return name + " (" + code + ")";
    }
}

package gradwerk.nn.io;

import gradwerk.tensor.DType;
import gradwerk.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An open safetensors file whose header has been validated; tensors are read one at a time, on demand, with
 * positional reads through a small little-endian buffer. Peak memory is the one tensor being read plus the
 * buffer, never the whole file — useful for loading a few tensors out of a big checkpoint.
 *
 * <p>Reads are positional, so several threads may read different tensors from one reader at once.
 */
public final class SafeTensorsReader implements AutoCloseable {
    private static final int CHUNK_BYTES = 1 << 20;

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Header header;
    private final Map<String, TensorEntry> byName = new LinkedHashMap<>();

    private SafeTensorsReader(Path path, FileChannel channel, long dataStart, Header header) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.header = header;
        for (TensorEntry e : header.entries()) byName.put(e.name(), e);
    }

    static SafeTensorsReader open(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            long size = ch.size();
            if (size < 8)
                throw new SafeTensorsException(path, "file has " + size + " bytes, fewer than the 8-byte header"
                        + " length (empty or truncated file)");
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(path, ch, len, 0);
            long n = len.flip().getLong(); // unsigned in the spec: a negative long is a length >= 2^63
            if (n < 0 || n > SafeTensors.MAX_HEADER_BYTES)
                throw new SafeTensorsException(path, "header length " + Long.toUnsignedString(n) + " exceeds the "
                        + SafeTensors.MAX_HEADER_BYTES + "-byte limit (corrupt file, or not safetensors)");
            if (n > size - 8)
                throw new SafeTensorsException(path, "header length " + n + " is larger than the " + (size - 8)
                        + " bytes after it (truncated file, or not safetensors)");
            ByteBuffer json = ByteBuffer.allocate((int) n);
            readFully(path, ch, json, 8);
            Header header = Header.parse(path, json.flip(), size - 8 - n);
            return new SafeTensorsReader(path, ch, 8 + n, header);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** All tensors, in header order. */
    public List<TensorEntry> entries() {
        return header.entries();
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(byName.keySet());
    }

    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    /** The header's entry for one tensor. */
    public TensorEntry entry(String name) {
        TensorEntry e = byName.get(name);
        if (e == null) throw new IllegalArgumentException(path + ": no tensor '" + name + "' (have " + byName.keySet() + ")");
        return e;
    }

    /** The {@code __metadata__} entries (empty if the file has none). */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** One tensor as a new CPU tensor of the file's dtype. */
    public Tensor read(String name) throws IOException {
        TensorEntry e = entry(name);
        return e.dtype() == DType.FLOAT32 ? Tensor.of(readFloats(e), e.shape()) : Tensor.of(readDoubles(e), e.shape());
    }

    /** One tensor's elements (row-major) as floats; F64 data is rounded to float. */
    public float[] readFloats(String name) throws IOException {
        return readFloats(entry(name));
    }

    /** One tensor's elements (row-major) as doubles; F32 data is widened exactly. */
    public double[] readDoubles(String name) throws IOException {
        return readDoubles(entry(name));
    }

    private float[] readFloats(TensorEntry e) throws IOException {
        if (e.dtype() == DType.FLOAT64) {
            double[] d = readDoubles(e);
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
            return f;
        }
        float[] out = new float[e.numel()];
        ByteBuffer chunk = chunk(e);
        for (int i = 0; i < out.length; ) {
            int k = Math.min(out.length - i, chunk.capacity() / 4);
            chunk.clear().limit(k * 4);
            readFully(path, channel, chunk, dataStart + e.begin() + 4L * i);
            chunk.flip().asFloatBuffer().get(out, i, k);
            i += k;
        }
        return out;
    }

    private double[] readDoubles(TensorEntry e) throws IOException {
        if (e.dtype() == DType.FLOAT32) {
            float[] f = readFloats(e);
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) d[i] = f[i];
            return d;
        }
        double[] out = new double[e.numel()];
        ByteBuffer chunk = chunk(e);
        for (int i = 0; i < out.length; ) {
            int k = Math.min(out.length - i, chunk.capacity() / 8);
            chunk.clear().limit(k * 8);
            readFully(path, channel, chunk, dataStart + e.begin() + 8L * i);
            chunk.flip().asDoubleBuffer().get(out, i, k);
            i += k;
        }
        return out;
    }

    /** A read buffer no bigger than the tensor (small tensors are the common case in a state dict). */
    private static ByteBuffer chunk(TensorEntry e) {
        int bytes = (int) Math.min(CHUNK_BYTES, Math.max(8, e.byteLength()));
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Fills the buffer from the given file position; the header said the bytes exist, so EOF means truncation. */
    private static void readFully(Path path, FileChannel ch, ByteBuffer b, long position) throws IOException {
        long pos = position;
        while (b.hasRemaining()) {
            int n = ch.read(b, pos);
            if (n < 0) throw new SafeTensorsException(path, "unexpected end of file at byte " + pos
                    + " (file truncated while open?)");
            pos += n;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}

package gradwerk.nn.io;

import com.google.gson.stream.JsonWriter;
import gradwerk.tensor.DType;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.cpu.CpuStorage;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/** Writes safetensors files; see {@link SafeTensors} for the format. */
final class SafeTensorsWriter {
    private SafeTensorsWriter() {}

    /** Bytes converted per channel write: large enough to be fast, small enough not to double a big tensor. */
    private static final int CHUNK_BYTES = 1 << 20;

    /** Called after each tensor's data is written; tests throw from it to simulate a crash mid-write. */
    @FunctionalInterface
    interface Hook {
        Hook NONE = name -> {};

        void afterTensor(String name) throws IOException;
    }

    static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata, Hook hook)
            throws IOException {
        byte[] header = header(path, tensors, metadata == null ? Map.of() : metadata);
        AtomicFiles.write(path, ch -> {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
            writeFully(ch, length);
            writeFully(ch, ByteBuffer.wrap(header));
            ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                writeData(ch, e.getValue(), chunk);
                hook.afterTensor(e.getKey());
            }
        });
    }

    /** The JSON header, space-padded to a multiple of 8 bytes (as the reference implementation does). */
    static byte[] header(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        StringWriter sw = new StringWriter();
        try (JsonWriter w = new JsonWriter(sw)) {
            w.beginObject();
            if (!metadata.isEmpty()) {
                w.name(Header.METADATA_KEY).beginObject();
                for (Map.Entry<String, String> m : metadata.entrySet()) {
                    if (m.getKey() == null || m.getValue() == null)
                        throw new IllegalArgumentException(path + ": metadata entry " + m.getKey() + " = "
                                + m.getValue() + " has a null key or value");
                    w.name(m.getKey()).value(m.getValue());
                }
                w.endObject();
            }
            long offset = 0;
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                String name = e.getKey();
                Tensor t = e.getValue();
                if (name == null || name.isEmpty() || name.equals(Header.METADATA_KEY))
                    throw new IllegalArgumentException(path + ": invalid tensor name '" + name + "'");
                if (t == null) throw new IllegalArgumentException(path + ": tensor '" + name + "' is null");
                long bytes = (long) t.numel() * t.dtype().bytes();
                w.name(name).beginObject();
                w.name("dtype").value(SafeTensors.dtypeName(t.dtype()));
                w.name("shape").beginArray();
                for (int d : t.shape()) w.value(d);
                w.endArray();
                w.name("data_offsets").beginArray().value(offset).value(offset + bytes).endArray();
                w.endObject();
                offset += bytes;
            }
            w.endObject();
        }
        byte[] json;
        try { // String.getBytes would quietly turn a lone surrogate into '?', renaming a tensor
            ByteBuffer b = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).encode(CharBuffer.wrap(sw.toString()));
            json = java.util.Arrays.copyOf(b.array(), b.limit());
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(path + ": a tensor name or metadata entry is not valid Unicode"
                    + " (unpaired surrogate)", e);
        }
        int padded = (json.length + 7) / 8 * 8; // so the data (after 8 + N bytes) is 8-byte aligned for mmap readers
        byte[] out = java.util.Arrays.copyOf(json, padded);
        java.util.Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    /**
     * A tensor's elements in row-major order, little-endian. A contiguous CPU tensor is read straight from its
     * backing array; anything else (strided views, other devices) is first gathered row-major by the backend.
     */
    private static void writeData(FileChannel ch, Tensor t, ByteBuffer chunk) throws IOException {
        int n = t.numel();
        if (n == 0) return;
        boolean direct = t.device().isCpu() && t.isContiguous();
        if (t.dtype() == DType.FLOAT32) {
            float[] src = direct ? CpuStorage.floats(t) : t.toFloatArray();
            int start = direct ? t.offset() : 0;
            for (int i = 0; i < n; ) {
                int k = Math.min(n - i, chunk.capacity() / 4);
                chunk.clear();
                chunk.asFloatBuffer().put(src, start + i, k);
                chunk.limit(k * 4);
                writeFully(ch, chunk);
                i += k;
            }
        } else {
            double[] src = direct ? CpuStorage.doubles(t) : t.toDoubleArray();
            int start = direct ? t.offset() : 0;
            for (int i = 0; i < n; ) {
                int k = Math.min(n - i, chunk.capacity() / 8);
                chunk.clear();
                chunk.asDoubleBuffer().put(src, start + i, k);
                chunk.limit(k * 8);
                writeFully(ch, chunk);
                i += k;
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }
}

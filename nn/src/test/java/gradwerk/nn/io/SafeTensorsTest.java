package gradwerk.nn.io;

import gradwerk.tensor.DType;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsTest {
    @TempDir
    Path dir;

    private static Map<String, Tensor> sample() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("conv1.weight", Bits.random(DType.FLOAT32, 1, 4, 3, 3, 3));
        m.put("conv1.bias", Bits.random(DType.FLOAT32, 2, 4));
        m.put("head.w64", Bits.random(DType.FLOAT64, 3, 5, 2));
        m.put("scalar", Tensor.scalar(7.5));
        m.put("scalar64", Tensor.scalar(DType.FLOAT64, Math.PI));
        m.put("empty", Tensor.zeros(0, 3));
        m.put("empty64", Tensor.zeros(DType.FLOAT64, 2, 0));
        m.put("special", Tensor.of(0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                Float.MIN_VALUE, Float.MAX_VALUE, Float.intBitsToFloat(0x7fc01234)));
        return m;
    }

    @Test
    void roundTripIsBitIdenticalAndKeepsOrder() throws IOException {
        Path f = dir.resolve("a.safetensors");
        Map<String, Tensor> in = sample();
        SafeTensors.save(f, in, Map.of("epoch", "3"));
        SafeTensors.Contents c = SafeTensors.load(f);
        assertEquals(List.copyOf(in.keySet()), List.copyOf(c.tensors().keySet()));
        in.forEach((name, t) -> Bits.assertIdentical(t, c.get(name), name));
        assertEquals(Map.of("epoch", "3"), c.metadata());
    }

    @Test
    void nonContiguousViewsAreWrittenRowMajor() throws IOException {
        Tensor base = Bits.random(DType.FLOAT32, 9, 4, 6, 5);
        Tensor base64 = Bits.random(DType.FLOAT64, 10, 3, 4);
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("permuted", base.permute(2, 0, 1));
        in.put("sliced", base.slice(1, 1, 6, 2).narrow(2, 1, 3));
        in.put("selected", base.select(0, 2));                  // contiguous but with a storage offset
        in.put("expanded", Tensor.of(1f, 2f, 3f).unsqueeze(0).expand(4, 3)); // stride 0
        in.put("transposed64", base64.t());
        Path f = dir.resolve("views.safetensors");
        SafeTensors.save(f, in);
        SafeTensors.Contents c = SafeTensors.load(f);
        in.forEach((name, t) -> Bits.assertIdentical(t.contiguous(), c.get(name), name));
    }

    @Test
    void layoutFollowsTheSpec() throws IOException {
        Path f = dir.resolve("layout.safetensors");
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("b", Tensor.of(1f, 2f, 3f));            // 12 bytes
        in.put("a", Tensor.of(new double[] {4, 5}, 2)); // 16 bytes, after b: insertion order, no gaps
        SafeTensors.save(f, in, Map.of("k", "v"));
        byte[] raw = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(raw, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + n) % 8, "data section starts 8-byte aligned");
        String header = new String(raw, 8, (int) n, StandardCharsets.UTF_8);
        assertEquals("{\"__metadata__\":{\"k\":\"v\"},\"b\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]},"
                + "\"a\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[12,28]}}", header.strip());
        assertTrue(header.endsWith("}") || header.endsWith(" "), "padding is spaces");
        assertEquals(8 + n + 28, raw.length);
        ByteBuffer data = ByteBuffer.wrap(raw, (int) (8 + n), 28).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1f, data.getFloat());
        assertEquals(2f, data.getFloat());
        assertEquals(3f, data.getFloat());
        assertEquals(4.0, data.getDouble());
        assertEquals(5.0, data.getDouble());
    }

    @Test
    void noMetadataMeansNoMetadataKey() throws IOException {
        Path f = dir.resolve("plain.safetensors");
        SafeTensors.save(f, Map.of("x", Tensor.scalar(1)));
        String text = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
        assertFalse(text.contains("__metadata__"));
        assertEquals(Map.of(), SafeTensors.load(f).metadata());
        SafeTensors.save(f, Map.of()); // no tensors at all is a valid file
        assertTrue(SafeTensors.load(f).tensors().isEmpty());
    }

    @Test
    void readerReadsSingleTensorsAndConverts() throws IOException {
        Path f = dir.resolve("r.safetensors");
        Tensor big = Bits.random(DType.FLOAT32, 5, 300_000); // > one 1 MiB read chunk
        Map<String, Tensor> in = new LinkedHashMap<>(sample());
        in.put("big", big);
        SafeTensors.save(f, in);
        try (SafeTensorsReader r = SafeTensors.open(f)) {
            assertEquals(in.keySet(), r.names());
            assertArrayEquals(new int[] {5, 2}, r.entry("head.w64").shape());
            assertEquals(DType.FLOAT64, r.entry("head.w64").dtype());
            assertArrayEquals(big.toFloatArray(), r.readFloats("big"));
            assertArrayEquals(in.get("head.w64").toFloatArray(), r.readFloats("head.w64")); // F64 -> float
            assertArrayEquals(in.get("conv1.bias").toDoubleArray(), r.readDoubles("conv1.bias")); // F32 -> double
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.read("nope"));
            assertTrue(e.getMessage().contains("no tensor 'nope'"), e.getMessage());
        }
    }

    @Test
    void interruptedWriteLeavesTheOldFile() throws IOException {
        Path f = dir.resolve("ckpt.safetensors");
        Map<String, Tensor> old = sample();
        SafeTensors.save(f, old, Map.of("v", "old"));
        Map<String, Tensor> next = new LinkedHashMap<>();
        next.put("first", Tensor.ones(1000));
        next.put("second", Tensor.ones(1000));
        IOException crash = assertThrows(IOException.class, () -> SafeTensorsWriter.write(f, next, Map.of("v", "new"),
                name -> { if (name.equals("first")) throw new IOException("simulated crash after " + name); }));
        assertEquals("simulated crash after first", crash.getMessage());
        SafeTensors.Contents c = SafeTensors.load(f);
        assertEquals(Map.of("v", "old"), c.metadata());
        old.forEach((name, t) -> Bits.assertIdentical(t, c.get(name), name));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList(), "the temporary file is cleaned up");
        }
        // an unchecked failure (e.g. OOM gathering a tensor) is cleaned up the same way
        assertThrows(IllegalStateException.class, () -> SafeTensorsWriter.write(f, next, null,
                name -> { throw new IllegalStateException("boom"); }));
        assertEquals(Map.of("v", "old"), SafeTensors.load(f).metadata());
    }

    @Test
    void saveReplacesAnExistingFile() throws IOException {
        Path f = dir.resolve("x.safetensors");
        SafeTensors.save(f, Map.of("a", Tensor.ones(3)));
        SafeTensors.save(f, Map.of("b", Tensor.zeros(2)));
        assertEquals(List.of("b"), List.copyOf(SafeTensors.load(f).tensors().keySet()));
    }

    @Test
    void writerRejectsBadNames() {
        Path f = dir.resolve("bad.safetensors");
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.save(f, Map.of("", Tensor.ones(1))));
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.save(f, Map.of("__metadata__", Tensor.ones(1))));
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.save(f, Map.of("w\uD800", Tensor.ones(1))));
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.save(f, Map.of(), Map.of("k", "\uDC00")));
        assertFalse(Files.exists(f));
    }
}

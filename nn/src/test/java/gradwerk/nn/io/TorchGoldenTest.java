package gradwerk.nn.io;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import gradwerk.tensor.DType;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Interoperability with PyTorch, both ways. The golden file was written by {@code tools/torch_safetensors_golden.py}
 * from torch tensors (reference layout: sorted by dtype then name, compact JSON); the second test writes a file here
 * and, when a Python with torch is installed, has the script's strict reader check it.
 */
class TorchGoldenTest {
    @TempDir
    Path dir;

    static Path golden(String name) {
        try {
            return Path.of(TorchGoldenTest.class.getResource("/goldens/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void readsAFileWrittenFromTorch() throws IOException {
        SafeTensors.Contents c = SafeTensors.load(golden("torch_tensors.safetensors"));
        JsonObject want = JsonParser.parseString(Files.readString(golden("torch_tensors.json"), StandardCharsets.UTF_8))
                .getAsJsonObject();
        Map<String, String> meta = new LinkedHashMap<>();
        want.getAsJsonObject("metadata").entrySet().forEach(e -> meta.put(e.getKey(), e.getValue().getAsString()));
        assertEquals(meta, c.metadata());
        assertEquals("ünïcödé ✓ \"quoted\"", c.metadata().get("note"));
        JsonObject tensors = want.getAsJsonObject("tensors");
        assertEquals(tensors.keySet(), c.tensors().keySet());
        for (String name : tensors.keySet()) {
            JsonObject w = tensors.getAsJsonObject(name);
            Tensor t = c.get(name);
            assertEquals(w.get("dtype").getAsString().equals("F32") ? DType.FLOAT32 : DType.FLOAT64, t.dtype(), name);
            assertArrayEquals(ints(w.getAsJsonArray("shape")), t.shape(), name);
            com.google.gson.JsonArray hex = w.getAsJsonArray("bits");
            long[] bits = new long[hex.size()];
            for (int i = 0; i < bits.length; i++) bits[i] = Long.parseUnsignedLong(hex.get(i).getAsString(), 16);
            assertArrayEquals(bits, Bits.of(t), name);
        }
        // spot values, readable without the JSON
        assertEquals(3.25, c.get("scalar").item());
        assertArrayEquals(new int[] {4, 3}, c.get("transposed").shape());
        assertArrayEquals(new float[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, c.get("transposed").toFloatArray());
        assertEquals(Double.NEGATIVE_INFINITY, c.get("special").get(3));
    }

    private static int[] ints(com.google.gson.JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsInt();
        return out;
    }

    /** The expected-values JSON the Python verifier reads (same layout as torch_tensors.json). */
    static String expectedJson(Map<String, Tensor> tensors, Map<String, String> metadata) {
        JsonObject root = new JsonObject(), meta = new JsonObject(), ts = new JsonObject();
        metadata.forEach(meta::addProperty);
        tensors.forEach((name, t) -> {
            JsonObject o = new JsonObject();
            o.addProperty("dtype", t.dtype() == DType.FLOAT32 ? "F32" : "F64");
            com.google.gson.JsonArray shape = new com.google.gson.JsonArray(), bits = new com.google.gson.JsonArray();
            for (int d : t.shape()) shape.add(d);
            for (long b : Bits.of(t)) bits.add(Long.toHexString(b));
            o.add("shape", shape);
            o.add("bits", bits);
            ts.add(name, o);
        });
        root.add("metadata", meta);
        root.add("tensors", ts);
        return root.toString();
    }

    @Test
    void fileWrittenHereReadsInTorch() throws Exception {
        Path python = Path.of("/usr/bin/python3"), script = Path.of("../tools/torch_safetensors_golden.py");
        assumeTrue(Files.isExecutable(python) && Files.exists(script), "no /usr/bin/python3 or script");

        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("w", Bits.random(DType.FLOAT32, 3, 3, 4).t());
        tensors.put("w64", Bits.random(DType.FLOAT64, 4, 2, 2, 2));
        tensors.put("scalar", Tensor.scalar(-1.25));
        tensors.put("empty", Tensor.zeros(3, 0));
        tensors.put("nan", Tensor.of(Float.NaN, -0f, Float.POSITIVE_INFINITY));
        Map<String, String> meta = Map.of("producer", "gradwerk", "note", "ünïcödé ✓");
        Path file = dir.resolve("gradwerk.safetensors"), json = dir.resolve("expected.json");
        SafeTensors.save(file, tensors, meta);
        Files.writeString(json, expectedJson(tensors, meta), StandardCharsets.UTF_8);
        // and a training checkpoint: prefixed tensors plus gradwerk.* metadata, still plain safetensors
        Path ckpt = dir.resolve("checkpoint.safetensors"), ckptJson = dir.resolve("checkpoint.json");
        Checkpoint.builder().model(Map.of("conv.weight", Bits.random(DType.FLOAT32, 5, 2, 1, 3, 3)))
                .optimizer(Map.of("conv.weight.exp_avg", Bits.random(DType.FLOAT64, 6, 2, 1, 3, 3)), Map.of("lr", 0.3))
                .epoch(2).step(40).rng("data", new gradwerk.tensor.Generator(1).state()).metadata("config", "{}")
                .build().save(ckpt);
        SafeTensors.Contents c = SafeTensors.load(ckpt);
        Files.writeString(ckptJson, expectedJson(c.tensors(), c.metadata()), StandardCharsets.UTF_8);
        int status = run(List.of(python.toString(), script.toString(), "verify", file.toString(), json.toString(),
                ckpt.toString(), ckptJson.toString()));
        assumeTrue(status != 77, "python3 has no torch");
        assertEquals(0, status, "the Python reader rejected or misread the file; see the test's output");
    }

    private static int run(List<String> command) throws IOException, InterruptedException {
        // output goes through System.out (which Surefire captures), not straight to the inherited descriptors
        Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        p.getOutputStream().close();
        Thread pump = Thread.ofPlatform().daemon().start(() -> {
            try {
                p.getInputStream().transferTo(System.out);
            } catch (IOException ignored) {
                // the process died; its exit status tells the test
            }
        });
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        pump.join(5000);
        return p.exitValue();
    }

}

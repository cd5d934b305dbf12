package gradwerk.nn.io;

import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SafeTensorsProperties {
    @Provide
    Arbitrary<int[]> shapes() {
        return Arbitraries.integers().between(0, 5).array(int[].class).ofMinSize(0).ofMaxSize(4);
    }

    /** A view of t stored in a non-contiguous way (permuted copy, permuted back), picked by the seed. */
    private static Tensor scrambled(Tensor t, long seed) {
        int r = t.rank();
        if (r < 2) return t;
        int[] perm = new int[r];
        for (int i = 0; i < r; i++) perm[i] = i;
        new Generator(seed).shuffle(perm);
        int[] inverse = new int[r];
        for (int i = 0; i < r; i++) inverse[perm[i]] = i;
        return t.permute(perm).contiguous().permute(inverse); // same values, permuted strides
    }

    @Property(tries = 40)
    void randomStateDictsRoundTripBitIdentically(@ForAll("shapes") int[] s1, @ForAll("shapes") int[] s2,
                                                 @ForAll boolean f64, @ForAll long seed) throws IOException {
        Path dir = Files.createTempDirectory("st-prop");
        try {
            Map<String, Tensor> in = new LinkedHashMap<>();
            in.put("a", scrambled(Bits.random(f64 ? DType.FLOAT64 : DType.FLOAT32, seed, s1), seed));
            in.put("b.c", Bits.random(DType.FLOAT32, seed + 1, s2));
            in.put("d", scrambled(Bits.random(DType.FLOAT64, seed + 2, s2), seed + 3));
            Path f = dir.resolve("p.safetensors");
            SafeTensors.save(f, in, Map.of("seed", Long.toString(seed)));
            SafeTensors.Contents c = SafeTensors.load(f);
            assertEquals(List.copyOf(in.keySet()), List.copyOf(c.tensors().keySet()));
            in.forEach((k, v) -> Bits.assertIdentical(v.contiguous(), c.get(k), k));
            assertEquals(Long.toString(seed), c.metadata().get("seed"));
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) Files.delete(p);
            }
            Files.delete(dir);
        }
    }

    /** Any single-byte change to a valid file either still parses to a valid file or fails with our exception. */
    @Property(tries = 40)
    void corruptedBytesNeverEscapeAsOtherExceptions(@ForAll long seed) throws IOException {
        Path dir = Files.createTempDirectory("st-fuzz");
        try {
            Path f = dir.resolve("f.safetensors");
            Map<String, Tensor> in = new LinkedHashMap<>();
            in.put("w", Bits.random(DType.FLOAT32, seed, 2, 3));
            in.put("v", Bits.random(DType.FLOAT64, seed, 2));
            SafeTensors.save(f, in, Map.of("k", "v"));
            byte[] raw = Files.readAllBytes(f);
            Generator g = new Generator(seed);
            int headerEnd = 8 + (int) java.nio.ByteBuffer.wrap(raw).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            int pos = g.nextInt(headerEnd); // the length field or the header: data bytes are any value anyway
            raw[pos] = (byte) g.nextInt(256);
            Files.write(f, raw);
            try {
                SafeTensors.load(f);
            } catch (SafeTensorsException expected) {
                // fine: a clear rejection
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) Files.delete(p);
            }
            Files.delete(dir);
        }
    }
}

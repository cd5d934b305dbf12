package gradwerk.nn.io;

import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointTest {
    @TempDir
    Path dir;

    private static Map<String, Tensor> model(long seed) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("enc1.conv.weight", Bits.random(DType.FLOAT32, seed, 16, 3, 3, 3));
        m.put("enc1.conv.bias", Bits.random(DType.FLOAT32, seed + 1, 16));
        m.put("bn.num_batches", Tensor.scalar(12));
        m.put("head.weight", Bits.random(DType.FLOAT32, seed + 2, 2, 16).t()); // a non-contiguous view
        return m;
    }

    private static Checkpoint sample(Generator data, Generator init) {
        Map<String, Tensor> optim = new LinkedHashMap<>();
        optim.put("enc1.conv.weight.exp_avg", Bits.random(DType.FLOAT32, 7, 16, 3, 3, 3));
        optim.put("enc1.conv.weight.exp_avg_sq", Bits.random(DType.FLOAT64, 8, 16, 3, 3, 3));
        Map<String, Double> scalars = new LinkedHashMap<>();
        scalars.put("lr", 0.1 + 0.2); // not a "round" decimal: must survive exactly
        scalars.put("beta2", 0.999);
        scalars.put("tiny", Double.MIN_VALUE);
        scalars.put("nan", Double.NaN);
        scalars.put("inf", Double.NEGATIVE_INFINITY);
        return Checkpoint.builder().model(model(1)).optimizer(optim, scalars).epoch(4).step(1234567890123L)
                .rng("data", data.state()).rng("init", init.state())
                .metadata("config", "{\"lr\": 0.3, \"name\": \"ddanet\"}").metadata("git", "abc123").build();
    }

    @Test
    void roundTripsEverything() throws IOException {
        Generator data = new Generator(42), init = new Generator(7);
        data.nextGaussian(); // leaves a spare Gaussian in the state
        init.nextLong();
        Checkpoint saved = sample(data, init);
        Path f = dir.resolve("last.safetensors");
        saved.save(f);
        Checkpoint back = Checkpoint.load(f);

        assertEquals(List.copyOf(saved.model().keySet()), List.copyOf(back.model().keySet()));
        saved.model().forEach((k, v) -> Bits.assertIdentical(v.contiguous(), back.model().get(k), k));
        saved.optimizerTensors().forEach((k, v) -> Bits.assertIdentical(v, back.optimizerTensors().get(k), k));
        assertEquals(saved.optimizerScalars().keySet(), back.optimizerScalars().keySet());
        saved.optimizerScalars().forEach((k, v) -> assertEquals(Double.doubleToRawLongBits(v),
                Double.doubleToRawLongBits(back.optimizerScalars().get(k)), k));
        assertEquals(4, back.epoch());
        assertEquals(1234567890123L, back.step());
        assertEquals(Map.of("config", "{\"lr\": 0.3, \"name\": \"ddanet\"}", "git", "abc123"), back.metadata());

        // restored generators continue exactly where the saved ones were
        Generator resumed = new Generator(0);
        back.restoreRng("data", resumed);
        assertEquals(data.nextGaussian(), resumed.nextGaussian());
        assertEquals(data.nextLong(), resumed.nextLong());
        assertArrayEquals(init.state(), back.rng("init"));
    }

    @Test
    void isAPlainSafetensorsFileWithPrefixes() throws IOException {
        Path f = dir.resolve("c.safetensors");
        sample(new Generator(1), new Generator(2)).save(f);
        SafeTensors.Contents c = SafeTensors.load(f);
        assertTrue(c.tensors().containsKey("model.enc1.conv.weight"));
        assertTrue(c.tensors().containsKey("optim.enc1.conv.weight.exp_avg"));
        assertEquals("4", c.metadata().get("gradwerk.epoch"));
        assertEquals("abc123", c.metadata().get("git"));
    }

    @Test
    void loadModelIntoCopiesInPlace() throws IOException {
        Path f = dir.resolve("c.safetensors");
        sample(new Generator(1), new Generator(2)).save(f);
        Map<String, Tensor> live = new LinkedHashMap<>();
        model(99).forEach((k, v) -> live.put(k, v.zerosLike()));
        Tensor weight = live.get("enc1.conv.weight");
        StateDicts.LoadResult r = Checkpoint.load(f).loadModelInto(live, true);
        assertTrue(r.isComplete());
        assertSame(weight, live.get("enc1.conv.weight"), "same tensor object, values overwritten");
        model(1).forEach((k, v) -> Bits.assertIdentical(v.contiguous(), live.get(k), k));
    }

    @Test
    void loadModelIntoNamesShapeMismatches() throws IOException {
        Path f = dir.resolve("x");
        sample(new Generator(1), new Generator(2)).save(f);
        Map<String, Tensor> live = new LinkedHashMap<>();
        model(1).forEach((k, v) -> live.put(k, v.zerosLike()));
        live.put("enc1.conv.weight", Tensor.zeros(16, 1, 3, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.load(f).loadModelInto(live, false)); // shapes are checked even when not strict
        assertEquals("checkpoint " + f + ": parameter 'enc1.conv.weight' has shape [16,3,3,3] in the file but"
                + " [16,1,3,3] in the model", e.getMessage());
        assertEquals(0.0, live.get("enc1.conv.bias").abs().sum().item(), "nothing copied after a failed check");
    }

    @Test
    void strictAndLenientNameMismatches() throws IOException {
        Path f = dir.resolve("c.safetensors");
        sample(new Generator(1), new Generator(2)).save(f);
        Checkpoint c = Checkpoint.load(f);
        Map<String, Tensor> live = new LinkedHashMap<>();
        model(1).forEach((k, v) -> live.put(k, v.zerosLike()));
        live.remove("bn.num_batches");
        live.put("dec.weight", Tensor.zeros(3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.loadModelInto(live, true));
        assertTrue(e.getMessage().contains("parameter 'dec.weight' [3] is missing from the file"), e.getMessage());
        assertTrue(e.getMessage().contains("unexpected parameter 'bn.num_batches' in the file"), e.getMessage());
        assertTrue(e.getMessage().contains("strict=false"), e.getMessage());

        StateDicts.LoadResult r = c.loadModelInto(live, false);
        assertEquals(List.of("dec.weight"), r.missing());
        assertEquals(List.of("bn.num_batches"), r.unexpected());
        Bits.assertIdentical(model(1).get("enc1.conv.bias"), live.get("enc1.conv.bias"), "loaded the rest");
    }

    @Test
    void loadModelIntoConvertsDtype() throws IOException {
        Path f = dir.resolve("c.safetensors");
        Checkpoint.builder().model(Map.of("w", Tensor.of(1.5f, -2f))).build().save(f);
        Map<String, Tensor> live = Map.of("w", Tensor.zeros(DType.FLOAT64, 2));
        Checkpoint.load(f).loadModelInto(live, true);
        assertArrayEquals(new double[] {1.5, -2}, live.get("w").toDoubleArray());
        assertEquals(DType.FLOAT64, live.get("w").dtype());
    }

    @Test
    void interruptedSaveKeepsThePreviousCheckpoint() throws IOException {
        Path f = dir.resolve("last.safetensors");
        Checkpoint first = sample(new Generator(1), new Generator(2));
        first.save(f);
        Checkpoint second = Checkpoint.builder().model(model(5)).epoch(5).step(99).build();
        assertThrows(IOException.class, () -> second.save(f, name -> {
            if (name.equals("model.enc1.conv.bias")) throw new IOException("disk full (simulated)");
        }));
        Checkpoint back = Checkpoint.load(f);
        assertEquals(4, back.epoch());
        Bits.assertIdentical(model(1).get("enc1.conv.weight"), back.model().get("enc1.conv.weight"), "old weights");
        try (var files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList());
        }
    }

    @Test
    void rejectsFilesThatAreNotCheckpoints() throws IOException {
        Path f = dir.resolve("weights.safetensors");
        SafeTensors.save(f, Map.of("w", Tensor.ones(2)));
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> Checkpoint.load(f));
        assertTrue(e.getMessage().contains("not a gradwerk checkpoint"), e.getMessage());

        SafeTensors.save(f, Map.of("w", Tensor.ones(2)), Map.of("gradwerk.format", "gradwerk-checkpoint/1"));
        e = assertThrows(SafeTensorsException.class, () -> Checkpoint.load(f));
        assertTrue(e.getMessage().contains("tensor 'w' is neither model.* nor optim.*"), e.getMessage());

        SafeTensors.save(f, Map.of(), Map.of("gradwerk.format", "gradwerk-checkpoint/1", "gradwerk.step", "ten"));
        e = assertThrows(SafeTensorsException.class, () -> Checkpoint.load(f));
        assertTrue(e.getMessage().contains("metadata 'gradwerk.step' = 'ten' is not a valid number"), e.getMessage());

        SafeTensors.save(f, Map.of(), Map.of("gradwerk.format", "gradwerk-checkpoint/9"));
        e = assertThrows(SafeTensorsException.class, () -> Checkpoint.load(f));
        assertTrue(e.getMessage().contains("'gradwerk-checkpoint/9'"), e.getMessage());
    }

    @Test
    void builderGuardsTheReservedNamespace() {
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.builder().metadata("gradwerk.epoch", "1"));
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.builder().epoch(-1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.builder().build().rng("data"));
        assertTrue(e.getMessage().contains("no RNG state 'data'"));
    }

    @Test
    void emptyCheckpointRoundTrips() throws IOException {
        Path f = dir.resolve("e.safetensors");
        Checkpoint.builder().build().save(f);
        Checkpoint c = Checkpoint.load(f);
        assertEquals(0, c.epoch());
        assertTrue(c.model().isEmpty() && c.optimizerTensors().isEmpty() && c.metadata().isEmpty());
    }
}

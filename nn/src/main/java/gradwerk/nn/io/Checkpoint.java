package gradwerk.nn.io;

import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Everything needed to resume training exactly where it stopped, in ONE safetensors file:
 *
 * <ul>
 *   <li>model state dict → tensors named {@code model.<name>};</li>
 *   <li>optimiser tensors (moments, ...) → {@code optim.<name>}; optimiser scalars (step counts, lr, betas) →
 *       metadata {@code gradwerk.optim.<name>} as exact decimal text;</li>
 *   <li>epoch and global step → metadata {@code gradwerk.epoch}, {@code gradwerk.step};</li>
 *   <li>RNG states ({@link Generator#state()}) → metadata {@code gradwerk.rng.<name>}, comma-separated longs
 *       (longs do not fit a float tensor exactly, so they go in text);</li>
 *   <li>free-form user metadata (a JSON config, a git hash) → metadata under the user's own keys, which is
 *       where other tools (the safetensors library, a model hub) look for it.</li>
 * </ul>
 *
 * Because it is a plain safetensors file, PyTorch can open it too: {@code {k[6:]: v for k, v in f.items() if
 * k.startswith("model.")}} is the model's state dict.
 *
 * <pre>{@code
 * Checkpoint.builder().model(model.stateDict()).optimizer(opt.stateTensors(), opt.stateScalars())
 *         .epoch(epoch).step(step).rng("data", loaderGen.state()).metadata("config", configJson)
 *         .build().save(dir.resolve("last.safetensors"));
 * Checkpoint c = Checkpoint.load(path);
 * c.loadModelInto(model.stateDict(), true);
 * c.restoreRng("data", loaderGen);
 * }</pre>
 */
public final class Checkpoint {
    public static final String MODEL_PREFIX = "model.";
    public static final String OPTIM_PREFIX = "optim.";
    /** Metadata keys under this prefix belong to the checkpoint format; user keys may not use it. */
    public static final String RESERVED_PREFIX = "gradwerk.";
    static final String FORMAT_KEY = "gradwerk.format", FORMAT = "gradwerk-checkpoint/1";
    static final String EPOCH_KEY = "gradwerk.epoch", STEP_KEY = "gradwerk.step";
    static final String SCALAR_PREFIX = "gradwerk.optim.", RNG_PREFIX = "gradwerk.rng.";

    private final String source; // for messages: the file, or "(in memory)"
    private final Map<String, Tensor> model, optimizerTensors;
    private final Map<String, Double> optimizerScalars;
    private final int epoch;
    private final long step;
    private final Map<String, long[]> rng;
    private final Map<String, String> metadata;

    private Checkpoint(String source, Map<String, Tensor> model, Map<String, Tensor> optimizerTensors,
                       Map<String, Double> optimizerScalars, int epoch, long step, Map<String, long[]> rng,
                       Map<String, String> metadata) {
        this.source = source;
        this.model = Collections.unmodifiableMap(new LinkedHashMap<>(model));
        this.optimizerTensors = Collections.unmodifiableMap(new LinkedHashMap<>(optimizerTensors));
        this.optimizerScalars = Collections.unmodifiableMap(new LinkedHashMap<>(optimizerScalars));
        this.epoch = epoch;
        this.step = step;
        Map<String, long[]> r = new LinkedHashMap<>();
        rng.forEach((k, v) -> r.put(k, v.clone()));
        this.rng = Collections.unmodifiableMap(r);
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    public static Builder builder() {
        return new Builder();
    }

    // ---------------------------------------------------------------- contents

    /** The model state dict (names without the {@code model.} prefix), in saved order. */
    public Map<String, Tensor> model() { return model; }
    /** The optimiser's tensors (names without the {@code optim.} prefix). */
    public Map<String, Tensor> optimizerTensors() { return optimizerTensors; }
    /** The optimiser's scalars. */
    public Map<String, Double> optimizerScalars() { return optimizerScalars; }
    /** The epoch to resume at (the caller decides whether that is the last finished or the next one). */
    public int epoch() { return epoch; }
    /** The global step (optimiser updates so far). */
    public long step() { return step; }
    /** The user's metadata (not the format's own {@code gradwerk.*} keys). */
    public Map<String, String> metadata() { return metadata; }
    /** The saved RNG states by name. */
    public Map<String, long[]> rngStates() {
        Map<String, long[]> copy = new LinkedHashMap<>();
        rng.forEach((k, v) -> copy.put(k, v.clone()));
        return copy;
    }

    /** One saved RNG state. */
    public long[] rng(String name) {
        long[] s = rng.get(name);
        if (s == null) throw new IllegalArgumentException(source + ": no RNG state '" + name + "' (have " + rng.keySet() + ")");
        return s.clone();
    }

    /** Puts a generator back into its saved state. */
    public void restoreRng(String name, Generator g) {
        g.setState(rng(name));
    }

    /** Copies the saved model into live tensors; see {@link StateDicts#loadInto} for the rules. */
    public StateDicts.LoadResult loadModelInto(Map<String, Tensor> target, boolean strict) {
        return StateDicts.loadInto("checkpoint " + source, "parameter", "the model", model, target, strict);
    }

    /** Copies the saved optimiser tensors into live ones (always strict: a partial optimiser state is a bug). */
    public StateDicts.LoadResult loadOptimizerInto(Map<String, Tensor> target) {
        return StateDicts.loadInto("checkpoint " + source, "optimiser tensor", "the optimiser", optimizerTensors,
                target, true);
    }

    // ---------------------------------------------------------------- files

    /** Writes the checkpoint atomically (an interrupted save leaves the previous file as it was). */
    public void save(Path path) throws IOException {
        SafeTensorsWriter.write(path, tensors(), encodeMetadata(), SafeTensorsWriter.Hook.NONE);
    }

    /** Save with a test hook; see {@link SafeTensorsWriter.Hook}. */
    void save(Path path, SafeTensorsWriter.Hook hook) throws IOException {
        SafeTensorsWriter.write(path, tensors(), encodeMetadata(), hook);
    }

    private Map<String, Tensor> tensors() {
        Map<String, Tensor> all = new LinkedHashMap<>();
        model.forEach((k, v) -> all.put(MODEL_PREFIX + k, v));
        optimizerTensors.forEach((k, v) -> all.put(OPTIM_PREFIX + k, v));
        return all;
    }

    private Map<String, String> encodeMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(FORMAT_KEY, FORMAT);
        m.put(EPOCH_KEY, Integer.toString(epoch));
        m.put(STEP_KEY, Long.toString(step));
        // Double.toString is the shortest text that parses back to the same double, so scalars round-trip exactly.
        optimizerScalars.forEach((k, v) -> m.put(SCALAR_PREFIX + k, Double.toString(v)));
        rng.forEach((k, v) -> m.put(RNG_PREFIX + k, String.join(",", Arrays.stream(v).mapToObj(Long::toString).toList())));
        m.putAll(metadata);
        return m;
    }

    /** Reads and validates a checkpoint written by {@link #save}. */
    public static Checkpoint load(Path path) throws IOException {
        SafeTensors.Contents c = SafeTensors.load(path);
        Map<String, String> meta = c.metadata();
        if (!FORMAT.equals(meta.get(FORMAT_KEY)))
            throw new SafeTensorsException(path, meta.containsKey(FORMAT_KEY)
                    ? "checkpoint format '" + meta.get(FORMAT_KEY) + "' is not " + FORMAT + " (written by a newer gradwerk?)"
                    : "not a gradwerk checkpoint (no " + FORMAT_KEY + " metadata); for plain weights use SafeTensors.load");
        Map<String, Tensor> model = new LinkedHashMap<>(), optim = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : c.tensors().entrySet()) {
            String k = e.getKey();
            if (k.startsWith(MODEL_PREFIX)) model.put(k.substring(MODEL_PREFIX.length()), e.getValue());
            else if (k.startsWith(OPTIM_PREFIX)) optim.put(k.substring(OPTIM_PREFIX.length()), e.getValue());
            else throw new SafeTensorsException(path, "tensor '" + k + "' is neither model.* nor optim.*");
        }
        Builder b = builder().model(model).source(path.toString());
        Map<String, Double> scalars = new LinkedHashMap<>();
        int epoch = 0;
        long step = 0;
        for (Map.Entry<String, String> e : meta.entrySet()) {
            String k = e.getKey(), v = e.getValue();
            try {
                if (k.equals(FORMAT_KEY)) continue;
                else if (k.equals(EPOCH_KEY)) epoch = Integer.parseInt(v);
                else if (k.equals(STEP_KEY)) step = Long.parseLong(v);
                else if (k.startsWith(SCALAR_PREFIX)) scalars.put(k.substring(SCALAR_PREFIX.length()), Double.parseDouble(v));
                else if (k.startsWith(RNG_PREFIX)) b.rng(k.substring(RNG_PREFIX.length()), parseLongs(v));
                else if (k.startsWith(RESERVED_PREFIX))
                    throw new SafeTensorsException(path, "unknown checkpoint metadata '" + k + "'");
                else b.metadata(k, v);
            } catch (NumberFormatException ex) {
                throw new SafeTensorsException(path, "metadata '" + k + "' = '" + v + "' is not a valid number"
                        + (k.startsWith(RNG_PREFIX) ? " list" : ""), ex);
            }
        }
        try {
            return b.optimizer(optim, scalars).epoch(epoch).step(step).build();
        } catch (IllegalArgumentException e) { // e.g. a negative epoch in the file
            throw new SafeTensorsException(path, e.getMessage(), e);
        }
    }

    private static long[] parseLongs(String s) {
        if (s.isEmpty()) return new long[0];
        return Arrays.stream(s.split(",", -1)).mapToLong(Long::parseLong).toArray();
    }

    @Override
    public String toString() {
        return "Checkpoint[" + source + ": epoch " + epoch + ", step " + step + ", " + model.size() + " model tensors, "
                + optimizerTensors.size() + " optimiser tensors, rng " + rng.keySet() + ", metadata " + metadata.keySet() + "]";
    }

    // ---------------------------------------------------------------- builder

    /** Collects the parts of a checkpoint; every part is optional (an empty map, epoch 0, step 0). */
    public static final class Builder {
        private String source = "(in memory)";
        private final Map<String, Tensor> model = new LinkedHashMap<>(), optimizerTensors = new LinkedHashMap<>();
        private final Map<String, Double> optimizerScalars = new LinkedHashMap<>();
        private int epoch;
        private long step;
        private final Map<String, long[]> rng = new LinkedHashMap<>();
        private final Map<String, String> metadata = new LinkedHashMap<>();

        private Builder() {}

        Builder source(String source) {
            this.source = source;
            return this;
        }

        /** The model's state dict. The tensors are referenced, not copied: {@link #save} writes their values then. */
        public Builder model(Map<String, Tensor> stateDict) {
            stateDict.forEach((k, v) -> model.put(Objects.requireNonNull(k), Objects.requireNonNull(v, k)));
            return this;
        }

        /** The optimiser's state: named tensors and named numbers. */
        public Builder optimizer(Map<String, Tensor> tensors, Map<String, Double> scalars) {
            tensors.forEach((k, v) -> optimizerTensors.put(Objects.requireNonNull(k), Objects.requireNonNull(v, k)));
            scalars.forEach((k, v) -> optimizerScalars.put(Objects.requireNonNull(k), Objects.requireNonNull(v, k)));
            return this;
        }

        public Builder epoch(int epoch) {
            if (epoch < 0) throw new IllegalArgumentException("Checkpoint: negative epoch " + epoch);
            this.epoch = epoch;
            return this;
        }

        public Builder step(long step) {
            if (step < 0) throw new IllegalArgumentException("Checkpoint: negative step " + step);
            this.step = step;
            return this;
        }

        /** An RNG state, e.g. {@code generator.state()}. */
        public Builder rng(String name, long[] state) {
            rng.put(Objects.requireNonNull(name), state.clone());
            return this;
        }

        /** A user metadata entry; keys starting with {@code gradwerk.} are reserved. */
        public Builder metadata(String key, String value) {
            Objects.requireNonNull(key);
            if (key.startsWith(RESERVED_PREFIX))
                throw new IllegalArgumentException("Checkpoint: metadata key '" + key + "' uses the reserved prefix "
                        + RESERVED_PREFIX);
            metadata.put(key, Objects.requireNonNull(value, key));
            return this;
        }

        public Builder metadata(Map<String, String> entries) {
            entries.forEach(this::metadata);
            return this;
        }

        public Checkpoint build() {
            return new Checkpoint(source, model, optimizerTensors, optimizerScalars, epoch, step, rng, metadata);
        }
    }
}

package gradwerk.nn.io;

import gradwerk.tensor.DType;
import gradwerk.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The <a href="https://github.com/huggingface/safetensors">safetensors</a> file format, so that gradwerk weights
 * open in PyTorch (and PyTorch weights open here).
 *
 * <p>Layout: 8 bytes little-endian unsigned header length N; N bytes of UTF-8 JSON,
 * {@code {"__metadata__": {"k": "v"}, "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, ...}},
 * padded with spaces so that the data starts at a multiple of 8; then the raw little-endian data of every tensor,
 * back to back, offsets relative to the end of the header.
 *
 * <pre>{@code
 * SafeTensors.save(path, model.stateDict(), Map.of("epoch", "3"));
 * SafeTensors.Contents c = SafeTensors.load(path);       // everything, validated
 * try (SafeTensorsReader r = SafeTensors.open(path)) {   // or one tensor at a time
 *     float[] w = r.readFloats("conv1.weight");
 * }
 * }</pre>
 *
 * gradwerk reads and writes {@code F32} and {@code F64}; other dtypes (BF16, F16, integers...) are rejected by
 * name rather than converted, since a silent conversion would hide a mistake in how the file was made.
 */
public final class SafeTensors {
    private SafeTensors() {}

    /** The reference implementation's limit; a larger "header length" is a corrupt or foreign file. */
    public static final long MAX_HEADER_BYTES = 100_000_000;

    /** What {@link #load} returns: tensors in header order, and the metadata. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {
        public Contents {
            tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }

        /** One tensor, or an exception naming what the file does have. */
        public Tensor get(String name) {
            Tensor t = tensors.get(name);
            if (t == null) throw new IllegalArgumentException("safetensors: no tensor '" + name + "' (have "
                    + tensors.keySet() + ")");
            return t;
        }
    }

    /**
     * Writes tensors (any device, any strides; written row-major) and string metadata, atomically: the file at
     * {@code path} is either the old one or the complete new one. Tensors are laid out in the map's iteration
     * order, so a {@link LinkedHashMap} state dict keeps its order.
     *
     * @param metadata may be null or empty; then the header has no {@code __metadata__}
     */
    public static void save(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        SafeTensorsWriter.write(path, tensors, metadata, SafeTensorsWriter.Hook.NONE);
    }

    /** {@link #save(Path, Map, Map)} without metadata. */
    public static void save(Path path, Map<String, Tensor> tensors) throws IOException {
        save(path, tensors, Map.of());
    }

    /** Reads and validates a whole file into CPU tensors. */
    public static Contents load(Path path) throws IOException {
        try (SafeTensorsReader r = open(path)) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (TensorEntry e : r.entries()) tensors.put(e.name(), r.read(e.name()));
            return new Contents(tensors, r.metadata());
        }
    }

    /** Opens a file and validates its header; tensor data is read on demand (see {@link SafeTensorsReader}). */
    public static SafeTensorsReader open(Path path) throws IOException {
        return SafeTensorsReader.open(path);
    }

    // ---------------------------------------------------------------- dtype names

    /** Names the format knows but gradwerk does not store; used to give a precise message. */
    private static final Set<String> OTHER_DTYPES = Set.of("BOOL", "U8", "I8", "I16", "U16", "F16", "BF16", "I32",
            "U32", "I64", "U64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64");

    static String dtypeName(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> "F32";
            case FLOAT64 -> "F64";
        };
    }

    static DType parseDtype(Path file, String where, String name) throws SafeTensorsException {
        return switch (name) {
            case "F32" -> DType.FLOAT32;
            case "F64" -> DType.FLOAT64;
            default -> throw new SafeTensorsException(file, where + ": " + (OTHER_DTYPES.contains(name)
                    ? "dtype " + name + " is not supported (gradwerk reads F32 and F64; convert before saving,"
                    + " e.g. tensor.float() in PyTorch)"
                    : "unknown dtype '" + name + "'"));
        };
    }
}

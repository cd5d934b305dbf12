package gradwerk.nn.io;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import gradwerk.tensor.DType;
import gradwerk.tensor.Shape;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses and validates a safetensors header. Everything a reader later trusts is checked here, once: the JSON
 * shape, the dtypes, that each tensor's byte span matches its shape, and that the spans tile the data section
 * exactly (no overlaps, no gaps, nothing past the end) — the same rules as the reference implementation, so a
 * file this accepts opens in PyTorch and vice versa.
 *
 * @param entries  tensors in header order
 * @param metadata the {@code __metadata__} object (string to string), empty if absent
 */
record Header(List<TensorEntry> entries, Map<String, String> metadata) {
    static final String METADATA_KEY = "__metadata__";

    /**
     * @param file     for error messages
     * @param json     the header bytes (length N from the file's first 8 bytes)
     * @param dataSize bytes after the header, i.e. file size - 8 - N
     */
    static Header parse(Path file, ByteBuffer json, long dataSize) throws SafeTensorsException {
        String text = decodeUtf8(file, json);
        if (text.isEmpty() || text.charAt(0) != '{')
            throw new SafeTensorsException(file, "header does not start with '{' (not a safetensors file, or the"
                    + " header-length bytes are corrupt)");
        List<TensorEntry> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        try {
            JsonReader r = new JsonReader(new StringReader(text));
            r.setStrictness(Strictness.STRICT);
            Set<String> seen = new HashSet<>();
            r.beginObject();
            while (r.hasNext()) {
                String name = r.nextName();
                // Gson would silently keep the last of two equal keys; a duplicate hides a tensor, so refuse it.
                if (!seen.add(name)) throw new SafeTensorsException(file, "header lists '" + name + "' twice");
                if (name.equals(METADATA_KEY)) readMetadata(file, r, metadata);
                else entries.add(readEntry(file, r, name, dataSize));
            }
            r.endObject();
            if (r.peek() != JsonToken.END_DOCUMENT)
                throw new SafeTensorsException(file, "header has content after the JSON object");
        } catch (SafeTensorsException e) {
            throw e;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            // Gson's messages carry the position ("... at line 1 column 57 path $.w.shape[1]")
            throw new SafeTensorsException(file, "header is not valid JSON: " + gsonProblem(e), e);
        }
        checkTiling(file, entries, dataSize);
        return new Header(Collections.unmodifiableList(entries), Collections.unmodifiableMap(metadata));
    }

    /**
     * Gson's message minus its advice, which is for programmers calling Gson ("use LENIENT", a troubleshooting
     * link), not for someone holding a corrupt file; the position ("at line 1 column 57 path $.w.shape[1]") stays.
     */
    private static String gsonProblem(Exception e) {
        String m = String.valueOf(e.getMessage());
        int see = m.indexOf("\nSee https://");
        if (see >= 0) m = m.substring(0, see);
        return m.replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON", "malformed JSON");
    }

    private static String decodeUtf8(Path file, ByteBuffer bytes) throws SafeTensorsException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new SafeTensorsException(file, "header is not valid UTF-8 (corrupt header bytes?)", e);
        }
    }

    private static void readMetadata(Path file, JsonReader r, Map<String, String> out) throws IOException {
        if (r.peek() != JsonToken.BEGIN_OBJECT)
            throw new SafeTensorsException(file, METADATA_KEY + " must be an object of strings, found " + r.peek());
        r.beginObject();
        while (r.hasNext()) {
            String key = r.nextName();
            if (r.peek() != JsonToken.STRING)
                throw new SafeTensorsException(file, METADATA_KEY + " entry '" + key + "' must be a string, found "
                        + r.peek());
            if (out.put(key, r.nextString()) != null)
                throw new SafeTensorsException(file, METADATA_KEY + " lists '" + key + "' twice");
        }
        r.endObject();
    }

    private static TensorEntry readEntry(Path file, JsonReader r, String name, long dataSize) throws IOException {
        String where = "tensor '" + name + "'";
        if (name.isEmpty()) throw new SafeTensorsException(file, "a tensor has an empty name");
        if (r.peek() != JsonToken.BEGIN_OBJECT)
            throw new SafeTensorsException(file, where + ": expected an object with dtype, shape and data_offsets,"
                    + " found " + r.peek());
        String dtypeName = null;
        long[] shape = null, offsets = null;
        r.beginObject();
        while (r.hasNext()) {
            switch (r.nextName()) {
                case "dtype" -> {
                    if (r.peek() != JsonToken.STRING)
                        throw new SafeTensorsException(file, where + ": dtype must be a string, found " + r.peek());
                    dtypeName = r.nextString();
                }
                case "shape" -> shape = readLongs(file, r, where + ": shape");
                case "data_offsets" -> offsets = readLongs(file, r, where + ": data_offsets");
                default -> r.skipValue(); // the reference implementation ignores unknown fields too
            }
        }
        r.endObject();
        if (dtypeName == null) throw new SafeTensorsException(file, where + ": no dtype");
        if (shape == null) throw new SafeTensorsException(file, where + ": no shape");
        if (offsets == null) throw new SafeTensorsException(file, where + ": no data_offsets");
        DType dtype = SafeTensors.parseDtype(file, where, dtypeName);

        int[] dims = new int[shape.length];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0 || shape[i] > Integer.MAX_VALUE)
                throw new SafeTensorsException(file, where + ": shape " + java.util.Arrays.toString(shape)
                        + " has an invalid size " + shape[i] + " in dim " + i);
            dims[i] = (int) shape[i];
            numel = saturatingMultiply(numel, shape[i]);
        }
        if (offsets.length != 2)
            throw new SafeTensorsException(file, where + ": data_offsets must be [begin, end], got "
                    + offsets.length + " numbers");
        long begin = offsets[0], end = offsets[1];
        String span = "data_offsets [" + begin + ", " + end + "]";
        if (begin < 0 || end < begin)
            throw new SafeTensorsException(file, where + ": " + span + " is not a valid range");
        long needed = saturatingMultiply(numel, dtype.bytes());
        if (end - begin != needed)
            throw new SafeTensorsException(file, where + ": " + span + " span " + (end - begin) + " bytes but "
                    + dtypeName + " " + Shape.str(dims) + " needs " + (needed == Long.MAX_VALUE ? "more than 2^63" : needed));
        if (end > dataSize)
            throw new SafeTensorsException(file, where + ": " + span + " reach past the end of the data section ("
                    + dataSize + " bytes): file truncated?");
        if (numel > Integer.MAX_VALUE)
            throw new SafeTensorsException(file, where + ": " + numel + " elements; gradwerk tensors hold at most"
                    + " 2^31-1");
        return new TensorEntry(name, dtype, dims, begin, end);
    }

    /** A JSON array of non-fractional numbers, parsed exactly (no doubles in between, which would round). */
    private static long[] readLongs(Path file, JsonReader r, String what) throws IOException {
        if (r.peek() != JsonToken.BEGIN_ARRAY)
            throw new SafeTensorsException(file, what + " must be an array of integers, found " + r.peek());
        List<Long> values = new ArrayList<>();
        r.beginArray();
        while (r.hasNext()) {
            if (r.peek() != JsonToken.NUMBER)
                throw new SafeTensorsException(file, what + " must be an array of integers, found " + r.peek());
            String s = r.nextString();
            try {
                values.add(Long.parseLong(s));
            } catch (NumberFormatException e) {
                throw new SafeTensorsException(file, what + " has '" + s + "', not an integer");
            }
        }
        r.endArray();
        return values.stream().mapToLong(Long::longValue).toArray();
    }

    private static long saturatingMultiply(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * The data section must be covered exactly once: sorted by offset, each tensor starts where the previous one
     * ended, and the last one ends at the end of the file. (Empty tensors take no bytes and may sit anywhere a
     * tensor could start.)
     */
    private static void checkTiling(Path file, List<TensorEntry> entries, long dataSize) throws SafeTensorsException {
        List<TensorEntry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(TensorEntry::begin).thenComparingLong(TensorEntry::end));
        long cursor = 0;
        TensorEntry previous = null; // the entry that ends at cursor
        for (TensorEntry e : sorted) {
            if (e.begin() < cursor)
                throw new SafeTensorsException(file, "tensors '" + previous.name() + "' [" + previous.begin() + ", "
                        + previous.end() + "] and '" + e.name() + "' [" + e.begin() + ", " + e.end() + "] overlap");
            if (e.begin() > cursor)
                throw new SafeTensorsException(file, "bytes [" + cursor + ", " + e.begin() + ") of the data section"
                        + " belong to no tensor (a gap before '" + e.name() + "')");
            if (e.end() > cursor || previous == null) {
                cursor = e.end();
                previous = e;
            }
        }
        if (cursor != dataSize)
            throw new SafeTensorsException(file, "the data section has " + dataSize + " bytes but the tensors cover"
                    + " only " + cursor + " (trailing bytes after the last tensor)");
    }
}

package gradwerk.nn.io;

import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every way a file can be malformed is rejected, with a message naming the file and the problem. */
class SafeTensorsCorruptionTest {
    @TempDir
    Path dir;

    /** A file with this exact header JSON (unpadded) and this many data bytes. */
    private Path raw(String json, int dataBytes) throws IOException {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path f = dir.resolve("checkpoint.safetensors");
        Files.write(f, b.array());
        return f;
    }

    private Path valid() throws IOException {
        Path f = dir.resolve("checkpoint.safetensors");
        SafeTensors.save(f, Map.of("conv1.weight", Tensor.ones(5, 6)), Map.of("k", "v"));
        return f;
    }

    /** Loads, expects a SafeTensorsException, checks the message names the file and contains the fragment. */
    private static String rejected(Path f, String fragment) {
        SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> SafeTensors.load(f));
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void spanThatDoesNotMatchTheShape() throws IOException {
        Path f = raw("{\"conv1.weight\":{\"dtype\":\"F32\",\"shape\":[5,6],\"data_offsets\":[0,100]}}", 100);
        assertEquals(f + ": tensor 'conv1.weight': data_offsets [0, 100] span 100 bytes but F32 [5,6] needs 120",
                rejected(f, "needs 120"));
    }

    @Test
    void emptyAndTinyFiles() throws IOException {
        Path f = dir.resolve("checkpoint.safetensors");
        Files.write(f, new byte[0]);
        rejected(f, "fewer than the 8-byte header length");
        Files.write(f, new byte[] {1, 2, 3});
        rejected(f, "fewer than the 8-byte header length");
    }

    @Test
    void truncatedFile() throws IOException {
        Path f = valid();
        byte[] all = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(all, all.length - 4));
        rejected(f, "reach past the end of the data section");
        Files.write(f, Arrays.copyOf(all, 20)); // cut inside the header
        rejected(f, "is larger than the 12 bytes after it");
    }

    @Test
    void headerLengthLargerThanTheFileOrAbsurd() throws IOException {
        Path f = valid();
        byte[] all = Files.readAllBytes(f);
        ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).putLong(0, all.length);
        Files.write(f, all);
        rejected(f, "is larger than");
        ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        Files.write(f, all);
        rejected(f, "exceeds the 100000000-byte limit");
        ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1L); // 2^64-1 unsigned
        Files.write(f, all);
        rejected(f, "header length 18446744073709551615 exceeds");
    }

    @Test
    void flippedHeaderBytes() throws IOException {
        Path f = valid();
        byte[] all = Files.readAllBytes(f);
        byte[] copy = all.clone();
        copy[8] = 'x'; // the opening brace
        Files.write(f, copy);
        rejected(f, "header does not start with '{'");
        copy = all.clone();
        copy[8 + 5] ^= 0x40; // a byte inside the JSON: __metadata__ becomes __m%tadata__, which reads as a tensor
        Files.write(f, copy);
        rejected(f, "tensor '__m%tadata__': no dtype");
        copy = all.clone();
        copy[12] = (byte) 0xC3; // a UTF-8 lead byte with no continuation
        copy[13] = '"';
        Files.write(f, copy);
        rejected(f, "not valid UTF-8");
        String json = new String(all, 8, (int) ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getLong(0),
                StandardCharsets.UTF_8);
        copy = all.clone();
        int colon = json.indexOf("\"shape\":") + 8;
        copy[8 + colon] = '{'; // "shape":{5,6] — broken JSON
        Files.write(f, copy);
        rejected(f, "shape must be an array");
        copy = all.clone();
        copy[8 + json.indexOf("]}}")] = ','; // "data_offsets":[0,120,}}
        Files.write(f, copy);
        rejected(f, "header is not valid JSON");
    }

    @Test
    void unsupportedAndUnknownDtypes() throws IOException {
        rejected(raw("{\"w\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4),
                "tensor 'w': dtype BF16 is not supported");
        rejected(raw("{\"w\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8), "dtype I64 is not supported");
        rejected(raw("{\"w\":{\"dtype\":\"Q7\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "unknown dtype 'Q7'");
        rejected(raw("{\"w\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "dtype must be a string");
    }

    @Test
    void overlappingOffsets() throws IOException {
        rejected(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 24),
                "tensors 'a' [0, 16] and 'b' [8, 24] overlap");
        rejected(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16), "overlap");
        // an empty tensor placed inside another one's bytes: the reference implementation rejects it too
        rejected(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]}}", 16), "overlap");
    }

    @Test
    void gapsAndTrailingBytes() throws IOException {
        rejected(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12),
                "bytes [4, 8) of the data section belong to no tensor (a gap before 'b')");
        rejected(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "bytes [0, 4)");
        rejected(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 12),
                "the data section has 12 bytes but the tensors cover only 4");
    }

    @Test
    void badShapesAndOffsets() throws IOException {
        rejected(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4), "invalid size -1 in dim 0");
        rejected(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8), "'2.0', not an integer");
        rejected(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", 8), "array of integers");
        rejected(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4), "not a valid range");
        rejected(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4), "must be [begin, end]");
        rejected(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536,65536,65536,65536],\"data_offsets\":[0,4]}}", 4),
                "needs more than 2^63");
        rejected(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,17179869184]}}", 4),
                "reach past the end");
        rejected(raw("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4), "tensor 'a': no shape");
        rejected(raw("{\"a\":[1,2]}", 0), "expected an object with dtype, shape and data_offsets");
    }

    @Test
    void duplicateNamesAndBadMetadata() throws IOException {
        rejected(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "header lists 'a' twice");
        rejected(raw("{\"__metadata__\":{\"epoch\":3}}", 0), "__metadata__ entry 'epoch' must be a string");
        rejected(raw("{\"__metadata__\":[]}", 0), "__metadata__ must be an object");
        assertEquals(dir.resolve("checkpoint.safetensors")
                        + ": header is not valid JSON: malformed JSON at line 1 column 6 path $",
                rejected(raw("{}  trailing", 0), "not valid JSON"));
        rejected(raw("{\"\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}", 0), "empty name");
    }

    @Test
    void unknownFieldsAreIgnoredLikeTheReference() throws IOException {
        Path f = raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4],\"extra\":[1,{\"x\":2}]}}    ", 4);
        assertEquals(0.0, SafeTensors.load(f).get("a").item());
    }
}

package gradwerk.ddanet.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Nifti1ReaderTest {
    @TempDir
    Path dir;

    /** Every supported type, both byte orders, plain and gzip: values come back exactly. */
    @ParameterizedTest(name = "{0} {1} gzip={2}")
    @CsvSource({
        "UINT8, LITTLE_ENDIAN, false", "UINT8, BIG_ENDIAN, true",
        "INT8, LITTLE_ENDIAN, true", "INT8, BIG_ENDIAN, false",
        "INT16, LITTLE_ENDIAN, false", "INT16, LITTLE_ENDIAN, true", "INT16, BIG_ENDIAN, false", "INT16, BIG_ENDIAN, true",
        "UINT16, BIG_ENDIAN, true", "UINT16, LITTLE_ENDIAN, false",
        "INT32, LITTLE_ENDIAN, true", "INT32, BIG_ENDIAN, false",
        "FLOAT32, LITTLE_ENDIAN, false", "FLOAT32, BIG_ENDIAN, true",
        "FLOAT64, LITTLE_ENDIAN, true", "FLOAT64, BIG_ENDIAN, false"})
    void readsEveryTypeInBothByteOrders(NiftiDatatype type, String order, boolean gzip) {
        double[] v = switch (type) {
            case UINT8 -> new double[] {0, 1, 127, 128, 200, 255};
            case INT8 -> new double[] {-128, -1, 0, 1, 100, 127};
            case INT16 -> new double[] {-32768, -1024, -1, 0, 400, 32767};
            case UINT16 -> new double[] {0, 1, 256, 32768, 40000, 65535};
            case INT32 -> new double[] {-2_000_000, -1, 0, 1, 70000, 16_777_216};
            case FLOAT32 -> new double[] {-1000.5f, -0.25f, 0, 1e-3f, 3.5f, 1e6f};
            case FLOAT64 -> new double[] {-1000.5, -0.25, 0, 0.125, 3.5, 1e6};
        };
        ByteOrder bo = order.equals("BIG_ENDIAN") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        Path f = new NiftiTestFile().type(type).order(bo).gzip(gzip).values(v).write(dir, "v.nii" + (gzip ? ".gz" : ""));
        NiftiVolume vol = Nifti1Reader.read(f);
        assertEquals(bo, vol.header().order());
        assertEquals(type, vol.header().datatype());
        float[] expected = new float[v.length];
        for (int i = 0; i < v.length; i++) expected[i] = (float) v[i];
        assertArrayEquals(expected, vol.voxels());
    }

    @Test
    void gzipIsDetectedByContentNotName() {
        Path packedPlainName = Path.of(dir.toString(), "packed.nii");
        new NiftiTestFile().gzip(true).write(dir, "packed.nii");
        Path plainGzName = new NiftiTestFile().gzip(false).write(dir, "plain.nii.gz");
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, Nifti1Reader.read(packedPlainName).voxels());
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, Nifti1Reader.read(plainGzName).voxels());
    }

    @Test
    void appliesSlopeAndIntercept() {
        // A typical CT file: int16 stored values, HU = 1 * stored - 1024.
        Path f = new NiftiTestFile().scale(1f, -1024f).values(0, 24, 1024, 1064, 2048, 3000).write(dir, "ct.nii");
        assertArrayEquals(new float[] {-1024, -1000, 0, 40, 1024, 1976}, Nifti1Reader.read(f).voxels());
        Path g = new NiftiTestFile().order(ByteOrder.BIG_ENDIAN).gzip(true).scale(0.5f, 10f).values(-4, -1, 0, 1, 3, 100)
                .write(dir, "half.nii.gz");
        assertArrayEquals(new float[] {8, 9.5f, 10, 10.5f, 11.5f, 60}, Nifti1Reader.read(g).voxels());
    }

    @Test
    void slopeZeroMeansNoScalingEvenWithAnIntercept() {
        Path f = new NiftiTestFile().scale(0f, -1024f).values(0, 1, 2, 3, 4, 5).write(dir, "noscale.nii");
        NiftiVolume vol = Nifti1Reader.read(f);
        assertFalse(vol.header().scaled());
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, vol.voxels());
    }

    @Test
    void honoursVoxOffsetAndDimensions() {
        double[] v = new double[4 * 3 * 2];
        for (int i = 0; i < v.length; i++) v[i] = i;
        Path f = new NiftiTestFile().dims(4, 3, 2).voxOffset(400).values(v).write(dir, "offset.nii");
        NiftiVolume vol = Nifti1Reader.read(f);
        assertEquals(400, vol.header().voxOffset());
        assertEquals(4, vol.nx());
        assertEquals(3, vol.ny());
        assertEquals(2, vol.nz());
        assertEquals(1 + 4 * (2 + 3 * 1), vol.get(1, 2, 1)); // x fastest
        assertArrayEquals(new float[] {12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23}, vol.slice(1));
        assertEquals("gradwerk test volume", vol.header().description());
    }

    @Test
    void acceptsTwoDimensionalAndTrailingUnitDimensions() {
        Path twoD = new NiftiTestFile().rank(2).write(dir, "2d.nii");
        assertEquals(1, Nifti1Reader.read(twoD).nz());
        NiftiTestFile fourD = new NiftiTestFile();
        fourD.dims = new int[] {2, 3, 1, 1};
        fourD.rank = 4;
        assertEquals(6, Nifti1Reader.read(fourD.write(dir, "4d.nii")).voxels().length);
    }

    @Test
    void rejectsRealFourDimensionalData() {
        NiftiTestFile t = new NiftiTestFile();
        t.dims = new int[] {2, 3, 1, 2};
        t.rank = 4;
        t.stored = new double[12];
        Path f = t.write(dir, "time.nii");
        var e = assertThrows(IllegalArgumentException.class, () -> Nifti1Reader.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("dim[4] = 2"), e.getMessage());
    }

    @Test
    void truncatedDataNamesFileAndSizes() {
        Path f = new NiftiTestFile().dropLastBytes(3).write(dir, "cut.nii");
        var e = assertThrows(IllegalArgumentException.class, () -> Nifti1Reader.read(f));
        assertTrue(e.getMessage().startsWith(f + ": truncated"), e.getMessage());
        assertTrue(e.getMessage().contains("364"), e.getMessage()); // 352 + 6 * 2 bytes expected
    }

    @Test
    void truncatedHeaderAndTruncatedGzip() {
        Path shortFile = dir.resolve("short.nii");
        byte[] full = new NiftiTestFile().bytes();
        writeBytes(shortFile, java.util.Arrays.copyOf(full, 100));
        var e = assertThrows(IllegalArgumentException.class, () -> Nifti1Reader.read(shortFile));
        assertTrue(e.getMessage().startsWith(shortFile + ": truncated: 100 bytes"), e.getMessage());

        Path cutGz = new NiftiTestFile().gzip(true).dropLastBytes(20).write(dir, "cut.nii.gz");
        var g = assertThrows(IllegalArgumentException.class, () -> Nifti1Reader.read(cutGz));
        assertTrue(g.getMessage().startsWith(cutGz + ": truncated or corrupt gzip"), g.getMessage());
    }

    @Test
    void badMagicIsNamed() {
        Path f = new NiftiTestFile().magic("abc\0").write(dir, "magic.nii");
        var e = assertThrows(IllegalArgumentException.class, () -> Nifti1Reader.read(f));
        assertTrue(e.getMessage().startsWith(f + ": bad magic \"abc\\x00\""), e.getMessage());
        Path pair = new NiftiTestFile().magic("ni1\0").write(dir, "pair.hdr");
        var p = assertThrows(IllegalArgumentException.class, () -> Nifti1Reader.read(pair));
        assertTrue(p.getMessage().contains(".hdr/.img pair"), p.getMessage());
    }

    @Test
    void badSizeofHdrAndNifti2() {
        Path f = new NiftiTestFile().sizeofHdr(123).write(dir, "junk.nii");
        var e = assertThrows(IllegalArgumentException.class, () -> Nifti1Reader.read(f));
        assertTrue(e.getMessage().startsWith(f + ": not a NIfTI-1 file"), e.getMessage());
        Path two = new NiftiTestFile().sizeofHdr(540).write(dir, "two.nii");
        var t = assertThrows(IllegalArgumentException.class, () -> Nifti1Reader.read(two));
        assertTrue(t.getMessage().contains("NIfTI-2"), t.getMessage());
    }

    @Test
    void unsupportedDatatypeIsNamed() {
        Path f = new NiftiTestFile().datatypeCode(128).bitpix(24).write(dir, "rgb.nii");
        var e = assertThrows(IllegalArgumentException.class, () -> Nifti1Reader.read(f));
        assertTrue(e.getMessage().startsWith(f + ": unsupported datatype RGB24 (128)"), e.getMessage());
        Path c = new NiftiTestFile().datatypeCode(1792).bitpix(128).write(dir, "complex.nii");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Nifti1Reader.read(c)).getMessage()
                .contains("COMPLEX128 (1792)"));
    }

    @Test
    void bitpixMustMatchDatatype() {
        Path f = new NiftiTestFile().bitpix(8).write(dir, "bitpix.nii");
        var e = assertThrows(IllegalArgumentException.class, () -> Nifti1Reader.read(f));
        assertTrue(e.getMessage().contains("bitpix 8 does not match datatype INT16"), e.getMessage());
    }

    @Test
    void voxOffsetInsideHeaderIsRejected() {
        Path f = new NiftiTestFile().voxOffset(100).write(dir, "early.nii");
        var e = assertThrows(IllegalArgumentException.class, () -> Nifti1Reader.read(f));
        assertTrue(e.getMessage().startsWith(f + ": vox_offset 100.0"), e.getMessage());
    }

    @Test
    void missingFileIsAnUncheckedIoError() {
        Path f = dir.resolve("nope.nii");
        var e = assertThrows(UncheckedIOException.class, () -> Nifti1Reader.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    }

    private static void writeBytes(Path p, byte[] b) {
        try {
            Files.write(p, b);
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

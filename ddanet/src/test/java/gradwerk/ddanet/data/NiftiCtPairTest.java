package gradwerk.ddanet.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NiftiCtPairTest {
    @TempDir
    Path dir;

    /** A 3 (x) × 2 (y) × 2 (z) CT in int16 with HU = stored - 1024, and its labels in uint8. */
    private Path[] files() {
        Path image = new NiftiTestFile().dims(3, 2, 2).scale(1f, -1024f).gzip(true)
                .values(0, 274, 424, 1024, 1174, 2048, // z = 0: -1024, -750, -600, 0, 150, 1024 HU
                        1024, 1024, 1024, 1024, 1024, 1024)
                .write(dir, "tr_im.nii.gz");
        Path mask = new NiftiTestFile().dims(3, 2, 2).type(NiftiDatatype.UINT8).order(ByteOrder.BIG_ENDIAN).gzip(true)
                .values(0, 1, 2, 3, 0, 1, 2, 2, 0, 0, 0, 0)
                .write(dir, "tr_mask.nii.gz");
        return new Path[] {image, mask};
    }

    @Test
    void pairsWindowedImageWithLabels() {
        Path[] f = files();
        NiftiCtPair pair = NiftiCtPair.read(f[0], f[1], HuWindow.LUNG, SliceOrientation.AS_STORED);
        assertEquals(2, pair.depth());
        CtSlice s = pair.slice(0);
        assertEquals("0000", s.id());
        assertEquals(2, s.height()); // ny rows
        assertEquals(3, s.width()); // nx columns
        // Lung window -600/1500: [-1350, 150] -> [0, 1].
        assertArrayEquals(new float[] {326f / 1500, 600f / 1500, 0.5f, 0.9f, 1f, 1f}, s.image(), 1e-6f);
        assertArrayEquals(new byte[] {0, 1, 2, 0, 0, 1}, s.labels()); // label 3 -> background
        List<CtSlice> all = pair.slices();
        assertEquals("0001", all.get(1).id());
        assertArrayEquals(new byte[] {2, 2, 0, 0, 0, 0}, all.get(1).labels());
    }

    @Test
    void orientationIsApplied() {
        Path[] f = files();
        var flipped = NiftiCtPair.read(f[0], f[1], HuWindow.LUNG, new SliceOrientation(true, false, false)).slice(0);
        assertEquals(3, flipped.height());
        assertEquals(2, flipped.width());
        assertArrayEquals(new byte[] {0, 0, 1, 0, 2, 1}, flipped.labels()); // transposed
    }

    @Test
    void dimensionMismatchNamesBothFiles() {
        Path image = new NiftiTestFile().dims(3, 2, 1).write(dir, "im.nii");
        Path mask = new NiftiTestFile().dims(2, 3, 1).write(dir, "mask.nii");
        var e = assertThrows(IllegalArgumentException.class,
                () -> NiftiCtPair.read(image, mask, HuWindow.LUNG, SliceOrientation.AS_STORED));
        assertTrue(e.getMessage().contains(image + " is 3x2x1"), e.getMessage());
        assertTrue(e.getMessage().contains(mask + " is 2x3x1"), e.getMessage());
    }

    @Test
    void badLabelValueNamesFileAndVoxel() {
        Path image = new NiftiTestFile().dims(3, 2, 1).write(dir, "im.nii");
        Path mask = new NiftiTestFile().dims(3, 2, 1).type(NiftiDatatype.FLOAT32).values(0, 0, 0, 0, 1.5, 0)
                .write(dir, "mask.nii");
        var e = assertThrows(IllegalArgumentException.class,
                () -> NiftiCtPair.read(image, mask, HuWindow.LUNG, SliceOrientation.AS_STORED));
        assertTrue(e.getMessage().startsWith(mask + ": label 1.5 at voxel (x 1, y 1, z 0)"), e.getMessage());
        Path four = new NiftiTestFile().dims(3, 2, 1).values(0, 4, 0, 0, 0, 0).write(dir, "four.nii");
        assertThrows(IllegalArgumentException.class,
                () -> NiftiCtPair.read(image, four, HuWindow.LUNG, SliceOrientation.AS_STORED));
    }
}

package gradwerk.ddanet.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A small MedSeg-layout folder written to a temp dir: 2x3 slices, so every pixel can be checked. */
class MedSegFolderTest {
    @TempDir
    Path root;

    private static final int[] IMAGE = {0, 51, 102, 153, 204, 255};
    private static final int[] MASK = {0, 1, 2, 3, 1, 0};

    @BeforeEach
    void layout() throws IOException {
        Files.createDirectories(root.resolve("images"));
        Files.createDirectories(root.resolve("masks"));
        for (String id : List.of("0000", "0001", "0002", "0003")) {
            GrayPng.write8(root.resolve("images/" + id + ".png"), 2, 3, IMAGE);
            if (!id.equals("0003")) GrayPng.write8(root.resolve("masks/" + id + ".png"), 2, 3, MASK);
        }
        csv("""
            slice,set,ggo_px,consolidation_px
            0000,train,2,1
            0001,val,2,1
            0002,test,2,1
            0003,excluded,0,0
            """);
    }

    private Path csv(String text) throws IOException {
        return Files.writeString(root.resolve("split.csv"), text);
    }

    @Test
    void listsSetsInTableOrder() {
        MedSegFolder f = MedSegFolder.open(root);
        assertEquals(List.of("0000"), f.slices("train"));
        assertEquals(List.of("0001"), f.slices("val"));
        assertEquals(List.of("0002"), f.slices("test"));
        assertEquals(List.of("0003"), f.slices("excluded"));
        assertEquals(List.of("train", "val", "test", "excluded"), List.copyOf(f.sets()));
        assertEquals(2, f.row("0002").ggoPixels());
        assertEquals(4, f.rows().size());
    }

    @Test
    void loadsImageAndLabelsWithThreeAsBackground() {
        CtSlice s = MedSegFolder.open(root).load("0001");
        assertEquals("0001", s.id());
        assertEquals(2, s.height());
        assertEquals(3, s.width());
        assertArrayEquals(new float[] {0, 0.2f, 0.4f, 0.6f, 0.8f, 1}, s.image(), 1e-6f);
        assertArrayEquals(new byte[] {0, 1, 2, 0, 1, 0}, s.labels());
        assertEquals(2, s.count(CtSlice.GGO));
        assertEquals(1, s.count(CtSlice.CONSOLIDATION));
    }

    @Test
    void unknownSetNameInQueryIsAnError() {
        var e = assertThrows(IllegalArgumentException.class, () -> MedSegFolder.open(root).slices("training"));
        assertTrue(e.getMessage().contains("unknown set 'training'"), e.getMessage());
    }

    @Test
    void badHeaderNamesFileAndLine() throws IOException {
        Path f = csv("slice,split,ggo,cons\n0000,train,0,0\n");
        var e = assertThrows(IllegalArgumentException.class, () -> MedSegFolder.open(root));
        assertTrue(e.getMessage().startsWith(f + ":1: header is 'slice,split,ggo,cons'"), e.getMessage());
    }

    @Test
    void unknownSetInTableNamesFileAndLine() throws IOException {
        Path f = csv("slice,set,ggo_px,consolidation_px\n0000,train,0,0\n0001,holdout,0,0\n");
        var e = assertThrows(IllegalArgumentException.class, () -> MedSegFolder.open(root));
        assertTrue(e.getMessage().startsWith(f + ":3: unknown set 'holdout'"), e.getMessage());
    }

    @Test
    void duplicateSliceNamesBothLines() throws IOException {
        Path f = csv("slice,set,ggo_px,consolidation_px\n0000,train,0,0\n0001,val,0,0\n0000,test,0,0\n");
        var e = assertThrows(IllegalArgumentException.class, () -> MedSegFolder.open(root));
        assertTrue(e.getMessage().startsWith(f + ":4: duplicate slice 0000 (first listed on line 2)"), e.getMessage());
    }

    @Test
    void malformedRowsNameFileAndLine() throws IOException {
        Path f = csv("slice,set,ggo_px,consolidation_px\n0000,train,0\n");
        var e = assertThrows(IllegalArgumentException.class, () -> MedSegFolder.open(root));
        assertTrue(e.getMessage().startsWith(f + ":2: expected 4 comma-separated fields"), e.getMessage());
        csv("slice,set,ggo_px,consolidation_px\n\n0000,train,-5,0\n");
        var n = assertThrows(IllegalArgumentException.class, () -> MedSegFolder.open(root));
        assertTrue(n.getMessage().startsWith(f + ":3: ggo_px '-5'"), n.getMessage());
        csv("slice,set,ggo_px,consolidation_px\n../etc,train,0,0\n");
        assertThrows(IllegalArgumentException.class, () -> MedSegFolder.open(root));
    }

    @Test
    void toleratesByteOrderMarkAndCrLf() throws IOException {
        csv("\uFEFFslice,set,ggo_px,consolidation_px\r\n0000,train,2,1\r\n");
        assertEquals(List.of("0000"), MedSegFolder.open(root).slices("train"));
    }

    @Test
    void missingFilesAreReportedAtOpen() throws IOException {
        Files.delete(root.resolve("masks/0002.png"));
        var e = assertThrows(UncheckedIOException.class, () -> MedSegFolder.open(root));
        assertTrue(e.getMessage().contains(root.resolve("masks/0002.png") + ": missing"), e.getMessage());
        assertTrue(e.getMessage().contains(root.resolve("split.csv") + ":4"), e.getMessage());
    }

    @Test
    void excludedSliceWithoutMaskCannotBeLoaded() {
        var e = assertThrows(UncheckedIOException.class, () -> MedSegFolder.open(root).load("0003"));
        assertTrue(e.getMessage().contains(root.resolve("masks/0003.png") + ": missing"), e.getMessage());
    }

    @Test
    void unknownSliceIdIsAnError() {
        var e = assertThrows(IllegalArgumentException.class, () -> MedSegFolder.open(root).load("9999"));
        assertTrue(e.getMessage().contains("no slice '9999'"), e.getMessage());
    }

    @Test
    void maskValueAboveThreeNamesFilePositionAndValue() {
        Path mask = root.resolve("masks/0000.png");
        GrayPng.write8(mask, 2, 3, new int[] {0, 0, 0, 0, 0, 7});
        var e = assertThrows(IllegalArgumentException.class, () -> MedSegFolder.open(root).load("0000"));
        assertTrue(e.getMessage().startsWith(mask + ": mask value 7 at (row 1, col 2)"), e.getMessage());
    }

    @Test
    void sizeMismatchNamesBothFiles() {
        Path mask = root.resolve("masks/0000.png");
        GrayPng.write8(mask, 3, 2, MASK);
        var e = assertThrows(IllegalArgumentException.class, () -> MedSegFolder.open(root).load("0000"));
        assertTrue(e.getMessage().contains(root.resolve("images/0000.png") + " is 2x3"), e.getMessage());
        assertTrue(e.getMessage().contains(mask + " is 3x2"), e.getMessage());
    }

    @Test
    void rgbImageIsReadByLuminanceButColourMaskIsRejected() throws IOException {
        var img = new BufferedImage(3, 2, BufferedImage.TYPE_3BYTE_BGR);
        for (int i = 0; i < 6; i++) img.setRGB(i % 3, i / 3, IMAGE[i] * 0x010101); // gray stored as RGB
        ImageIO.write(img, "png", root.resolve("images/0000.png").toFile());
        assertArrayEquals(new float[] {0, 0.2f, 0.4f, 0.6f, 0.8f, 1}, MedSegFolder.open(root).load("0000").image(),
                1e-6f);
        img.setRGB(1, 0, 0x00ff00);
        Path mask = root.resolve("masks/0000.png");
        ImageIO.write(img, "png", mask.toFile());
        var e = assertThrows(IllegalArgumentException.class, () -> MedSegFolder.open(root).load("0000"));
        assertTrue(e.getMessage().startsWith(mask + ": colour pixel"), e.getMessage());
    }

    @Test
    void missingSplitTableIsAnUncheckedIoError() throws IOException {
        Files.delete(root.resolve("split.csv"));
        var e = assertThrows(UncheckedIOException.class, () -> MedSegFolder.open(root));
        assertTrue(e.getMessage().startsWith(root.resolve("split.csv").toString()), e.getMessage());
    }
}

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
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GrayPngTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsEightBitGrayExactly() {
        int[] v = {0, 1, 2, 3, 127, 255};
        Path f = dir.resolve("g.png");
        GrayPng.write8(f, 2, 3, v);
        GrayPng.Samples s = GrayPng.read(f, GrayPng.Mode.EXACT);
        assertEquals(2, s.height());
        assertEquals(3, s.width());
        assertEquals(255, s.maxValue());
        assertArrayEquals(v, s.values()); // no gamma: label 1 stays 1
        assertArrayEquals(new float[] {0, 1 / 255f, 2 / 255f, 3 / 255f, 127 / 255f, 1}, s.toUnitRange());
    }

    @Test
    void readsSixteenBitGray() throws IOException {
        var img = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        img.getRaster().setSample(0, 0, 0, 1000);
        img.getRaster().setSample(1, 0, 0, 65535);
        Path f = dir.resolve("g16.png");
        ImageIO.write(img, "png", f.toFile());
        GrayPng.Samples s = GrayPng.read(f, GrayPng.Mode.LUMINANCE);
        assertEquals(65535, s.maxValue());
        assertArrayEquals(new int[] {1000, 65535}, s.values());
    }

    @Test
    void colourImageBecomesLuminance() throws IOException {
        Path f = rgb("rgb.png", new int[][] {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {10, 10, 10}});
        GrayPng.Samples s = GrayPng.read(f, GrayPng.Mode.LUMINANCE);
        assertArrayEquals(new int[] {76, 150, 29, 10}, s.values()); // 0.299, 0.587, 0.114 of 255, rounded
    }

    @Test
    void grayStoredAsRgbIsAcceptedForLabels() throws IOException {
        Path f = rgb("gray-rgb.png", new int[][] {{0, 0, 0}, {1, 1, 1}, {2, 2, 2}, {3, 3, 3}});
        assertArrayEquals(new int[] {0, 1, 2, 3}, GrayPng.read(f, GrayPng.Mode.EXACT).values());
    }

    @Test
    void colouredLabelMapIsRejectedNamingFileAndPixel() throws IOException {
        Path f = rgb("colour-mask.png", new int[][] {{0, 0, 0}, {0, 0, 0}, {255, 0, 0}, {0, 0, 0}});
        var e = assertThrows(IllegalArgumentException.class, () -> GrayPng.read(f, GrayPng.Mode.EXACT));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("(255,0,0) at (row 1, col 0)"), e.getMessage());
    }

    @Test
    void notAnImageAndMissingFile() throws IOException {
        Path junk = Files.writeString(dir.resolve("junk.png"), "hello");
        var e = assertThrows(IllegalArgumentException.class, () -> GrayPng.read(junk, GrayPng.Mode.LUMINANCE));
        assertTrue(e.getMessage().startsWith(junk.toString()), e.getMessage());
        Path missing = dir.resolve("missing.png");
        var m = assertThrows(UncheckedIOException.class, () -> GrayPng.read(missing, GrayPng.Mode.LUMINANCE));
        assertTrue(m.getMessage().startsWith(missing.toString()), m.getMessage());
    }

    /** A 2x2 RGB PNG with the given (r, g, b) pixels in row-major order. */
    private Path rgb(String name, int[][] pixels) throws IOException {
        var img = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < 4; i++) {
            int[] p = pixels[i];
            img.setRGB(i % 2, i / 2, p[0] << 16 | p[1] << 8 | p[2]);
        }
        Path f = dir.resolve(name);
        ImageIO.write(img, "png", f.toFile());
        return f;
    }
}

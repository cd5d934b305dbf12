package gradwerk.ddanet.data;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Reads and writes single-channel PNG files as plain {@code int} samples, with {@code javax.imageio}.
 *
 * <p>Why not {@link BufferedImage#getRGB}? It converts through the sRGB colour space, and for a grayscale image
 * that conversion applies a gamma curve: a stored gray value of 1 (a class label!) comes back as 13. So this
 * class reads the raster's samples directly, which are the numbers stored in the file.
 *
 * <p>Colour PNGs: in {@link Mode#LUMINANCE} mode (for images) red, green and blue are combined into a gray level
 * with the ITU-R BT.601 weights 0.299, 0.587, 0.114 (what most imaging tools call "convert to L"). In
 * {@link Mode#EXACT} mode (for label maps) a colour PNG is accepted only when every pixel is gray (R = G = B),
 * because a weighted mix of colour-coded classes would be meaningless; otherwise the error names the first
 * coloured pixel. Palette PNGs are read through their palette the same way. An alpha channel is ignored.
 */
public final class GrayPng {
    /** How to turn a colour PNG into one gray value per pixel. */
    public enum Mode {
        /** Colour is mixed to luminance (for CT images saved as RGB). */
        LUMINANCE,
        /** Colour is accepted only when R = G = B at every pixel (for label maps). */
        EXACT
    }

    /**
     * The samples of one gray PNG, row-major; {@code maxValue} is 255 for 8-bit files and 65535 for 16-bit ones.
     */
    public record Samples(Path file, int height, int width, int[] values, int maxValue) {
        /** The samples scaled to {@code [0, 1]} by {@code maxValue}. */
        public float[] toUnitRange() {
            float[] out = new float[values.length];
            for (int i = 0; i < out.length; i++) out[i] = values[i] / (float) maxValue;
            return out;
        }
    }

    private GrayPng() {}

    /** Reads {@code file}; errors name the file. */
    public static Samples read(Path file, Mode mode) {
        BufferedImage img;
        try {
            if (!Files.isRegularFile(file)) throw new java.io.FileNotFoundException(file + ": no such file");
            img = ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read PNG: " + e.getMessage(), e);
        }
        if (img == null) throw new IllegalArgumentException(file + ": not a readable image (ImageIO found no reader)");
        int h = img.getHeight(), w = img.getWidth();
        ColorModel cm = img.getColorModel();
        Raster r = img.getRaster();
        int[] out = new int[h * w];
        if (cm instanceof IndexColorModel icm) {
            readPalette(file, r, icm, mode, out, w);
            return new Samples(file, h, w, out, 255);
        }
        int colours = cm.getNumColorComponents();
        int max = (1 << cm.getComponentSize(0)) - 1;
        if (colours == 1) {
            r.getSamples(0, 0, w, h, 0, out);
        } else if (colours == 3) {
            readRgb(file, r, mode, out, w, h);
        } else {
            throw new IllegalArgumentException(file + ": unsupported PNG with " + colours + " colour components");
        }
        return new Samples(file, h, w, out, max);
    }

    private static void readRgb(Path file, Raster r, Mode mode, int[] out, int w, int h) {
        int[] red = r.getSamples(0, 0, w, h, 0, (int[]) null);
        int[] green = r.getSamples(0, 0, w, h, 1, (int[]) null);
        int[] blue = r.getSamples(0, 0, w, h, 2, (int[]) null);
        for (int i = 0; i < out.length; i++) {
            out[i] = gray(file, mode, red[i], green[i], blue[i], i, w);
        }
    }

    private static void readPalette(Path file, Raster r, IndexColorModel icm, Mode mode, int[] out, int w) {
        int h = r.getHeight();
        int[] index = r.getSamples(0, 0, w, h, 0, (int[]) null);
        for (int i = 0; i < out.length; i++) {
            int k = index[i];
            out[i] = gray(file, mode, icm.getRed(k), icm.getGreen(k), icm.getBlue(k), i, w);
        }
    }

    private static int gray(Path file, Mode mode, int red, int green, int blue, int i, int w) {
        if (mode == Mode.EXACT) {
            if (red != green || green != blue) {
                throw new IllegalArgumentException(file + ": colour pixel (R,G,B) = (" + red + "," + green + ","
                        + blue + ") at (row " + i / w + ", col " + i % w
                        + "); a label map must be grayscale (one class number per pixel)");
            }
            return red;
        }
        return (int) Math.round(0.299 * red + 0.587 * green + 0.114 * blue);
    }

    /** Writes an 8-bit gray PNG; every sample must be in {@code [0, 255]}. */
    public static void write8(Path file, int height, int width, int[] values) {
        if (values.length != height * width) {
            throw new IllegalArgumentException(file + ": " + values.length + " samples for " + height + "x" + width);
        }
        var img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster r = img.getRaster();
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0 || values[i] > 255) {
                throw new IllegalArgumentException(file + ": sample " + values[i] + " at index " + i + " is not 8-bit");
            }
        }
        r.setSamples(0, 0, width, height, 0, values);
        try {
            if (!ImageIO.write(img, "png", file.toFile())) throw new IOException("no PNG writer");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write PNG: " + e.getMessage(), e);
        }
    }

    /** Writes intensities in {@code [0, 1]} as an 8-bit gray PNG (rounded to the nearest of 256 levels). */
    public static void writeIntensities(Path file, int height, int width, float[] image) {
        int[] v = new int[image.length];
        for (int i = 0; i < v.length; i++) v[i] = Math.round(Math.clamp(image[i], 0f, 1f) * 255f);
        write8(file, height, width, v);
    }

    /** Writes a label map (one class per pixel) as an 8-bit gray PNG whose sample is the class number. */
    public static void writeLabels(Path file, int height, int width, byte[] labels) {
        int[] v = new int[labels.length];
        for (int i = 0; i < v.length; i++) v[i] = labels[i] & 0xff;
        write8(file, height, width, v);
    }
}

package gradwerk.ddanet.plot;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A CT slice with its segmentation drawn on top, as a PNG: predicted classes as translucent colour (GGO yellow,
 * consolidation red) and, when the ground truth is known, its outlines (GGO green, consolidation cyan), with a
 * one-line legend. Small slices are enlarged by an integer factor (nearest neighbour) to at least 256 pixels so
 * that outlines stay visible.
 */
public final class Overlay {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Overlay() {}

    /** Fill colours of the predicted classes 1 and 2, and outline colours of the true classes 1 and 2. */
    static final Color GGO_FILL = new Color(255, 210, 0), CONS_FILL = new Color(235, 40, 40),
            GGO_LINE = new Color(0, 230, 0), CONS_LINE = new Color(0, 200, 255);
    static final double ALPHA = 0.45;
    static final int MIN_SIDE = 256;

    /**
     * @param image     intensities in [0,1], row-major height×width
     * @param predicted classes per pixel (0, 1, 2) or null
     * @param truth     true classes per pixel or null (no outlines)
     * @param title     text for the legend line (e.g. the slice id and its Dice), or null
     */
    public static BufferedImage render(int height, int width, float[] image, byte[] predicted, byte[] truth, String title) {
        int f = Math.max(1, (MIN_SIDE + Math.max(height, width) - 1) / Math.max(height, width));
        int legend = title != null ? 32 : 18;
        BufferedImage out = new BufferedImage(width * f, height * f + legend, BufferedImage.TYPE_INT_RGB);
        for (int r = 0; r < height; r++) {
            for (int c = 0; c < width; c++) {
                int i = r * width + c;
                double g = Math.clamp(image[i], 0f, 1f) * 255;
                double red = g, green = g, blue = g;
                Color fill = predicted == null ? null : predicted[i] == 1 ? GGO_FILL : predicted[i] == 2 ? CONS_FILL : null;
                if (fill != null) {
                    red = (1 - ALPHA) * red + ALPHA * fill.getRed();
                    green = (1 - ALPHA) * green + ALPHA * fill.getGreen();
                    blue = (1 - ALPHA) * blue + ALPHA * fill.getBlue();
                }
                int rgb = ((int) Math.round(red) << 16) | ((int) Math.round(green) << 8) | (int) Math.round(blue);
                if (truth != null && truth[i] != 0 && isEdge(truth, height, width, r, c)) {
                    rgb = (truth[i] == 1 ? GGO_LINE : CONS_LINE).getRGB() & 0xffffff;
                }
                for (int dr = 0; dr < f; dr++)
                    for (int dc = 0; dc < f; dc++) out.setRGB(c * f + dc, legend + r * f + dr, rgb);
            }
        }
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.BLACK);
            g.fillRect(0, 0, out.getWidth(), legend);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            int x = 4, base = 13;
            if (title != null) {
                text(g, title, x, base, Color.WHITE);
                base += 15;
            }
            if (predicted != null) {
                x = text(g, "pred:", x, base, Color.LIGHT_GRAY);
                x = swatch(g, x, base, GGO_FILL, false);
                x = text(g, "GGO", x, base, Color.LIGHT_GRAY);
                x = swatch(g, x, base, CONS_FILL, false);
                x = text(g, "cons.  ", x, base, Color.LIGHT_GRAY);
            }
            if (truth != null) {
                x = text(g, "truth:", x, base, Color.LIGHT_GRAY);
                x = swatch(g, x, base, GGO_LINE, true);
                x = text(g, "GGO", x, base, Color.LIGHT_GRAY);
                x = swatch(g, x, base, CONS_LINE, true);
                text(g, "cons.", x, base, Color.LIGHT_GRAY);
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /** A labelled pixel with a 4-neighbour of another class (or the image border). */
    static boolean isEdge(byte[] labels, int height, int width, int r, int c) {
        byte v = labels[r * width + c];
        return r == 0 || c == 0 || r == height - 1 || c == width - 1 || labels[(r - 1) * width + c] != v
                || labels[(r + 1) * width + c] != v || labels[r * width + c - 1] != v || labels[r * width + c + 1] != v;
    }

    private static int text(Graphics2D g, String s, int x, int baseline, Color colour) {
        g.setColor(colour);
        g.drawString(s, x, baseline);
        return x + g.getFontMetrics().stringWidth(s) + 3;
    }

    private static int swatch(Graphics2D g, int x, int baseline, Color colour, boolean outline) {
        g.setColor(colour);
        if (outline) {
            g.setStroke(new BasicStroke(2));
            g.drawRect(x, baseline - 8, 9, 9);
        } else {
            g.fillRect(x, baseline - 9, 10, 10);
        }
        return x + 14;
    }

    /** Renders and writes a PNG (parent folders created); returns the path. */
    public static Path write(Path png, int height, int width, float[] image, byte[] predicted, byte[] truth, String title) {
        return write(png, render(height, width, image, predicted, truth, title));
    }

    public static Path write(Path png, BufferedImage img) {
        try {
            if (png.toAbsolutePath().getParent() != null) Files.createDirectories(png.toAbsolutePath().getParent());
            if (!ImageIO.write(img, "png", png.toFile())) throw new IOException("no PNG writer");
            return png;
        } catch (IOException e) {
            throw new UncheckedIOException(png + ": cannot write PNG: " + e.getMessage(), e);
        }
    }
}

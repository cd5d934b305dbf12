package gradwerk.tutorials;

import gradwerk.ddanet.plot.Overlay;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.geom.Line2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

/**
 * A per-pixel map (an attention map, say) drawn over a grey image: red with an opacity that grows with the value
 * (relative to the largest), the query pixel as a magenta cross. Chapters 7 and 8 use it.
 */
final class Heatmap {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Heatmap() {}

    /** Writes {@code png}: image and map are height × width, row-major; image in [0, 1]. */
    static Path write(Path png, int height, int width, float[] image, double[] map, int row, int col, String title) {
        int f = Math.max(1, 512 / Math.max(height, width)), legend = 20;
        BufferedImage out = new BufferedImage(width * f, height * f + legend, BufferedImage.TYPE_INT_RGB);
        double max = 0;
        for (double v : map) max = Math.max(max, v);
        for (int r = 0; r < height; r++)
            for (int c = 0; c < width; c++) {
                double g = Math.clamp(image[r * width + c], 0f, 1f) * 0.8;
                double a = max > 0 ? Math.sqrt(map[r * width + c] / max) : 0; // sqrt: small weights stay visible
                int red = (int) Math.round(255 * ((1 - a) * g + a)), green = (int) Math.round(255 * (1 - a) * g),
                        blue = (int) Math.round(255 * (1 - a) * g);
                int rgb = (red << 16) | (green << 8) | blue;
                for (int dr = 0; dr < f; dr++)
                    for (int dc = 0; dc < f; dc++) out.setRGB(c * f + dc, legend + r * f + dr, rgb);
            }
        Graphics2D g = out.createGraphics();
        try {
            double qx = (col + 0.5) * f, qy = legend + (row + 0.5) * f;
            g.setColor(Color.MAGENTA);
            g.setStroke(new BasicStroke(2.5f));
            g.draw(new Line2D.Double(qx - 8, qy, qx + 8, qy));
            g.draw(new Line2D.Double(qx, qy - 8, qx, qy + 8));
            g.setColor(Color.BLACK);
            g.fillRect(0, 0, out.getWidth(), legend);
            g.setColor(Color.WHITE);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            g.drawString(title, 4, 14);
        } finally {
            g.dispose();
        }
        return Overlay.write(png, out);
    }
}

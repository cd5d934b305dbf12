package gradwerk.ddanet.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.image.BufferedImage;
import java.util.Locale;

/**
 * Where one pixel's deformable criss-cross attention looked, drawn over the CT slice: for each of the block's
 * slots an arrow from the criss-cross base position (a small grey dot on the pixel's row and column) to the
 * position actually sampled (base + learned offset), and at the sampled position a disc whose size and colour
 * (dark blue → yellow) show the attention weight relative to the largest one. The query pixel is a magenta cross.
 * Coordinates are pixel coordinates of the drawn image (x = column, y = row, pixel centres at integers).
 */
public final class AttentionMap {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private AttentionMap() {}

    static final int MIN_SIDE = 512;

    /**
     * @param image   intensities in [0,1], height×width, row-major
     * @param row     the query pixel
     * @param baseX   per slot, the base position (image pixel coordinates); likewise baseY, sampleX, sampleY
     * @param weights per slot, the attention weight
     */
    public static BufferedImage render(int height, int width, float[] image, int row, int col, double[] baseX,
                                       double[] baseY, double[] sampleX, double[] sampleY, double[] weights,
                                       String title) {
        int f = Math.max(1, (MIN_SIDE + Math.max(height, width) - 1) / Math.max(height, width));
        int legend = 36;
        BufferedImage out = new BufferedImage(width * f, height * f + legend, BufferedImage.TYPE_INT_RGB);
        for (int r = 0; r < height; r++)
            for (int c = 0; c < width; c++) {
                int g = (int) Math.round(Math.clamp(image[r * width + c], 0f, 1f) * 255 * 0.8); // dimmed a little
                int rgb = (g << 16) | (g << 8) | g;
                for (int dr = 0; dr < f; dr++)
                    for (int dc = 0; dc < f; dc++) out.setRGB(c * f + dc, legend + r * f + dr, rgb);
            }
        double max = 0;
        int best = 0;
        for (int s = 0; s < weights.length; s++)
            if (weights[s] > max) {
                max = weights[s];
                best = s;
            }
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.translate(0, legend);
            // slots in order of increasing weight, so the strongest are drawn on top
            Integer[] order = new Integer[weights.length];
            for (int s = 0; s < order.length; s++) order[s] = s;
            java.util.Arrays.sort(order, (a, b) -> Double.compare(weights[a], weights[b]));
            g.setColor(new Color(150, 150, 150));
            for (int s = 0; s < weights.length; s++) {
                double bx = px(baseX[s], f), by = px(baseY[s], f);
                g.fill(new Ellipse2D.Double(bx - 1.5, by - 1.5, 3, 3));
            }
            for (int s : order) {
                double t = max > 0 ? weights[s] / max : 0;
                Color c = colour(t);
                double bx = px(baseX[s], f), by = px(baseY[s], f), sx = px(sampleX[s], f), sy = px(sampleY[s], f);
                g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 200));
                g.setStroke(new BasicStroke(1.2f));
                arrow(g, bx, by, sx, sy);
                double radius = 2 + 7 * Math.sqrt(t);
                g.setColor(c);
                g.fill(new Ellipse2D.Double(sx - radius, sy - radius, 2 * radius, 2 * radius));
            }
            double qx = px(col, f), qy = px(row, f);
            g.setColor(Color.MAGENTA);
            g.setStroke(new BasicStroke(2.5f));
            g.draw(new Line2D.Double(qx - 8, qy, qx + 8, qy));
            g.draw(new Line2D.Double(qx, qy - 8, qx, qy + 8));
            g.translate(0, -legend);
            g.setColor(Color.BLACK);
            g.fillRect(0, 0, out.getWidth(), legend);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            g.setColor(Color.WHITE);
            if (title != null) g.drawString(title, 4, 13);
            g.drawString(String.format(Locale.ROOT, "arrows: base -> sampled position; disc: weight (max %.3f at slot %d); + query pixel",
                    max, best), 4, 29);
            // colour bar
            int x0 = out.getWidth() - 110;
            for (int i = 0; i < 100; i++) {
                g.setColor(colour(i / 99.0));
                g.fillRect(x0 + i, 4, 1, 8);
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /** Pixel coordinate (pixel centres at integers) to drawing coordinate in an image enlarged f times. */
    private static double px(double p, int f) {
        return (p + 0.5) * f;
    }

    private static void arrow(Graphics2D g, double x0, double y0, double x1, double y1) {
        double dx = x1 - x0, dy = y1 - y0, len = Math.hypot(dx, dy);
        g.draw(new Line2D.Double(x0, y0, x1, y1));
        if (len < 3) return;
        double ux = dx / len, uy = dy / len, h = Math.min(6, len / 2);
        g.draw(new Line2D.Double(x1, y1, x1 - h * (ux - 0.5 * uy), y1 - h * (uy + 0.5 * ux)));
        g.draw(new Line2D.Double(x1, y1, x1 - h * (ux + 0.5 * uy), y1 - h * (uy - 0.5 * ux)));
    }

    /** A small perceptual-ish colour map: dark blue (0) → teal → yellow (1). */
    static Color colour(double t) {
        t = Math.clamp(t, 0, 1);
        double[][] stops = {{0.15, 0.10, 0.45}, {0.10, 0.55, 0.60}, {0.45, 0.80, 0.30}, {1.00, 0.92, 0.15}};
        double p = t * (stops.length - 1);
        int i = Math.min((int) p, stops.length - 2);
        double u = p - i;
        return new Color((float) (stops[i][0] + u * (stops[i + 1][0] - stops[i][0])),
                (float) (stops[i][1] + u * (stops[i + 1][1] - stops[i][1])),
                (float) (stops[i][2] + u * (stops[i + 1][2] - stops[i][2])));
    }
}

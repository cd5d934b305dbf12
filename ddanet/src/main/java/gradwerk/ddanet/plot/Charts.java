package gradwerk.ddanet.plot;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Line charts written as PNG with XChart (headless: works on servers and in CI). */
public final class Charts {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Charts() {}

    /** One named series: x and y values of equal length. */
    public record Series(String name, double[] x, double[] y) {
        public Series {
            if (x.length != y.length)
                throw new IllegalArgumentException("Series '" + name + "': " + x.length + " x values but " + y.length + " y values");
        }

        /** y against 0, 1, 2, ... */
        public static Series of(String name, double[] y) {
            double[] x = new double[y.length];
            for (int i = 0; i < x.length; i++) x[i] = i;
            return new Series(name, x, y);
        }
    }

    /** Writes a line chart to {@code png} (parent folders are created) and returns the path. */
    public static Path lines(Path png, String title, String xLabel, String yLabel, boolean logY, Series... series) {
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        chart.getStyler().setYAxisLogarithmic(logY);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (Series s : series) {
            if (s.x().length == 0) continue;
            String name = s.name();
            int n = seen.merge(name, 1, Integer::sum);
            if (n > 1) name = name + " (" + n + ")"; // XChart needs unique names
            XYSeries xy = chart.addSeries(name, s.x(), s.y());
            xy.setMarker(s.x().length > 50 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        }
        return save(chart, png);
    }

    private static Path save(XYChart chart, Path png) {
        try {
            if (png.getParent() != null) Files.createDirectories(png.getParent());
            String base = png.toString().endsWith(".png") ? png.toString().substring(0, png.toString().length() - 4) : png.toString();
            BitmapEncoder.saveBitmap(chart, base, BitmapEncoder.BitmapFormat.PNG);
            return Path.of(base + ".png");
        } catch (IOException e) {
            throw new UncheckedIOException("chart " + png + ": " + e.getMessage(), e);
        }
    }
}

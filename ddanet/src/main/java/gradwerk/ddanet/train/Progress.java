package gradwerk.ddanet.train;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * Progress of one epoch: on a terminal a {@code me.tongfei.progressbar} bar (images done, images/s, ETA of the
 * epoch, and the running loss plus the ETA of the whole run as its message); elsewhere (a log file, a pipe, a test)
 * a plain line at most every {@code interval}, so logs stay readable.
 */
public interface Progress extends AutoCloseable {
    /** {@code images} more images done; {@code meanLoss} is the running mean loss of the epoch. */
    void step(int images, double meanLoss);

    @Override
    void close();

    /** Whether standard output is an interactive terminal (JDK 22+: {@code System.console()} exists for pipes too). */
    static boolean isTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    /**
     * @param name         "epoch 3/10"
     * @param images       images in the epoch
     * @param runEta       estimated time for the epochs after this one (null while unknown)
     */
    static Progress start(String name, int images, Duration runEta, PrintStream out, boolean bar, Duration interval) {
        return bar ? new Bar(name, images, runEta) : new Lines(name, images, runEta, out, interval);
    }

    /** The interactive bar. */
    final class Bar implements Progress {
        private final ProgressBar bar;
        private final String after;

        Bar(String name, int images, Duration runEta) {
            bar = new ProgressBarBuilder().setTaskName(name).setInitialMax(images).setStyle(ProgressBarStyle.ASCII)
                    .setUnit(" img", 1).showSpeed(new java.text.DecimalFormat("0.0")).setUpdateIntervalMillis(500)
                    .build();
            after = runEta == null ? "" : ", then ~" + format(runEta) + " more";
        }

        @Override
        public void step(int images, double meanLoss) {
            bar.stepBy(images);
            bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f%s", meanLoss, after));
        }

        @Override
        public void close() {
            bar.close();
        }
    }

    /** The fallback: one line every {@code interval} (and none for epochs shorter than that). */
    final class Lines implements Progress {
        private final String name;
        private final int images;
        private final Duration runEta;
        private final PrintStream out;
        private final long start = System.nanoTime(), intervalNanos;
        private long lastPrint = System.nanoTime();
        private int done;

        Lines(String name, int images, Duration runEta, PrintStream out, Duration interval) {
            this.name = name;
            this.images = images;
            this.runEta = runEta;
            this.out = out;
            this.intervalNanos = interval.toNanos();
        }

        @Override
        public void step(int n, double meanLoss) {
            done += n;
            long now = System.nanoTime();
            if (now - lastPrint < intervalNanos || done >= images) return;
            lastPrint = now;
            double seconds = (now - start) / 1e9, rate = done / seconds;
            Duration eta = Duration.ofMillis((long) ((images - done) / rate * 1000));
            out.printf(Locale.ROOT, "%s  %d/%d img  loss %.4f  %.1f img/s  ETA %s%s%n", name, done, images, meanLoss,
                    rate, format(eta), runEta == null ? "" : " (run: +" + format(runEta) + ")");
        }

        @Override
        public void close() {}
    }

    /** "1:02:03" or "2:03". */
    static String format(Duration d) {
        long s = Math.max(0, d.toSeconds());
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}

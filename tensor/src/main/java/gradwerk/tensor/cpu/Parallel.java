package gradwerk.tensor.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * Splits a loop over {@code [0, n)} across the CPU cores.
 *
 * <p>Thread count: system property {@code gradwerk.threads} (default: available processors). Work below a grain
 * size stays on the calling thread, because handing a tiny loop to another core costs more than running it.
 */
public final class Parallel {
    /** A body that processes indices {@code [from, to)}. */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    private static volatile int threads = Integer.getInteger("gradwerk.threads",
            Runtime.getRuntime().availableProcessors());
    private static volatile ForkJoinPool pool = newPool(threads);

    private Parallel() {}

    private static ForkJoinPool newPool(int n) {
        return n <= 1 ? null : new ForkJoinPool(n, p -> {
            var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            t.setDaemon(true);
            t.setName("gradwerk-cpu-" + t.getPoolIndex());
            return t;
        }, null, false);
    }

    /** The number of threads kernels may use. */
    public static int threads() {
        return threads;
    }

    /** Changes the thread count (benchmarks, tests); 1 = everything on the calling thread. */
    public static synchronized void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("Parallel.setThreads: " + n + " < 1");
        if (n == threads) return;
        ForkJoinPool old = pool;
        threads = n;
        pool = newPool(n);
        if (old != null) old.shutdown();
    }

    /**
     * Runs {@code body} over {@code [0, n)} in at most {@link #threads()} contiguous chunks, each at least
     * {@code grain} long. Returns when every chunk is done.
     */
    public static void forRange(int n, int grain, Range body) {
        int t = threads;
        ForkJoinPool p = pool;
        int chunks = (int) Math.min(t, Math.max(1, n / Math.max(1, (long) grain)));
        if (chunks <= 1 || p == null || ForkJoinTask.inForkJoinPool() && ForkJoinTask.getPool() == p) {
            if (n > 0) body.run(0, n);
            return;
        }
        p.invoke(new Chunk(body, n, chunks, 0, chunks));
    }

    private static final class Chunk extends RecursiveAction {
        private final Range body;
        private final int n, chunks, lo, hi;

        Chunk(Range body, int n, int chunks, int lo, int hi) {
            this.body = body; this.n = n; this.chunks = chunks; this.lo = lo; this.hi = hi;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                int from = (int) ((long) n * lo / chunks), to = (int) ((long) n * hi / chunks);
                body.run(from, to);
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Chunk(body, n, chunks, lo, mid), new Chunk(body, n, chunks, mid, hi));
        }
    }
}

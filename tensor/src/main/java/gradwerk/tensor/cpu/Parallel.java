package gradwerk.tensor.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Splits a loop over {@code [0, n)} across the CPU cores.
 *
 * <p>Thread count: system property {@code gradwerk.threads} (default: available processors). Work below a grain
 * size stays on the calling thread, because handing a tiny loop to another core costs more than running it.
 *
 * <h2>How a parallel loop is run: a team that spins before it sleeps</h2>
 * A training step is a long run of kernel calls, each split across the cores and each lasting from a few
 * microseconds to a few milliseconds. What matters for such calls is how fast the other cores start: a thread
 * that sleeps in the kernel took 1.4-30 µs to wake on the 2-core VM this was measured on, which is all of a small
 * kernel's time (an empty two-chunk loop now costs about 0.2 µs). So, as OpenMP runtimes and OpenBLAS do, the helper threads here <em>spin</em> for a while after each loop
 * ({@code gradwerk.parallel.spinMicros}, default 200 µs), watching for the next one, and only then park; and the
 * calling thread works too, so a team has {@code threads - 1} helpers and the caller is the last member.
 * <ol>
 * <li>The caller takes the team (one loop at a time), publishes the loop and bumps a generation counter; helpers
 *     that are spinning see it within a fraction of a microsecond, parked ones are unparked.
 * <li>Everyone, caller included, claims chunks from a shared counter until none are left, so a helper that is
 *     late or preempted delays nothing: the others take its chunks.
 * <li>The caller waits (spinning, then parked) until every claimed chunk is finished, and rethrows the first
 *     exception a chunk threw.
 * </ol>
 * A loop started from inside a chunk (nested parallelism), or while another thread holds the team, runs on its
 * calling thread: the cores are busy with the loop that holds the team anyway. A background thread whose work must
 * not take the team from the training loop (the data loader's) calls {@link #keepLoopsOnThisThread()} once, and all
 * its loops run on itself: otherwise, a training-step kernel starting while the loader held the team for a few
 * milliseconds would run on one core to its end.
 * {@code -Dgradwerk.parallel.team=false} uses a {@link java.util.concurrent.ForkJoinPool} instead (the previous
 * implementation, kept for comparison).
 */
public final class Parallel {
    /** A body that processes indices {@code [from, to)}. */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    /** Whether loops run on the spinning team (default) or on a fork/join pool. */
    static final boolean TEAM = !"false".equals(System.getProperty("gradwerk.parallel.team"));
    /** How long an idle helper spins before it parks. */
    static final long SPIN_NANOS = 1000L * Math.max(0, Integer.getInteger("gradwerk.parallel.spinMicros", 200));

    private static volatile int threads = Integer.getInteger("gradwerk.threads",
            Runtime.getRuntime().availableProcessors());
    private static volatile Team team = TEAM ? Team.start(threads) : null;
    private static volatile java.util.concurrent.ForkJoinPool pool = TEAM ? null : newPool(threads);

    private Parallel() {}

    /** Threads whose loops never use the team (see {@link #keepLoopsOnThisThread()}). */
    private static final ThreadLocal<Boolean> SERIAL = ThreadLocal.withInitial(() -> false);

    /**
     * From now on, every loop started on the calling thread runs on that thread alone. For background threads (the
     * data loader) whose work overlaps the training step and must not take the cores from it in bursts.
     */
    public static void keepLoopsOnThisThread() {
        SERIAL.set(true);
    }

    /** The number of threads kernels may use. */
    public static int threads() {
        return threads;
    }

    /** Changes the thread count (benchmarks, tests); 1 = everything on the calling thread. */
    public static synchronized void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("Parallel.setThreads: " + n + " < 1");
        if (n == threads) return;
        threads = n;
        if (TEAM) {
            Team old = team;
            team = Team.start(n);
            if (old != null) old.stop();
        } else {
            var old = pool;
            pool = newPool(n);
            if (old != null) old.shutdown();
        }
    }

    /**
     * Runs {@code body} over {@code [0, n)} in at most {@link #threads()} contiguous chunks, each at least
     * {@code grain} long. Returns when every chunk is done; an exception thrown by a chunk is rethrown here.
     */
    public static void forRange(int n, int grain, Range body) {
        int chunks = (int) Math.min(threads, Math.max(1, n / Math.max(1, (long) grain)));
        if (chunks > 1 && !SERIAL.get()) {
            if (TEAM) {
                Team t = team;
                if (t != null && t.run(body, n, chunks)) return;
            } else if (forkJoin(body, n, chunks)) {
                return;
            }
        }
        if (n > 0) body.run(0, n);
    }

    // ---------------------------------------------------------------------------------------------------------
    // The team: threads - 1 helpers that spin, then park, between loops
    // ---------------------------------------------------------------------------------------------------------

    /** One parallel loop: its chunks are claimed from {@code next} by whoever is free. */
    private static final class Loop {
        final Range body;
        final int n, chunks;
        final AtomicInteger next = new AtomicInteger(), finished = new AtomicInteger();
        volatile Throwable error;
        volatile Thread waiter;

        Loop(Range body, int n, int chunks) {
            this.body = body; this.n = n; this.chunks = chunks;
        }

        /** Claims and runs chunks until none are left. */
        void work() {
            for (int c; (c = next.getAndIncrement()) < chunks; ) {
                try {
                    body.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks));
                } catch (Throwable e) {
                    if (error == null) error = e;
                } finally {
                    if (finished.incrementAndGet() == chunks) {
                        Thread w = waiter;
                        if (w != null) LockSupport.unpark(w);
                    }
                }
            }
        }

        /** Waits until every chunk has finished: spins briefly, then parks until the last chunk wakes it. */
        void await() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (finished.get() < chunks) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    waiter = Thread.currentThread();
                    while (finished.get() < chunks) LockSupport.park(this);
                    return;
                }
            }
        }
    }

    private static final class Team {
        private final Helper[] helpers;
        /** Held by the thread whose loop the team is running. */
        private final AtomicBoolean busy = new AtomicBoolean();
        private volatile Loop loop;
        private volatile long generation;
        private volatile boolean stopped;

        private Team(int n) {
            helpers = new Helper[n - 1];
            for (int i = 0; i < helpers.length; i++) {
                helpers[i] = new Helper(this, i);
                helpers[i].start();
            }
        }

        static Team start(int threads) {
            return threads <= 1 ? null : new Team(threads);
        }

        void stop() {
            stopped = true;
            for (Helper h : helpers) LockSupport.unpark(h);
        }

        /** Runs the loop with the team and returns true, or returns false when the team is taken. */
        boolean run(Range body, int n, int chunks) {
            if (!busy.compareAndSet(false, true)) return false;
            Loop l = new Loop(body, n, chunks);
            try {
                loop = l;
                generation = generation + 1;             // only the holder of busy writes it
                for (Helper h : helpers) if (h.parked) LockSupport.unpark(h);
                l.work();
                l.await();
            } finally {
                loop = null;
                busy.set(false);
            }
            Throwable e = l.error;
            if (e instanceof RuntimeException r) throw r;
            if (e instanceof Error r) throw r;
            if (e != null) throw new RuntimeException(e);
            return true;
        }
    }

    private static final class Helper extends Thread {
        private final Team team;
        volatile boolean parked;

        Helper(Team team, int index) {
            super("gradwerk-cpu-" + index);
            this.team = team;
            setDaemon(true);
        }

        @Override
        public void run() {
            long seen = 0;
            while (!team.stopped) {
                long idleSince = System.nanoTime();
                long g;
                while ((g = team.generation) == seen && !team.stopped) {
                    if (System.nanoTime() - idleSince < SPIN_NANOS) {
                        Thread.onSpinWait();
                    } else {
                        parked = true;                   // the next run() unparks us ...
                        if (team.generation == seen && !team.stopped) LockSupport.park(this);   // ... unless it came
                        parked = false;
                        idleSince = System.nanoTime();
                    }
                }
                seen = g;
                Loop l = team.loop;
                if (l != null) l.work();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The fork/join pool (-Dgradwerk.parallel.team=false)
    // ---------------------------------------------------------------------------------------------------------

    private static java.util.concurrent.ForkJoinPool newPool(int n) {
        return n <= 1 ? null : new java.util.concurrent.ForkJoinPool(n, p -> {
            var t = java.util.concurrent.ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            t.setDaemon(true);
            t.setName("gradwerk-cpu-" + t.getPoolIndex());
            return t;
        }, null, false);
    }

    private static boolean forkJoin(Range body, int n, int chunks) {
        var p = pool;
        if (p == null || java.util.concurrent.ForkJoinTask.inForkJoinPool()
                && java.util.concurrent.ForkJoinTask.getPool() == p) return false;
        p.invoke(new Chunk(body, n, chunks, 0, chunks));
        return true;
    }

    private static final class Chunk extends java.util.concurrent.RecursiveAction {
        private final Range body;
        private final int n, chunks, lo, hi;

        Chunk(Range body, int n, int chunks, int lo, int hi) {
            this.body = body; this.n = n; this.chunks = chunks; this.lo = lo; this.hi = hi;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                body.run((int) ((long) n * lo / chunks), (int) ((long) n * hi / chunks));
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Chunk(body, n, chunks, lo, mid), new Chunk(body, n, chunks, mid, hi));
        }
    }
}

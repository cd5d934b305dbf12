package gradwerk.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The parallel loop: coverage, use of the other threads, exceptions, nesting, concurrent callers. */
class ParallelTest {
    private int saved;

    @BeforeEach
    void save() {
        saved = Parallel.threads();
    }

    @AfterEach
    void restore() {
        Parallel.setThreads(saved);
    }

    /** Every index is visited exactly once, whatever the thread count, size and grain. */
    @Test
    void everyIndexOnce() {
        for (int threads : new int[] {1, 2, 3, 4, 7}) {
            Parallel.setThreads(threads);
            for (int n : new int[] {0, 1, 2, 5, 64, 1000, 4099}) {
                for (int grain : new int[] {1, 3, 100}) {
                    var seen = new AtomicIntegerArray(n);
                    Parallel.forRange(n, grain, (from, to) -> {
                        assertTrue(0 <= from && from < to && to <= n, "chunk [" + from + ", " + to + ") of " + n);
                        for (int i = from; i < to; i++) seen.incrementAndGet(i);
                    });
                    for (int i = 0; i < n; i++)
                        assertEquals(1, seen.get(i), "threads " + threads + " n " + n + " grain " + grain + " index " + i);
                }
            }
        }
    }

    /** With two chunks and two threads, the second chunk runs on another thread while the first is still running. */
    @Test
    void chunksRunConcurrently() {
        Parallel.setThreads(2);
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            for (int rep = 0; rep < 50; rep++) {
                var both = new CountDownLatch(2);
                Set<Thread> threads = ConcurrentHashMap.newKeySet();
                Parallel.forRange(2, 1, (from, to) -> {
                    threads.add(Thread.currentThread());
                    both.countDown();
                    try {
                        assertTrue(both.await(10, TimeUnit.SECONDS), "the other chunk never started");
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                });
                assertEquals(2, threads.size());
            }
        });
    }

    /** An exception thrown by any chunk reaches the caller unchanged, and the loop can be used again afterwards. */
    @Test
    void exceptionReachesCaller() {
        Parallel.setThreads(2);
        for (int failing = 0; failing < 2; failing++) {
            var boom = new IllegalStateException("chunk failed");
            int f = failing;
            var thrown = assertThrows(IllegalStateException.class, () -> Parallel.forRange(2, 1, (from, to) -> {
                if (from == f) throw boom;
            }));
            assertSame(boom, thrown);
            var sum = new AtomicLong();
            Parallel.forRange(1000, 1, (from, to) -> {
                for (int i = from; i < to; i++) sum.addAndGet(i);
            });
            assertEquals(999L * 1000 / 2, sum.get());
        }
    }

    /** A loop started inside a chunk runs (on the chunk's thread) instead of waiting for the busy threads. */
    @Test
    void nestedLoopsComplete() {
        Parallel.setThreads(2);
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            var sum = new AtomicLong();
            Parallel.forRange(8, 1, (from, to) -> {
                for (int i = from; i < to; i++) {
                    int row = i;
                    Parallel.forRange(100, 1, (a, b) -> {
                        for (int j = a; j < b; j++) sum.addAndGet(row * 100L + j);
                    });
                }
            });
            assertEquals(799L * 800 / 2, sum.get());
        });
    }

    /** Several threads starting loops at the same time (a data loader next to training) all get correct results. */
    @Test
    void concurrentCallers() throws Exception {
        Parallel.setThreads(2);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            List<Thread> callers = new ArrayList<>();
            var failures = new ConcurrentHashMap<Integer, Throwable>();
            for (int c = 0; c < 4; c++) {
                int id = c;
                Thread t = new Thread(() -> {
                    try {
                        for (int rep = 0; rep < 2000; rep++) {
                            int n = 1 + (rep * 37 + id) % 500;
                            var sum = new AtomicLong();
                            Parallel.forRange(n, 1, (from, to) -> {
                                long s = 0;
                                for (int i = from; i < to; i++) s += i;
                                sum.addAndGet(s);
                            });
                            assertEquals((long) (n - 1) * n / 2, sum.get(), "caller " + id + " rep " + rep);
                        }
                    } catch (Throwable e) {
                        failures.put(id, e);
                    }
                });
                callers.add(t);
                t.start();
            }
            for (Thread t : callers) t.join();
            assertTrue(failures.isEmpty(), () -> "failed: " + failures);
        });
    }

    /** A thread that keeps its loops to itself runs every chunk itself, and other threads still get the team. */
    @Test
    void keptLoopsRunOnTheirThread() throws Exception {
        Parallel.setThreads(2);
        Set<Thread> seen = ConcurrentHashMap.newKeySet();
        var sum = new AtomicLong();
        Thread loader = new Thread(() -> {
            Parallel.keepLoopsOnThisThread();
            Parallel.forRange(1000, 1, (from, to) -> {
                seen.add(Thread.currentThread());
                for (int i = from; i < to; i++) sum.addAndGet(i);
            });
        });
        loader.start();
        loader.join();
        assertEquals(Set.of(loader), seen);
        assertEquals(999L * 1000 / 2, sum.get());
        chunksRunConcurrently();                            // the calling thread is unaffected
    }

    @Test
    void badThreadCount() {
        var e = assertThrows(IllegalArgumentException.class, () -> Parallel.setThreads(0));
        assertTrue(e.getMessage().contains("Parallel.setThreads"), e.getMessage());
    }
}

package gradwerk.nn.data;

import gradwerk.tensor.Tensor;
import gradwerk.tensor.cpu.Parallel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataLoaderTest {
    /** Sample i: input [1,2,2] filled with i, target [2,2] filled with i % 3. */
    static Dataset<Sample> numbered(int n) {
        return new Dataset<>() {
            @Override public int size() { return n; }
            @Override public Sample get(int i) {
                if (i < 0 || i >= n) throw new IndexOutOfBoundsException(i);
                return new Sample(Tensor.full(i, 1, 2, 2), Tensor.full(i % 3, 2, 2));
            }
        };
    }

    /** The sample numbers in a batch (first element of each input). */
    static int[] ids(Batch b) {
        float[] f = b.inputs().toFloatArray();
        int[] ids = new int[b.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = (int) f[i * 4];
        return ids;
    }

    static List<int[]> drain(DataLoader<Sample, Batch> loader, int epoch, int skip) {
        List<int[]> out = new ArrayList<>();
        try (Epoch<Batch> e = loader.epoch(epoch, skip)) {
            for (Batch b : e) out.add(ids(b));
        }
        return out;
    }

    static long workerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(Prefetcher.THREAD_PREFIX) && t.isAlive()).count();
    }

    @Test
    void batchesFollowTheEpochOrder() {
        var loader = DataLoader.builder(numbered(10), Batch::stack).batchSize(4).shuffle(true).seed(3).build();
        assertEquals(3, loader.batchesPerEpoch());
        List<int[]> got = drain(loader, 2, 0);
        int[] order = loader.order(2);
        assertArrayEquals(Arrays.copyOfRange(order, 0, 4), got.get(0));
        assertArrayEquals(Arrays.copyOfRange(order, 4, 8), got.get(1));
        assertArrayEquals(Arrays.copyOfRange(order, 8, 10), got.get(2)); // the partial last batch
        Batch first;
        try (Epoch<Batch> e = loader.epoch(2)) {
            first = e.next();
        }
        assertArrayEquals(new int[] {4, 1, 2, 2}, first.inputs().shape());
        assertArrayEquals(new int[] {4, 2, 2}, first.targets().shape());
    }

    @Test
    void dropLastAndNoShuffle() {
        var loader = DataLoader.builder(numbered(10), Batch::stack).batchSize(4).dropLast(true).build();
        assertEquals(2, loader.batchesPerEpoch());
        List<int[]> got = drain(loader, 0, 0);
        assertEquals(2, got.size());
        assertArrayEquals(new int[] {0, 1, 2, 3}, got.get(0));
        assertArrayEquals(new int[] {4, 5, 6, 7}, got.get(1));
        assertEquals(0, DataLoader.builder(numbered(3), Batch::stack).batchSize(4).dropLast(true).build().epoch(0).size());
    }

    @Test
    void epochOrderIsReproducibleAndChangesPerEpoch() {
        var a = DataLoader.builder(numbered(50), Batch::stack).shuffle(true).seed(11).build();
        var b = DataLoader.builder(numbered(50), Batch::stack).shuffle(true).seed(11).build();
        assertArrayEquals(a.order(7), b.order(7), "same seed and epoch, same order (e.g. after a resume)");
        assertFalse(Arrays.equals(a.order(7), a.order(8)), "a new order every epoch");
        var c = DataLoader.builder(numbered(50), Batch::stack).shuffle(true).seed(12).build();
        assertFalse(Arrays.equals(a.order(7), c.order(7)), "the seed matters");
    }

    @Test
    void resumingMidEpochSkipsWithoutChangingTheRest() {
        var loader = DataLoader.builder(numbered(23), Batch::stack).batchSize(5).shuffle(true).seed(5).prefetch(1).build();
        List<int[]> full = drain(loader, 4, 0);
        List<int[]> resumed = drain(loader, 4, 2);
        assertEquals(full.size() - 2, resumed.size());
        for (int i = 0; i < resumed.size(); i++) assertArrayEquals(full.get(i + 2), resumed.get(i));
        assertThrows(IllegalArgumentException.class, () -> loader.epoch(4, 6));
    }

    @Test
    void augmentationIsTheSameWithOrWithoutPrefetchAndAcrossBatchSizes() {
        RandomTransform<Sample> jitter = Transforms.intensityJitter(0.5, 1.0);
        var sync = DataLoader.builder(numbered(9), Batch::stack).batchSize(3).shuffle(true).seed(1).prefetch(0)
                .transform(jitter).build();
        var async = DataLoader.builder(numbered(9), Batch::stack).batchSize(2).shuffle(true).seed(1).prefetch(3)
                .transform(jitter).build();
        float[] x = concatInputs(sync, 3), y = concatInputs(async, 3);
        assertArrayEquals(x, y);
        assertFalse(Arrays.equals(concatInputs(sync, 3), concatInputs(sync, 4)), "new draws each epoch");
    }

    private static float[] concatInputs(DataLoader<Sample, Batch> loader, int epoch) {
        List<Tensor> parts = new ArrayList<>();
        try (Epoch<Batch> e = loader.epoch(epoch)) {
            for (Batch b : e) parts.add(b.inputs());
        }
        return Tensor.cat(0, parts.toArray(Tensor[]::new)).toFloatArray();
    }

    @Test
    void loadsOnABackgroundThreadAndStaysBounded() throws InterruptedException {
        AtomicInteger loaded = new AtomicInteger();
        AtomicReference<Thread> loader = new AtomicReference<>();
        Dataset<Sample> ds = numbered(100).map(s -> {
            loaded.incrementAndGet();
            loader.set(Thread.currentThread());
            return s;
        });
        var dl = DataLoader.builder(ds, Batch::stack).batchSize(2).prefetch(3).build();
        try (Epoch<Batch> e = dl.epoch(0)) {
            // nobody consumes: the worker loads ahead on its own, fills the queue, then blocks
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (loaded.get() < 3 * 2 && System.nanoTime() < deadline) Thread.sleep(5);
            assertTrue(loaded.get() >= 3 * 2, "it loaded ahead: " + loaded.get());
            Thread.sleep(200);
            assertTrue(loaded.get() <= (3 + 1) * 2, "at most depth queued + one in hand, loaded " + loaded.get());
            e.next();
            assertTrue(loader.get().getName().startsWith(Prefetcher.THREAD_PREFIX));
            assertTrue(e.workerAlive());
        }
    }

    /** The loader's kernels stay on its thread: the compute team is the training loop's (Parallel.keepLoopsOnThisThread). */
    @Test
    void loadingKeepsItsLoopsOnItsThread() {
        int saved = Parallel.threads();
        Parallel.setThreads(2);
        try {
            Set<Thread> ran = ConcurrentHashMap.newKeySet();
            Dataset<Sample> ds = numbered(6).map(s -> {
                Parallel.forRange(64, 1, (a, b) -> ran.add(Thread.currentThread()));
                return s;
            });
            var dl = DataLoader.builder(ds, Batch::stack).batchSize(2).prefetch(2).build();
            assertEquals(3, drain(dl, 0, 0).size());
            assertEquals(1, ran.size(), "threads that ran the loader's loops: " + ran);
            assertTrue(ran.iterator().next().getName().startsWith(Prefetcher.THREAD_PREFIX));
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void closingMidEpochStopsTheThread() {
        long before = workerThreads();
        var dl = DataLoader.builder(numbered(100), Batch::stack).batchSize(2).prefetch(1).build();
        Epoch<Batch> e = dl.epoch(0);
        e.next();
        e.close();
        assertFalse(e.workerAlive(), "close() returns only after the worker has ended");
        assertFalse(e.hasNext());
        assertThrows(java.util.NoSuchElementException.class, e::next);
        e.close(); // idempotent
        assertEquals(before, workerThreads());
    }

    @Test
    void finishingAnEpochReapsTheThread() {
        var dl = DataLoader.builder(numbered(7), Batch::stack).batchSize(2).prefetch(2).build();
        Epoch<Batch> e = dl.epoch(0);
        int n = 0;
        for (Batch ignored : e) n++;
        assertEquals(4, n);
        assertFalse(e.workerAlive());
    }

    @Test
    void workerExceptionsReachTheConsumerWithTheirCause() {
        IllegalStateException bad = new IllegalStateException("corrupt image 13");
        Dataset<Sample> ds = numbered(20).map(s -> {
            if (s.input().get(0, 0, 0) == 13) throw bad;
            return s;
        });
        for (int prefetch : new int[] {0, 2}) {
            var dl = DataLoader.builder(ds, Batch::stack).batchSize(4).prefetch(prefetch).build();
            Epoch<Batch> e = dl.epoch(1);
            assertArrayEquals(new int[] {0, 1, 2, 3}, ids(e.next()));
            assertArrayEquals(new int[] {4, 5, 6, 7}, ids(e.next()));
            assertArrayEquals(new int[] {8, 9, 10, 11}, ids(e.next()));
            DataLoaderException ex = assertThrows(DataLoaderException.class, e::next);
            assertSame(bad, ex.getCause());
            assertTrue(ex.getMessage().contains("loading batch 3 of epoch 1 (dataset indices [12, 13, 14, 15])"),
                    ex.getMessage());
            assertTrue(ex.getMessage().contains("corrupt image 13"), ex.getMessage());
            assertFalse(e.hasNext(), "a failed epoch is over");
            assertFalse(e.workerAlive());
        }
    }

    @Test
    void collateErrorsNameTheBatch() {
        Dataset<Sample> ragged = Dataset.of(List.of(new Sample(Tensor.zeros(1, 2, 2), Tensor.zeros(2, 2)),
                new Sample(Tensor.zeros(1, 3, 3), Tensor.zeros(3, 3))));
        var dl = DataLoader.builder(ragged, Batch::stack).batchSize(2).build();
        try (Epoch<Batch> e = dl.epoch(0)) {
            DataLoaderException ex = assertThrows(DataLoaderException.class, e::next);
            assertTrue(ex.getCause().getMessage().contains("sample 1 has input [1,3,3]"), ex.getCause().getMessage());
        }
    }

    @Test
    void anEpochIteratesOnce() {
        var dl = DataLoader.builder(numbered(4), Batch::stack).batchSize(2).build();
        try (Epoch<Batch> e = dl.epoch(0)) {
            for (Batch ignored : e) { /* drain */ }
            IllegalStateException ex = assertThrows(IllegalStateException.class, e::iterator);
            assertTrue(ex.getMessage().contains("call loader.epoch(0) again"));
        }
    }

    @Test
    void interruptingTheConsumerClosesTheEpoch() throws InterruptedException {
        CountDownLatch entered = new CountDownLatch(1);
        Dataset<Sample> slow = numbered(10).map(s -> {
            entered.countDown();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", ex);
            }
            return s;
        });
        var dl = DataLoader.builder(slow, Batch::stack).prefetch(1).build();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Epoch<Batch>> epoch = new AtomicReference<>();
        Thread consumer = Thread.ofPlatform().start(() -> {
            epoch.set(dl.epoch(0));
            try {
                epoch.get().next();
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        assertTrue(entered.await(10, TimeUnit.SECONDS));
        consumer.interrupt();
        consumer.join(10_000);
        assertFalse(consumer.isAlive());
        assertTrue(thrown.get() instanceof DataLoaderException, String.valueOf(thrown.get()));
        assertFalse(epoch.get().workerAlive());
    }

    @Test
    void anAbandonedEpochIsCleanedUpByTheCollector() throws InterruptedException {
        long before = workerThreads();
        var dl = DataLoader.builder(numbered(100), Batch::stack).prefetch(1).build();
        abandon(dl);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (workerThreads() > before && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(50);
        }
        assertEquals(before, workerThreads(), "the Cleaner stopped the worker of the unreachable epoch");
    }

    private static void abandon(DataLoader<Sample, Batch> dl) {
        Epoch<Batch> e = dl.epoch(0);
        e.next(); // then drop it without close()
    }

    @Test
    void seedsDifferPerEpochAndIndex() {
        var dl = DataLoader.builder(numbered(4), Batch::stack).seed(9).build();
        assertEquals(dl.sampleGenerator(2, 3).nextLong(), dl.sampleGenerator(2, 3).nextLong());
        assertNotEquals(dl.sampleGenerator(2, 3).nextLong(), dl.sampleGenerator(3, 3).nextLong());
        assertNotEquals(dl.sampleGenerator(2, 3).nextLong(), dl.sampleGenerator(2, 4).nextLong());
    }

    @Test
    void aBatchsIntermediateTensorsAreReleasedAndItsOwnAreNot() {
        List<Tensor> scratch = java.util.Collections.synchronizedList(new ArrayList<>());
        RandomTransform<Sample> warp = (s, g) -> { // like a resampling warp: a large grid, then the warped copy
            Tensor grid = Tensor.full(1, gradwerk.tensor.cpu.ArrayPool.MIN_LENGTH);
            scratch.add(grid);
            return new Sample(s.input().mul(grid.sum().item()), s.target());
        };
        var loader = DataLoader.builder(numbered(6), Batch::stack).batchSize(2).prefetch(2).transform(warp).build();
        List<Batch> batches = new ArrayList<>();
        try (Epoch<Batch> e = loader.epoch(0)) {
            for (Batch b : e) batches.add(b);
        }
        assertEquals(6, scratch.size());
        for (Tensor t : scratch) assertTrue(t.storage().isReleased(), "a transform's temporary outlived its batch");
        for (int i = 0; i < batches.size(); i++) {
            Batch b = batches.get(i);
            assertFalse(b.inputs().storage().isReleased());
            assertEquals(2 * i * gradwerk.tensor.cpu.ArrayPool.MIN_LENGTH, b.inputs().toFloatArray()[0]); // sample 2i
            assertEquals(2 * i % 3, b.targets().toFloatArray()[0]);
        }
    }

    @Test
    void aBatchDiscardedInAStepIsReleasedWhenTheStepEnds() {
        var loader = DataLoader.builder(bigNumbered(2), Batch::stack).batchSize(2).prefetch(1).build();
        List<Batch> seen = new ArrayList<>();
        try (Epoch<Batch> e = loader.epoch(0)) {
            for (Batch b : e) {
                seen.add(b);
                try (gradwerk.tensor.TensorScope step = gradwerk.tensor.TensorScope.open("step")) {
                    assertEquals(1, b.inputs().toFloatArray()[BIG + 1]); // sample 1 starts at BIG + 1
                    gradwerk.tensor.TensorScope.discard(b.inputs());
                    assertFalse(b.inputs().storage().isReleased(), "readable for the rest of the step");
                }
            }
        }
        assertEquals(1, seen.size());
        assertTrue(seen.getFirst().inputs().storage().isReleased());
        assertFalse(seen.getFirst().targets().storage().isReleased(), "not discarded: left to the garbage collector");
    }

    private static final int BIG = gradwerk.tensor.cpu.ArrayPool.MIN_LENGTH;

    /** Sample i: input [1, BIG+1] filled with i, target [BIG+1] filled with i. */
    static Dataset<Sample> bigNumbered(int n) {
        return new Dataset<>() {
            @Override public int size() { return n; }
            @Override public Sample get(int i) {
                return new Sample(Tensor.full(i, 1, BIG + 1), Tensor.full(i, BIG + 1));
            }
        };
    }
}

package gradwerk.nn.data;

import gradwerk.tensor.cpu.Parallel;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Loads items 0..count-1 in order on one background thread, keeping at most {@code depth} finished items in a
 * bounded queue so that loading runs ahead of training but cannot eat unbounded memory.
 *
 * <p>Protocol: the worker puts each item, then an end marker; if loading throws, it puts a failure carrying the
 * exception instead and stops. {@link #close()} stops the worker wherever it is (interrupting a blocked
 * {@code put}, or letting the current item finish) and waits for the thread to end, so no thread outlives the
 * epoch. Nothing here refers to the consumer-facing {@link Epoch}, so a Cleaner can close an abandoned one.
 */
final class Prefetcher<B> implements AutoCloseable {
    private static final AtomicInteger THREADS = new AtomicInteger();
    /** Name prefix of the worker threads (tests look for leaks by it). */
    static final String THREAD_PREFIX = "gradwerk-dataloader-";
    /** How long close() waits for a worker busy inside Dataset.get before giving up. */
    private static final long JOIN_SECONDS = 60;

    private record Item(Object value) {}
    private record Failure(int index, Throwable error) {}
    private static final Object END = new Object();

    private final BlockingQueue<Object> queue;
    private final Thread thread;
    private volatile boolean closed;

    Prefetcher(int depth, int count, IntFunction<B> load) {
        this.queue = new ArrayBlockingQueue<>(depth);
        this.thread = Thread.ofPlatform()
                .name(THREAD_PREFIX + THREADS.incrementAndGet())
                .daemon(true) // an abandoned loader must never keep the JVM alive
                .unstarted(() -> run(count, load));
        thread.start();
    }

    private void run(int count, IntFunction<B> load) {
        // loading overlaps the training step: its kernels stay on this thread instead of taking the compute team
        Parallel.keepLoopsOnThisThread();
        try {
            for (int i = 0; i < count; i++) {
                if (closed) return;
                Object item;
                try {
                    item = new Item(load.apply(i));
                } catch (Throwable t) { // Errors too (OutOfMemoryError): the consumer must hear about them
                    item = new Failure(i, t);
                }
                if (closed) return;
                queue.put(item);
                if (item instanceof Failure) return;
            }
            if (!closed) queue.put(END);
        } catch (InterruptedException e) {
            // close() interrupted us: stop quietly
        }
    }

    /**
     * The next item; {@code null} at the end.
     *
     * @throws DataLoaderException wrapping the worker's exception, with {@code describe(index)} in the message
     */
    @SuppressWarnings("unchecked")
    B take(IntFunction<String> describe) {
        Object o;
        try {
            o = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new DataLoaderException("DataLoader: interrupted while waiting for a batch", e);
        }
        if (o == END) return null;
        if (o instanceof Failure f)
            throw new DataLoaderException("DataLoader: " + describe.apply(f.index()) + " failed: " + f.error(), f.error());
        return (B) ((Item) o).value();
    }

    boolean isAlive() {
        return thread.isAlive();
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        queue.clear(); // frees memory now, and room for a worker racing to put one more item
        if (Thread.currentThread() == thread) return;
        boolean interrupted = Thread.interrupted(); // join even if our own thread was interrupted
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(JOIN_SECONDS);
            while (thread.isAlive()) {
                long left = deadline - System.nanoTime();
                if (left <= 0)
                    throw new IllegalStateException("DataLoader: worker " + thread.getName() + " did not stop within "
                            + JOIN_SECONDS + " s of close() (a Dataset.get that blocks and ignores interrupts?)");
                try {
                    thread.join(Math.clamp(TimeUnit.NANOSECONDS.toMillis(left), 1, 50));
                } catch (InterruptedException e) {
                    interrupted = true;
                }
                queue.clear(); // in case the worker swallowed the interrupt and blocks on a full queue
                thread.interrupt();
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }
}

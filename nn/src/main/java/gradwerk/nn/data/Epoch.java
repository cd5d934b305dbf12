package gradwerk.nn.data;

import java.lang.ref.Cleaner;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.IntFunction;

/**
 * The batches of one epoch, in order: an {@link Iterator} that is also a single-use {@link Iterable} (for
 * for-each loops) and {@link AutoCloseable} (stops the prefetch thread if the loop ends early).
 *
 * <p>Closing is idempotent; the epoch also closes itself when the last batch has been served or loading fails.
 * An epoch that is dropped without being closed has its thread stopped once it is garbage-collected — but do
 * close it: the collector may take its time.
 */
public final class Epoch<B> implements Iterator<B>, Iterable<B>, AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    private final int epoch, skipped;
    private final List<int[]> batches;
    private final IntFunction<B> load;
    private final Prefetcher<B> prefetcher; // null when loading in the caller's thread
    private final Cleaner.Cleanable cleanable;
    private int next;          // index into batches of the next batch to serve
    private boolean closed, iterated;

    Epoch(int epoch, int skipped, List<int[]> batches, IntFunction<B> load, int prefetch) {
        this.epoch = epoch;
        this.skipped = skipped;
        this.batches = batches;
        this.load = load;
        if (prefetch > 0 && !batches.isEmpty()) {
            prefetcher = new Prefetcher<>(prefetch, batches.size(), load);
            cleanable = CLEANER.register(this, prefetcher::close); // the action must not reference `this`
        } else {
            prefetcher = null;
            cleanable = null;
        }
    }

    /** The epoch number. */
    public int number() {
        return epoch;
    }

    /** Batches this epoch serves (after any skipped at the start). */
    public int size() {
        return batches.size();
    }

    @Override
    public boolean hasNext() {
        return !closed && next < batches.size();
    }

    @Override
    public B next() {
        if (closed) throw new NoSuchElementException("DataLoader: epoch " + epoch + " is closed");
        if (next >= batches.size()) throw new NoSuchElementException("DataLoader: epoch " + epoch + " has no more batches");
        int b = next;
        B batch;
        try {
            if (prefetcher == null) {
                try {
                    batch = load.apply(b);
                } catch (RuntimeException | Error e) {
                    throw new DataLoaderException("DataLoader: " + describe(b) + " failed: " + e, e);
                }
            } else {
                batch = prefetcher.take(this::describe);
                if (batch == null) throw new IllegalStateException("DataLoader: worker ended early in epoch " + epoch);
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
        next++;
        if (next == batches.size()) close(); // the worker is done; reap its thread now
        return batch;
    }

    /** Message text for batch b, for errors. */
    private String describe(int b) {
        int[] idx = batches.get(b);
        String samples = idx.length <= 16 ? Arrays.toString(idx) : Arrays.toString(Arrays.copyOf(idx, 16)) + "...";
        return "loading batch " + (b + skipped) + " of epoch " + epoch + " (dataset indices " + samples + ")";
    }

    /** Single use: a second iteration would silently yield nothing, so it is an error. */
    @Override
    public Iterator<B> iterator() {
        if (iterated) throw new IllegalStateException("DataLoader: epoch " + epoch + " can be iterated once;"
                + " call loader.epoch(" + epoch + ") again for another pass");
        iterated = true;
        return this;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (cleanable != null) cleanable.clean(); // runs prefetcher.close() once, here
    }

    /** For tests: whether the background thread is still running. */
    boolean workerAlive() {
        return prefetcher != null && prefetcher.isAlive();
    }
}

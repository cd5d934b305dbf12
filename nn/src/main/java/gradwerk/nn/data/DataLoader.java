package gradwerk.nn.data;

import gradwerk.tensor.Generator;
import gradwerk.tensor.TensorScope;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Turns a {@link Dataset} into batches, one epoch at a time:
 *
 * <pre>{@code
 * DataLoader<Sample, Batch> loader = DataLoader.builder(train, Batch::stack)
 *         .batchSize(8).shuffle(true).seed(42).dropLast(true).prefetch(2)
 *         .transform(Transforms.randomHorizontalFlip(0.5).andThen(Transforms.intensityJitter(0.1, 0.1)))
 *         .build();
 * for (int epoch = start; epoch < epochs; epoch++)
 *     try (Epoch<Batch> batches = loader.epoch(epoch)) {
 *         for (Batch b : batches) step(b);
 *     }
 * }</pre>
 *
 * <p><b>Reproducibility.</b> The order of epoch {@code e} is a pure function of {@code (seed, e)}, and each
 * sample's transform gets a generator seeded from {@code (seed, e, sample index)}. So a run resumed at epoch
 * {@code e} — even mid-epoch via {@link #epoch(int, int)} — sees exactly the batches an uninterrupted run would,
 * and the result does not depend on batch size, prefetching or timing. No generator state needs checkpointing.
 *
 * <p><b>Prefetching.</b> With {@code prefetch(d)} (d ≥ 1, the default 2) one background thread loads batches
 * ahead into a queue of at most {@code d}; with {@code prefetch(0)} batches load in the caller's thread (simplest
 * to debug). Either way a failure surfaces in the caller as a {@link DataLoaderException} whose cause is the
 * original exception.
 */
public final class DataLoader<T, B> {
    private final Dataset<T> dataset;
    private final Function<List<T>, B> collate;
    private final int batchSize, prefetch;
    private final boolean shuffle, dropLast;
    private final long seed;
    private final RandomTransform<T> transform;

    private DataLoader(Builder<T, B> b) {
        this.dataset = b.dataset;
        this.collate = b.collate;
        this.batchSize = b.batchSize;
        this.prefetch = b.prefetch;
        this.shuffle = b.shuffle;
        this.dropLast = b.dropLast;
        this.seed = b.seed;
        this.transform = b.transform;
    }

    public static <T, B> Builder<T, B> builder(Dataset<T> dataset, Function<List<T>, B> collate) {
        return new Builder<>(dataset, collate);
    }

    public Dataset<T> dataset() { return dataset; }
    public int batchSize() { return batchSize; }

    /** Batches in one epoch: {@code size/batchSize}, rounded up unless {@code dropLast}. */
    public int batchesPerEpoch() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** The dataset indices of epoch {@code e} in the order they are served (before batching and dropping). */
    public int[] order(int epoch) {
        requireEpoch(epoch);
        int[] order = new int[dataset.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        if (shuffle) new Generator(mix(seed, epoch, ORDER_STREAM)).shuffle(order);
        return order;
    }

    /** The dataset indices of each batch of an epoch. */
    public List<int[]> batchIndices(int epoch) {
        int[] order = order(epoch);
        int count = batchesPerEpoch();
        List<int[]> batches = new ArrayList<>(count);
        for (int b = 0; b < count; b++)
            batches.add(Arrays.copyOfRange(order, b * batchSize, Math.min(order.length, (b + 1) * batchSize)));
        return batches;
    }

    /** The batches of one epoch. Close it (try-with-resources) to stop its prefetch thread early. */
    public Epoch<B> epoch(int epoch) {
        return epoch(epoch, 0);
    }

    /**
     * The batches of one epoch, skipping the first {@code skipBatches} without loading them: for resuming from a
     * checkpoint taken mid-epoch (skip = global step − epoch × batchesPerEpoch).
     */
    public Epoch<B> epoch(int epoch, int skipBatches) {
        List<int[]> all = batchIndices(epoch);
        if (skipBatches < 0 || skipBatches > all.size())
            throw new IllegalArgumentException("DataLoader: cannot skip " + skipBatches + " of " + all.size()
                    + " batches in epoch " + epoch);
        List<int[]> batches = List.copyOf(all.subList(skipBatches, all.size()));
        // the loading function captures the loader and the indices, never the Epoch (see Epoch's Cleaner)
        return new Epoch<>(epoch, skipBatches, batches, loadFunction(epoch, batches), prefetch);
    }

    private java.util.function.IntFunction<B> loadFunction(int epoch, List<int[]> batches) {
        return b -> loadBatch(epoch, batches.get(b));
    }

    /**
     * Loads, transforms and collates one batch. The work runs in a {@link TensorScope}: for a {@link Batch} only its
     * two tensors leave it, and what the transforms allocated on the way (resampling grids, warped copies) goes back
     * to the array pool for the next batch instead of piling up as garbage on the prefetch thread. A consumer that is
     * done with a batch can {@link TensorScope#discard} its tensors inside its step scope (the trainer does), so
     * that the batch's arrays serve a later batch too. Other batch types keep everything.
     */
    B loadBatch(int epoch, int[] indices) {
        try (TensorScope work = TensorScope.openTemporary("DataLoader batch")) {
            List<T> samples = new ArrayList<>(indices.length);
            for (int i : indices) {
                T s = dataset.get(i);
                if (s == null) throw new IllegalStateException("Dataset.get(" + i + ") returned null");
                samples.add(transform.apply(s, sampleGenerator(epoch, i)));
            }
            B batch = collate.apply(samples);
            if (batch instanceof Batch b) {
                work.keep(b.inputs());
                work.keep(b.targets());
            } else {
                work.keepAll();
            }
            return batch;
        }
    }

    /** The generator a transform gets for dataset index {@code index} in epoch {@code epoch}. */
    public Generator sampleGenerator(int epoch, int index) {
        return new Generator(mix(seed, epoch, TRANSFORM_STREAM + index));
    }

    private static final long ORDER_STREAM = -1, TRANSFORM_STREAM = 0;

    /**
     * Hashes (seed, epoch, stream) into one seed. Each step is the SplitMix64 finaliser, which spreads every input
     * bit over the output, so nearby epochs or indices give unrelated streams.
     */
    static long mix(long seed, long epoch, long stream) {
        return fmix(fmix(fmix(seed) ^ epoch) + stream);
    }

    private static long fmix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static void requireEpoch(int epoch) {
        if (epoch < 0) throw new IllegalArgumentException("DataLoader: negative epoch " + epoch);
    }

    /** Options with defaults: batch size 1, no shuffling, seed 0, keep the last partial batch, prefetch 2. */
    public static final class Builder<T, B> {
        private final Dataset<T> dataset;
        private final Function<List<T>, B> collate;
        private int batchSize = 1, prefetch = 2;
        private boolean shuffle, dropLast;
        private long seed;
        private RandomTransform<T> transform = RandomTransform.identity();

        private Builder(Dataset<T> dataset, Function<List<T>, B> collate) {
            this.dataset = Objects.requireNonNull(dataset, "dataset");
            this.collate = Objects.requireNonNull(collate, "collate");
        }

        public Builder<T, B> batchSize(int n) {
            if (n < 1) throw new IllegalArgumentException("DataLoader: batch size " + n + " < 1");
            batchSize = n;
            return this;
        }

        /** Shuffle each epoch (order from {@link #seed}). */
        public Builder<T, B> shuffle(boolean on) {
            shuffle = on;
            return this;
        }

        /** Seeds the shuffling and the transforms' generators. */
        public Builder<T, B> seed(long s) {
            seed = s;
            return this;
        }

        /** Drop the last batch if it is smaller than the batch size (keeps batch statistics comparable). */
        public Builder<T, B> dropLast(boolean on) {
            dropLast = on;
            return this;
        }

        /** Batches loaded ahead on a background thread; 0 loads in the caller's thread. */
        public Builder<T, B> prefetch(int depth) {
            if (depth < 0) throw new IllegalArgumentException("DataLoader: prefetch depth " + depth + " < 0");
            prefetch = depth;
            return this;
        }

        /** A random augmentation applied to each sample before collating. */
        public Builder<T, B> transform(RandomTransform<T> t) {
            transform = Objects.requireNonNull(t, "transform");
            return this;
        }

        public DataLoader<T, B> build() {
            return new DataLoader<>(this);
        }
    }
}

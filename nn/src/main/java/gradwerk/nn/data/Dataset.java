package gradwerk.nn.data;

import java.util.List;
import java.util.function.Function;

/**
 * An indexed collection of samples: {@code size()} of them, fetched one at a time with {@code get(i)}.
 *
 * <p>{@code get} must be deterministic (same index, same sample) — randomness belongs in a
 * {@link RandomTransform}, which the {@link DataLoader} seeds per epoch and sample so that a resumed run sees
 * the same augmentations. It is called from the loader's background thread (one thread at a time), so it must
 * not rely on being called from the thread that created the dataset.
 */
public interface Dataset<T> {
    int size();

    T get(int index);

    /** A view that applies a deterministic function to each sample (decoding, normalising, ...). */
    default <U> Dataset<U> map(Function<? super T, ? extends U> f) {
        Dataset<T> self = this;
        return new Dataset<>() {
            @Override public int size() { return self.size(); }
            @Override public U get(int index) { return f.apply(self.get(index)); }
        };
    }

    /** A dataset over an in-memory list. */
    static <T> Dataset<T> of(List<T> items) {
        List<T> copy = List.copyOf(items);
        return new Dataset<>() {
            @Override public int size() { return copy.size(); }
            @Override public T get(int index) { return copy.get(index); }
        };
    }
}

package gradwerk.nn.data;

import gradwerk.tensor.Generator;

/**
 * A random augmentation. All of its randomness must come from the generator it is given, never from a field or
 * a global source: the {@link DataLoader} hands each sample a generator seeded from (seed, epoch, sample index),
 * which makes augmentations reproducible, independent of batch size and prefetching, and identical after a resume.
 */
@FunctionalInterface
public interface RandomTransform<T> {
    T apply(T sample, Generator g);

    /** This transform, then the next one, drawing from the same generator. */
    default RandomTransform<T> andThen(RandomTransform<T> next) {
        return (sample, g) -> next.apply(apply(sample, g), g);
    }

    static <T> RandomTransform<T> identity() {
        return (sample, g) -> sample;
    }
}

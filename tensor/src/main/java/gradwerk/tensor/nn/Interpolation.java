package gradwerk.tensor.nn;

/** How {@link Sampling} reads an image between pixel centres (PyTorch's {@code mode}). */
public enum Interpolation {
    /** The closest pixel (grid_sample rounds half to even, like C's nearbyint; upsample floors). */
    NEAREST,
    /** Weighted average of the four surrounding pixels. */
    BILINEAR
}

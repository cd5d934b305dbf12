package gradwerk.tensor.nn;

/** What {@link Sampling#gridSample} reads outside the image (PyTorch's {@code padding_mode}). */
public enum GridPadding {
    /** Zero: taps outside the image contribute nothing. */
    ZEROS,
    /**
     * The nearest border pixel: coordinates are clamped into the image, and the gradient w.r.t. a clamped
     * coordinate is zero (the output does not change when it moves).
     */
    BORDER
}

package gradwerk.nn.loss;

/** How a loss turns per-element losses into its result (PyTorch's {@code reduction}). */
public enum Reduction {
    /** The (weighted) mean over the elements that count: a 0-d result. */
    MEAN,
    /** The sum: a 0-d result. */
    SUM,
    /** No reduction: one loss per element, the target's shape. */
    NONE
}

package gradwerk.nn.layers;

import gradwerk.autograd.Variable;
import gradwerk.nn.Module;
import gradwerk.nn.functional.PadOps;
import gradwerk.tensor.Generator;

/**
 * Dropout, PyTorch's {@code nn.Dropout} (or {@code nn.Dropout2d}, whole channels, with {@link #channels}): zeroes
 * elements with probability p and scales the rest by 1/(1-p) in training; the identity in evaluation. The masks
 * come from the layer's own seeded {@link Generator}; save {@code generator().state()} in a checkpoint to resume
 * with the same masks.
 */
public final class Dropout extends Module {
    private final double p;
    private final boolean channels;
    private final Generator generator;

    public Dropout(double p, Generator g) {
        this(p, false, g);
    }

    private Dropout(double p, boolean channels, Generator g) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("Dropout: p " + p + " is not in [0, 1]");
        this.p = p;
        this.channels = channels;
        this.generator = g;
    }

    /** Channel dropout ({@code nn.Dropout2d}) for [N, C, *]. */
    public static Dropout channels(double p, Generator g) {
        return new Dropout(p, true, g);
    }

    @Override
    public Variable forward(Variable x) {
        return channels ? PadOps.dropout2d(x, p, isTraining(), generator) : PadOps.dropout(x, p, isTraining(), generator);
    }

    /** The generator the masks are drawn from. */
    public Generator generator() { return generator; }

    @Override
    protected String extraRepr() { return "p=" + p + (channels ? ", channels" : ""); }
}

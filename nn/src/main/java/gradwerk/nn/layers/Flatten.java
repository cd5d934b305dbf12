package gradwerk.nn.layers;

import gradwerk.autograd.Variable;
import gradwerk.nn.Module;

/** Flattens dims {@code startDim..} into one: [N, C, H, W] → [N, C·H·W] with the default startDim 1. */
public final class Flatten extends Module {
    private final int startDim;

    public Flatten() { this(1); }

    public Flatten(int startDim) {
        this.startDim = startDim;
    }

    @Override
    public Variable forward(Variable x) {
        int start = startDim < 0 ? startDim + x.rank() : startDim;
        if (start < 0 || start >= Math.max(1, x.rank()))
            throw new IllegalArgumentException(describe() + ": input of rank " + x.rank() + " has no dim " + startDim);
        int[] s = x.shape(), out = new int[start + 1];
        System.arraycopy(s, 0, out, 0, start);
        out[start] = -1;
        return x.reshape(out);
    }

    @Override
    protected String extraRepr() { return "start_dim=" + startDim; }
}

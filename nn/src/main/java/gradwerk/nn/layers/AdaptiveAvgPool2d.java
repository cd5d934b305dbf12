package gradwerk.nn.layers;

import gradwerk.autograd.Variable;
import gradwerk.nn.Module;
import gradwerk.nn.functional.PoolOps;

/** Average pooling to a fixed output size whatever the input size ({@code nn.AdaptiveAvgPool2d}); (1, 1) = global. */
public final class AdaptiveAvgPool2d extends Module {
    private final int outH, outW;

    public AdaptiveAvgPool2d(int outH, int outW) {
        this.outH = outH;
        this.outW = outW;
    }

    @Override
    public Variable forward(Variable x) {
        return PoolOps.adaptiveAvgPool2d(x, outH, outW);
    }

    @Override
    protected String extraRepr() { return outH + "x" + outW; }
}

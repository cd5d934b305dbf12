package gradwerk.nn.layers;

import gradwerk.autograd.Variable;
import gradwerk.nn.Module;
import gradwerk.nn.functional.PoolOps;

/** Average pooling, PyTorch's {@code nn.AvgPool2d}: square kernel; stride defaults to the kernel. */
public final class AvgPool2d extends Module {
    private final int kernel, stride, padding, divisorOverride;
    private final boolean ceilMode, countIncludePad;

    public AvgPool2d(int kernel) {
        this(kernel, kernel, 0, false, true, 0);
    }

    /** @param divisorOverride 0 = divide by the window size */
    public AvgPool2d(int kernel, int stride, int padding, boolean ceilMode, boolean countIncludePad, int divisorOverride) {
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
        this.divisorOverride = divisorOverride;
    }

    @Override
    public Variable forward(Variable x) {
        return PoolOps.avgPool2d(x, new int[] {kernel}, new int[] {stride}, new int[] {padding}, ceilMode, countIncludePad,
                divisorOverride);
    }

    @Override
    protected String extraRepr() {
        return "k=" + kernel + (stride != kernel ? ", stride=" + stride : "") + (padding != 0 ? ", padding=" + padding : "")
                + (ceilMode ? ", ceil_mode=true" : "") + (countIncludePad ? "" : ", count_include_pad=false")
                + (divisorOverride > 0 ? ", divisor_override=" + divisorOverride : "");
    }
}

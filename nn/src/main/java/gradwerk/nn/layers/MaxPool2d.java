package gradwerk.nn.layers;

import gradwerk.autograd.Variable;
import gradwerk.nn.Module;
import gradwerk.nn.functional.PoolOps;

/** Max pooling, PyTorch's {@code nn.MaxPool2d}: square kernel; stride defaults to the kernel. */
public final class MaxPool2d extends Module {
    private final int kernel, stride, padding, dilation;
    private final boolean ceilMode;

    /** Stride = kernel, no padding: {@code new MaxPool2d(2)} halves H and W. */
    public MaxPool2d(int kernel) {
        this(kernel, kernel, 0, 1, false);
    }

    public MaxPool2d(int kernel, int stride, int padding, int dilation, boolean ceilMode) {
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.ceilMode = ceilMode;
    }

    @Override
    public Variable forward(Variable x) {
        return PoolOps.maxPool2d(x, new int[] {kernel}, new int[] {stride}, new int[] {padding}, new int[] {dilation}, ceilMode);
    }

    @Override
    protected String extraRepr() {
        return "k=" + kernel + (stride != kernel ? ", stride=" + stride : "") + (padding != 0 ? ", padding=" + padding : "")
                + (dilation != 1 ? ", dilation=" + dilation : "") + (ceilMode ? ", ceil_mode=true" : "");
    }
}

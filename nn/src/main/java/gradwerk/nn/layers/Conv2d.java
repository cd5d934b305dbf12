package gradwerk.nn.layers;

import gradwerk.autograd.Variable;
import gradwerk.nn.Module;
import gradwerk.nn.Parameter;
import gradwerk.nn.functional.ConvOps;
import gradwerk.nn.init.Init;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

/**
 * 2-d convolution, PyTorch's {@code nn.Conv2d}: weight [out, in/groups, k, k], bias [out], default initialisation
 * U(±1/√fanIn) for both (see {@link Init#defaultLayer}). Square kernels, strides, paddings and dilations.
 */
public final class Conv2d extends Module {
    private final int in, out, kernel, stride, padding, dilation, groups;
    private final Parameter weight, bias;

    /** Stride 1, no padding, with bias. */
    public Conv2d(int in, int out, int kernel, Generator g) {
        this(in, out, kernel, 1, 0, 1, 1, true, g);
    }

    /** With bias, dilation 1, one group. */
    public Conv2d(int in, int out, int kernel, int stride, int padding, Generator g) {
        this(in, out, kernel, stride, padding, 1, 1, true, g);
    }

    public Conv2d(int in, int out, int kernel, int stride, int padding, int dilation, int groups, boolean bias, Generator g) {
        if (in < 1 || out < 1 || kernel < 1 || stride < 1 || padding < 0 || dilation < 1 || groups < 1)
            throw new IllegalArgumentException("Conv2d: channels " + in + "→" + out + ", kernel " + kernel + ", stride "
                    + stride + ", dilation " + dilation + ", groups " + groups + " must be >= 1 and padding " + padding + " >= 0");
        if (in % groups != 0 || out % groups != 0)
            throw new IllegalArgumentException("Conv2d: channels " + in + "→" + out + " must both be divisible by groups=" + groups);
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.groups = groups;
        this.weight = registerParameter("weight", Tensor.zeros(out, in / groups, kernel, kernel));
        this.bias = bias ? registerParameter("bias", Tensor.zeros(out)) : null;
        Init.defaultLayer(weight.value(), bias ? this.bias.value() : null, g);
    }

    @Override
    public Variable forward(Variable x) {
        if (x.rank() != 4)
            throw new IllegalArgumentException(describe() + ": input " + Shape.str(x.shape()) + " must be 4-d [N,C,H,W]");
        if (x.size(1) != in)
            throw new IllegalArgumentException(describe() + ": input " + Shape.str(x.shape()) + " has " + x.size(1)
                    + " channels, expected " + in);
        return ConvOps.conv2d(x, weight.v(), bias == null ? null : bias.v(), new int[] {stride}, new int[] {padding},
                new int[] {dilation}, groups);
    }

    public Parameter weight() { return weight; }
    /** The bias, or null. */
    public Parameter bias() { return bias; }

    @Override
    protected String extraRepr() {
        return in + "→" + out + ", k=" + kernel + (stride != 1 ? ", stride=" + stride : "") + (padding != 0 ? ", padding=" + padding : "")
                + (dilation != 1 ? ", dilation=" + dilation : "") + (groups != 1 ? ", groups=" + groups : "")
                + (bias == null ? ", bias=false" : "");
    }
}

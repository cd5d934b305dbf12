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
 * Transposed 2-d convolution, PyTorch's {@code nn.ConvTranspose2d} (a learned upsampling: stride 2, kernel 2
 * doubles H and W): weight [in, out/groups, k, k], bias [out]; initialised like PyTorch (whose fan-in for this
 * layer is computed from the weight's dim 1, i.e. out/groups·k·k).
 */
public final class ConvTranspose2d extends Module {
    private final int in, out, kernel, stride, padding, outputPadding, groups, dilation;
    private final Parameter weight, bias;

    /** With bias, no padding, one group: {@code new ConvTranspose2d(64, 32, 2, 2, g)} doubles the resolution. */
    public ConvTranspose2d(int in, int out, int kernel, int stride, Generator g) {
        this(in, out, kernel, stride, 0, 0, 1, true, 1, g);
    }

    /** PyTorch's argument order. */
    public ConvTranspose2d(int in, int out, int kernel, int stride, int padding, int outputPadding, int groups,
                           boolean bias, int dilation, Generator g) {
        if (in < 1 || out < 1 || kernel < 1 || stride < 1 || padding < 0 || outputPadding < 0 || dilation < 1 || groups < 1)
            throw new IllegalArgumentException("ConvTranspose2d: invalid geometry " + in + "→" + out + ", k=" + kernel
                    + ", stride=" + stride + ", padding=" + padding + ", output_padding=" + outputPadding + ", groups="
                    + groups + ", dilation=" + dilation);
        if (in % groups != 0 || out % groups != 0)
            throw new IllegalArgumentException("ConvTranspose2d: channels " + in + "→" + out + " must both be divisible by groups=" + groups);
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.outputPadding = outputPadding;
        this.groups = groups;
        this.dilation = dilation;
        this.weight = registerParameter("weight", Tensor.zeros(in, out / groups, kernel, kernel));
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
        return ConvOps.convTranspose2d(x, weight.v(), bias == null ? null : bias.v(), new int[] {stride},
                new int[] {padding}, new int[] {outputPadding}, groups, new int[] {dilation});
    }

    public Parameter weight() { return weight; }
    /** The bias, or null. */
    public Parameter bias() { return bias; }

    @Override
    protected String extraRepr() {
        return in + "→" + out + ", k=" + kernel + (stride != 1 ? ", stride=" + stride : "") + (padding != 0 ? ", padding=" + padding : "")
                + (outputPadding != 0 ? ", output_padding=" + outputPadding : "") + (groups != 1 ? ", groups=" + groups : "")
                + (dilation != 1 ? ", dilation=" + dilation : "") + (bias == null ? ", bias=false" : "");
    }
}

package gradwerk.nn.layers;

import gradwerk.autograd.Variable;
import gradwerk.nn.Module;
import gradwerk.nn.Parameter;
import gradwerk.nn.init.Init;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

/**
 * {@code y = x·Wᵀ + b} over the last dim: input [*, in] → [*, out]; weight [out, in], bias [out] (PyTorch's layout
 * and default initialisation, see {@link Init#defaultLayer}).
 */
public final class Linear extends Module {
    private final int in, out;
    private final Parameter weight, bias;

    public Linear(int in, int out, Generator g) {
        this(in, out, true, g);
    }

    public Linear(int in, int out, boolean bias, Generator g) {
        if (in < 1 || out < 1) throw new IllegalArgumentException("Linear: sizes " + in + "→" + out + " must be >= 1");
        this.in = in;
        this.out = out;
        this.weight = registerParameter("weight", Tensor.zeros(out, in));
        this.bias = bias ? registerParameter("bias", Tensor.zeros(out)) : null;
        Init.defaultLayer(weight.value(), bias ? this.bias.value() : null, g);
    }

    @Override
    public Variable forward(Variable x) {
        if (x.rank() < 1 || x.size(-1) != in)
            throw new IllegalArgumentException(describe() + ": input " + Shape.str(x.shape()) + " has "
                    + (x.rank() < 1 ? "no" : Integer.toString(x.size(-1))) + " features in its last dim, expected " + in);
        Variable y = x.matmul(weight.v().t());
        return bias == null ? y : y.add(bias.v());
    }

    public Parameter weight() { return weight; }
    /** The bias, or null. */
    public Parameter bias() { return bias; }

    @Override
    protected String extraRepr() { return in + "→" + out + (bias == null ? ", bias=false" : ""); }
}

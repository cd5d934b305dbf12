package gradwerk.nn.layers;

import gradwerk.autograd.Variable;
import gradwerk.nn.Module;

import java.util.function.UnaryOperator;

/**
 * The parameter-free elementwise layers (ReLU, LeakyReLU, Sigmoid, Tanh, GELU, Identity) as modules, for
 * {@link gradwerk.nn.Sequential}; in a custom forward just call {@code x.relu()} etc.
 */
public sealed class Activation extends Module permits Activation.ReLU, Activation.LeakyReLU, Activation.Sigmoid,
        Activation.Tanh, Activation.GELU, Activation.Identity {
    private final UnaryOperator<Variable> f;
    private final String repr;

    private Activation(UnaryOperator<Variable> f, String repr) {
        this.f = f;
        this.repr = repr;
    }

    @Override
    public Variable forward(Variable x) { return f.apply(x); }

    @Override
    protected String extraRepr() { return repr; }

    /** max(x, 0). */
    public static final class ReLU extends Activation {
        public ReLU() { super(Variable::relu, ""); }
    }

    /** x for x ≥ 0, slope·x below (PyTorch's default slope 0.01). */
    public static final class LeakyReLU extends Activation {
        public LeakyReLU() { this(0.01); }
        public LeakyReLU(double slope) { super(x -> x.leakyRelu(slope), "negative_slope=" + slope); }
    }

    public static final class Sigmoid extends Activation {
        public Sigmoid() { super(Variable::sigmoid, ""); }
    }

    public static final class Tanh extends Activation {
        public Tanh() { super(Variable::tanh, ""); }
    }

    /** The exact (erf) GELU, PyTorch's default. */
    public static final class GELU extends Activation {
        public GELU() { super(Variable::gelu, ""); }
    }

    /** Returns its input (a placeholder, e.g. for an optional normalisation). */
    public static final class Identity extends Activation {
        public Identity() { super(x -> x, ""); }
    }
}

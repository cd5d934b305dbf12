package gradwerk.nn;

import gradwerk.autograd.Variable;
import gradwerk.tensor.Device;
import gradwerk.tensor.DType;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.TensorScope;

/**
 * A trainable tensor of a {@link Module}: a leaf {@link Variable} that requires a gradient, with the name it was
 * registered under ({@code "weight"}; the module tree gives it its dotted path, {@code "encoder.0.weight"}).
 *
 * <p>Layers use {@link #v()} in their forward pass; optimisers read {@link #grad()} and update {@link #value()} in
 * place, so the same Variable (and storage) lives for the whole of training. Freezing ({@code requiresGrad(false)})
 * and moving ({@link #to}) swap in a new leaf around the value, so build optimisers after both, as in PyTorch.
 */
public final class Parameter {
    private final String name;
    private Variable variable;

    public Parameter(String name, Tensor value) {
        this(name, value, true);
    }

    public Parameter(String name, Tensor value, boolean requiresGrad) {
        if (name == null || name.isEmpty() || name.contains("."))
            throw new IllegalArgumentException("Parameter: name '" + name + "' must be non-empty and contain no '.'");
        this.name = name;
        this.variable = new Variable(TensorScope.persist(value), requiresGrad);
    }

    /** The name it was registered under in its module (no dots). */
    public String name() { return name; }

    /** The leaf variable to compute with: {@code x.matmul(weight.v())}. */
    public Variable v() { return variable; }

    /** The current value (updated in place by optimisers and by {@link Module#loadStateDict}). */
    public Tensor value() { return variable.value(); }

    /** The accumulated gradient, or null before the first backward pass (and after {@link #zeroGrad}). */
    public Tensor grad() { return variable.grad(); }

    public void zeroGrad() { variable.zeroGrad(); }

    public boolean requiresGrad() { return variable.requiresGrad(); }

    /** Freezes (false) or unfreezes the parameter; the accumulated gradient is dropped. */
    public Parameter requiresGrad(boolean on) {
        if (on != variable.requiresGrad()) variable = new Variable(variable.value(), on);
        return this;
    }

    public int[] shape() { return variable.shape(); }
    public int numel() { return variable.numel(); }
    public DType dtype() { return variable.dtype(); }

    /** Moves (or casts) the value; a new leaf replaces the old one (its gradient is dropped). */
    void replaceValue(Tensor value) {
        variable = new Variable(TensorScope.persist(value), variable.requiresGrad());
    }

    /** Moves the value to another device (no-op if it is already there). */
    Parameter to(Device device) {
        if (value().device() != device) replaceValue(value().to(device));
        return this;
    }

    /** Casts the value to another dtype (no-op if it already has it). */
    Parameter to(DType dtype) {
        if (value().dtype() != dtype) replaceValue(value().to(dtype));
        return this;
    }

    @Override
    public String toString() {
        return "Parameter(" + name + " " + Shape.str(shape()) + " " + dtype() + (requiresGrad() ? "" : ", frozen") + ")";
    }
}

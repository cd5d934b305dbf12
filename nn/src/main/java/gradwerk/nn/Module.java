package gradwerk.nn;

import gradwerk.autograd.Variable;
import gradwerk.nn.io.StateDicts;
import gradwerk.tensor.Device;
import gradwerk.tensor.DType;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.TensorScope;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A piece of a model, as in PyTorch's {@code nn.Module}: it owns {@link Parameter}s (trained), buffers (state
 * that is saved but not trained, e.g. batch norm's running statistics) and child modules, each registered under a
 * name, in order. From that tree it derives everything else: the parameter list for an optimiser, the state dict
 * with dotted names ({@code "encoder.0.weight"}), train/eval mode, moving to a device.
 *
 * <pre>{@code
 * final class Block extends Module {
 *     private final Conv2d conv = registerModule("conv", new Conv2d(3, 16, 3, 1, 1, g));
 *     private final BatchNorm2d bn = registerModule("bn", new BatchNorm2d(16));
 *     @Override public Variable forward(Variable x) { return bn.forward(conv.forward(x)).relu(); }
 * }
 * }</pre>
 *
 * <p>Modules with one input and one output override {@link #forward(Variable)} (so they can go in a
 * {@link Sequential}); others define their own {@code forward} signature.
 */
public abstract class Module {
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Set<String> transientBuffers = new java.util.HashSet<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    // ---------------------------------------------------------------- registration (for subclasses)

    /** Registers a trainable tensor under {@code name} (PyTorch's {@code register_parameter}). */
    protected final Parameter registerParameter(String name, Tensor value) {
        requireFreeName(name);
        Parameter p = new Parameter(name, value);
        parameters.put(name, p);
        return p;
    }

    /** Registers a buffer: state that is saved in the state dict and moved with the module, but not trained. */
    protected final Tensor registerBuffer(String name, Tensor value) {
        return registerBuffer(name, value, true);
    }

    /** A buffer; a non-persistent one is moved with the module but left out of the state dict. */
    protected final Tensor registerBuffer(String name, Tensor value, boolean persistent) {
        requireFreeName(name);
        buffers.put(name, TensorScope.persist(value));
        if (!persistent) transientBuffers.add(name);
        return value;
    }

    /** Registers a child module; its parameters and buffers appear under {@code name + "."}. */
    protected final <M extends Module> M registerModule(String name, M module) {
        requireFreeName(name);
        if (module == null) throw new IllegalArgumentException(describe() + ": child module '" + name + "' is null");
        children.put(name, module);
        return module;
    }

    /** A registered buffer (look it up each time: {@link #to} replaces buffers of another device/dtype). */
    protected final Tensor buffer(String name) {
        Tensor t = buffers.get(name);
        if (t == null) throw new IllegalArgumentException(describe() + ": no buffer '" + name + "' (have " + buffers.keySet() + ")");
        return t;
    }

    private void requireFreeName(String name) {
        if (name == null || name.isEmpty() || name.contains("."))
            throw new IllegalArgumentException(describe() + ": name '" + name + "' must be non-empty and contain no '.'");
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name))
            throw new IllegalArgumentException(describe() + ": '" + name + "' is already registered");
    }

    // ---------------------------------------------------------------- computing

    /**
     * The module's computation for one input. Modules that take several inputs (or return several outputs)
     * define their own method instead and leave this one throwing.
     */
    public Variable forward(Variable input) {
        throw new UnsupportedOperationException(describe() + " does not take a single input; call its own forward method");
    }

    /** {@link #forward(Variable)} on a constant input (data). */
    public final Variable forward(Tensor input) {
        return forward(Variable.constant(input));
    }

    // ---------------------------------------------------------------- the tree

    /** The direct children, in registration order. */
    public final List<Module> children() { return List.copyOf(children.values()); }

    /** This module ({@code ""}) and every descendant, by dotted path, depth first in registration order. */
    public final Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        collectModules("", out);
        return out;
    }

    private void collectModules(String prefix, Map<String, Module> out) {
        out.put(prefix, this);
        children.forEach((k, m) -> m.collectModules(prefix + k + ".", out));
    }

    /** Calls {@code f} on every module of the tree, children first, then this one (PyTorch's {@code apply}). */
    public final Module apply(Consumer<Module> f) {
        for (Module m : children.values()) m.apply(f);
        f.accept(this);
        return this;
    }

    /** Every parameter with its dotted name; a parameter shared by two modules appears once, first name wins. */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        Set<Parameter> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        namedModules().forEach((path, m) -> m.parameters.forEach((k, p) -> {
            if (seen.add(p)) out.put(path + k, p);
        }));
        return out;
    }

    /** Every parameter once, in the order of {@link #namedParameters}: hand these to an optimiser. */
    public final List<Parameter> parameters() { return List.copyOf(namedParameters().values()); }

    /** Every buffer (persistent or not) with its dotted name. */
    public final Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        namedModules().forEach((path, m) -> m.buffers.forEach((k, b) -> out.put(path + k, b)));
        return out;
    }

    /** Every buffer, in the order of {@link #namedBuffers}. */
    public final List<Tensor> buffers() { return List.copyOf(namedBuffers().values()); }

    /** Number of scalars in all parameters (shared ones counted once). */
    public final long parameterCount() {
        long n = 0;
        for (Parameter p : parameters()) n += p.numel();
        return n;
    }

    /** Number of scalars in the parameters that require a gradient. */
    public final long trainableParameterCount() {
        long n = 0;
        for (Parameter p : parameters()) if (p.requiresGrad()) n += p.numel();
        return n;
    }

    /** Drops every parameter's gradient (PyTorch's {@code zero_grad(set_to_none=True)}). */
    public final void zeroGrad() {
        for (Parameter p : parameters()) p.zeroGrad();
    }

    // ---------------------------------------------------------------- modes

    /** Training mode (the default): dropout drops, batch norm uses and updates batch statistics. Recursive. */
    public final Module train() { return train(true); }

    /** Sets training (true) or evaluation (false) mode on the whole tree. */
    public final Module train(boolean on) {
        apply(m -> m.training = on);
        return this;
    }

    /** Evaluation mode: dropout is the identity, batch norm uses its running statistics. Recursive. */
    public final Module eval() { return train(false); }

    public final boolean isTraining() { return training; }

    // ---------------------------------------------------------------- state dicts

    /**
     * The live tensors to save, by dotted name: per module its parameters, then its persistent buffers, then its
     * children's, which is PyTorch's order (so {@code torch.load_state_dict} accepts a file written from it). The
     * tensors are the module's own, not copies.
     */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        namedModules().forEach((path, m) -> {
            m.parameters.forEach((k, p) -> out.put(path + k, p.value()));
            m.buffers.forEach((k, b) -> { if (!m.transientBuffers.contains(k)) out.put(path + k, b); });
        });
        return out;
    }

    /**
     * Copies a state dict into this module's parameters and buffers, in place (optimisers holding them stay valid),
     * converting dtype and device. Everything is checked before anything is copied: a mis-shaped entry is always an
     * error; missing and unexpected names are errors when {@code strict}, and returned otherwise.
     */
    public final StateDicts.LoadResult loadStateDict(Map<String, Tensor> state, boolean strict) {
        return StateDicts.loadInto(describe() + ".loadStateDict", "entry", "the module", state, stateDict(), strict);
    }

    // ---------------------------------------------------------------- devices and dtypes

    /** Moves every parameter and buffer to {@code device} (parameters get new leaves: build optimisers after). */
    public final Module to(Device device) {
        apply(m -> {
            m.parameters.values().forEach(p -> p.to(device));
            m.buffers.replaceAll((k, b) -> TensorScope.persist(b.to(device)));
        });
        return this;
    }

    /** Casts every parameter and buffer (e.g. to float64 for gradient checks of a whole model). */
    public final Module to(DType dtype) {
        apply(m -> {
            m.parameters.values().forEach(p -> p.to(dtype));
            m.buffers.replaceAll((k, b) -> TensorScope.persist(b.to(dtype)));
        });
        return this;
    }

    // ---------------------------------------------------------------- printing

    /** The layer's settings for messages and {@link #toString}, e.g. {@code "3→16, k=3, stride=2"}. */
    protected String extraRepr() { return ""; }

    /** Class name and settings, e.g. {@code Conv2d(3→16, k=3)}: how errors name the layer. */
    public final String describe() { return getClass().getSimpleName() + "(" + extraRepr() + ")"; }

    /** The module tree, one child per line, like PyTorch's printout. */
    @Override
    public String toString() {
        if (children.isEmpty()) return describe();
        StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append("(");
        if (!extraRepr().isEmpty()) sb.append(extraRepr());
        for (Map.Entry<String, Module> e : children.entrySet())
            sb.append("\n  (").append(e.getKey()).append("): ").append(e.getValue().toString().replace("\n", "\n  "));
        return sb.append("\n)").toString();
    }

    /** Parameters of this module only (not its children), for subclasses that inspect them. */
    protected final List<Parameter> ownParameters() { return new ArrayList<>(parameters.values()); }
}

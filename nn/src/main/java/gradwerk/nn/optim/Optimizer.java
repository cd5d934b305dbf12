package gradwerk.nn.optim;

import gradwerk.autograd.NoGrad;
import gradwerk.nn.Parameter;
import gradwerk.nn.io.StateDicts;
import gradwerk.tensor.BinaryOp;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.TensorScope;
import gradwerk.tensor.UnaryOp;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The shared machinery of gradient-descent optimisers (PyTorch's {@code torch.optim.Optimizer}): parameter groups
 * with their hyperparameters, per-parameter state, {@link #step} and {@link #zeroGrad}, and the state as named
 * tensors and numbers for {@link gradwerk.nn.io.Checkpoint}.
 *
 * <p><b>State.</b> Every parameter gets its state tensors (momentum, moments) up front, as zeros shaped like it,
 * plus a step count; so the state dict is complete from the start and loading a checkpoint into a fresh optimiser
 * is a plain copy. A parameter whose gradient is null (unused, or frozen) is skipped by a step, state untouched.
 *
 * <p><b>No allocation per step.</b> Updates are in-place tensor ops (they run on any device) inside {@link NoGrad},
 * with a few scratch tensors reused across parameters and steps; their storage version counters go up, so autograd
 * notices if a graph that saved a parameter is backpropagated after the step.
 *
 * <p>Names: tensors {@code state.<i>.<name>} (i numbers the parameters across groups, in order), numbers
 * {@code state.<i>.step} and {@code group.<k>.<option>}.
 */
public abstract class Optimizer {
    private final String name;
    private final Map<String, Double> defaults;
    private final List<ParamGroup> groups = new ArrayList<>();
    private final List<Parameter> params = new ArrayList<>();
    private final List<Map<String, Tensor>> state = new ArrayList<>();
    private final List<long[]> steps = new ArrayList<>(); // one-element arrays: a mutable count per parameter
    private final Set<Parameter> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Scratch tensors for subclasses' updates. */
    protected final Scratch scratch = new Scratch(3);

    protected Optimizer(String name, Map<String, Double> defaults) {
        this.name = name;
        this.defaults = new LinkedHashMap<>(defaults);
    }

    /** The names of the state tensors each parameter gets in this group (e.g. {@code exp_avg, exp_avg_sq}). */
    protected abstract List<String> stateNames(ParamGroup group);

    /**
     * Updates one parameter in place (called inside NoGrad, only when its gradient is not null).
     *
     * @param state its state tensors by name
     * @param step  how many updates it has had, this one included (1 on the first step)
     */
    protected abstract void update(Parameter p, Tensor grad, Map<String, Tensor> state, long step, ParamGroup group);

    /**
     * Adds parameters with the default hyperparameters overridden by {@code overrides} (names must be known).
     * Subclass constructors call this once with no overrides; callers may add more groups.
     */
    public final ParamGroup addParamGroup(List<Parameter> ps, Map<String, Double> overrides) {
        Map<String, Double> opts = new LinkedHashMap<>(defaults);
        overrides.forEach((k, v) -> {
            if (!defaults.containsKey(k))
                throw new IllegalArgumentException(name + ": unknown option '" + k + "' (known: " + defaults.keySet() + ")");
            opts.put(k, v);
        });
        validate(opts);
        ParamGroup g = new ParamGroup(ps, opts);
        for (Parameter p : ps) {
            if (!seen.add(p)) throw new IllegalArgumentException(name + ": " + p + " appears in more than one param group");
            params.add(p);
            Map<String, Tensor> s = new LinkedHashMap<>();
            for (String n : stateNames(g)) s.put(n, TensorScope.persist(p.value().zerosLike()));
            state.add(s);
            steps.add(new long[1]);
        }
        groups.add(g);
        return g;
    }

    /** Checks a group's hyperparameters (ranges); throws naming the optimiser and the option. */
    protected void validate(Map<String, Double> options) {
        requireAtLeast(options, "lr", 0);
    }

    protected final void requireAtLeast(Map<String, Double> options, String option, double min) {
        double v = options.get(option);
        if (!(v >= min)) throw new IllegalArgumentException(name + ": " + option + " = " + v + " must be >= " + min);
    }

    protected final void requireBelow(Map<String, Double> options, String option, double max) {
        double v = options.get(option);
        if (!(v >= 0 && v < max)) throw new IllegalArgumentException(name + ": " + option + " = " + v + " must be in [0, " + max + ")");
    }

    // ---------------------------------------------------------------- stepping

    /** One update of every parameter that has a gradient. */
    public final void step() {
        try (var _ = NoGrad.enter()) {
            int i = 0;
            for (ParamGroup g : groups)
                for (Parameter p : g.params()) {
                    Tensor grad = p.grad();
                    if (grad != null) update(p, grad, state.get(i), ++steps.get(i)[0], g);
                    i++;
                }
        }
    }

    /** Drops every parameter's gradient (set to none, PyTorch's default since 2.0). */
    public final void zeroGrad() {
        for (Parameter p : params) p.zeroGrad();
    }

    /** The learning rate of the first group. */
    public final double lr() { return groups.getFirst().lr(); }

    /** Sets the learning rate of every group (what a schedule does each step). */
    public final void setLr(double lr) {
        if (!(lr >= 0)) throw new IllegalArgumentException(name + ": lr = " + lr + " must be >= 0");
        for (ParamGroup g : groups) g.set("lr", lr);
    }

    public final List<ParamGroup> paramGroups() { return List.copyOf(groups); }

    /** All parameters, in state order. */
    public final List<Parameter> params() { return List.copyOf(params); }

    // ---------------------------------------------------------------- state for checkpoints

    /** An optimiser's whole state: named tensors (moments, momentum) and named numbers (steps, hyperparameters). */
    public record State(Map<String, Tensor> tensors, Map<String, Double> scalars) {}

    /** {@link #stateTensors} and {@link #stateScalars} together (PyTorch's {@code state_dict}). */
    public final State stateDict() { return new State(stateTensors(), stateScalars()); }

    /** {@link #loadState} from a {@link State}. */
    public final void loadStateDict(State state) { loadState(state.tensors(), state.scalars()); }

    /** The live state tensors by name ({@code state.<i>.<name>}); they are the optimiser's own, not copies. */
    public final Map<String, Tensor> stateTensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < state.size(); i++) {
            int k = i;
            state.get(i).forEach((n, t) -> out.put("state." + k + "." + n, t));
        }
        return out;
    }

    /** The numbers: every parameter's step count and every group's hyperparameters. */
    public final Map<String, Double> stateScalars() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < steps.size(); i++) out.put("state." + i + ".step", (double) steps.get(i)[0]);
        for (int k = 0; k < groups.size(); k++) {
            int kk = k;
            groups.get(k).options().forEach((o, v) -> out.put("group." + kk + "." + o, v));
        }
        return out;
    }

    /**
     * Restores a state saved by {@link #stateTensors}/{@link #stateScalars} from an optimiser of the same kind over
     * the same parameters (hyperparameters included, as PyTorch does; set the lr again afterwards if a schedule
     * drives it). Everything is checked first: a failed load changes nothing.
     */
    public final void loadState(Map<String, Tensor> tensors, Map<String, Double> scalars) {
        Map<String, Double> live = stateScalars();
        if (!live.keySet().equals(scalars.keySet())) {
            Set<String> missing = new TreeSet<>(live.keySet()), unexpected = new TreeSet<>(scalars.keySet());
            missing.removeAll(scalars.keySet());
            unexpected.removeAll(live.keySet());
            throw new IllegalArgumentException(name + ".loadState: the saved numbers do not fit this optimiser"
                    + (missing.isEmpty() ? "" : "; missing " + missing) + (unexpected.isEmpty() ? "" : "; unexpected " + unexpected)
                    + " (same optimiser, parameters and groups?)");
        }
        for (Map.Entry<String, Double> e : scalars.entrySet()) {
            double v = e.getValue();
            if (e.getKey().endsWith(".step") && (v < 0 || v != Math.rint(v)))
                throw new IllegalArgumentException(name + ".loadState: " + e.getKey() + " = " + v + " is not a step count");
        }
        StateDicts.loadInto(name + ".loadState", "state tensor", "the optimiser", tensors, stateTensors(), true);
        for (int i = 0; i < steps.size(); i++) steps.get(i)[0] = (long) (double) scalars.get("state." + i + ".step");
        for (int k = 0; k < groups.size(); k++)
            for (String o : groups.get(k).options().keySet()) groups.get(k).set(o, scalars.get("group." + k + "." + o));
    }

    // ---------------------------------------------------------------- in-place helpers for subclasses

    /** {@code y += alpha · x}, using scratch slot {@code slot} (which may be x itself). */
    protected final void addScaled(Tensor y, Tensor x, double alpha, int slot) {
        if (alpha == 0) return;
        if (alpha == 1) { y.addInPlace(x); return; }
        Tensor t = scratch.like(slot, y);
        map(UnaryOp.MUL_SCALAR, x, alpha, t);
        y.addInPlace(t);
    }

    /** {@code out = op(x, p)} elementwise into an existing tensor of the same shape (out may be x). */
    protected static Tensor map(UnaryOp op, Tensor x, double p, Tensor out) {
        requireSameShape(x, out);
        out.device().backend().map(op, p, 0, x, out);
        out.storage().bumpVersion();
        return out;
    }

    /** {@code out = op(a, b)} elementwise into an existing tensor of the same shape (out may be a or b). */
    protected static Tensor zip(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        requireSameShape(a, out);
        requireSameShape(b, out);
        out.device().backend().zip(op, a, b, out);
        out.storage().bumpVersion();
        return out;
    }

    private static void requireSameShape(Tensor a, Tensor out) {
        if (!java.util.Arrays.equals(a.shape(), out.shape()) || a.dtype() != out.dtype() || a.device() != out.device())
            throw new IllegalArgumentException("optimizer: update of " + gradwerk.tensor.Shape.str(out.shape()) + " "
                    + out.dtype() + " from " + gradwerk.tensor.Shape.str(a.shape()) + " " + a.dtype()
                    + " (a gradient of another shape or dtype than its parameter?)");
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(name).append(" (");
        for (int k = 0; k < groups.size(); k++)
            sb.append("\n  group ").append(k).append(": ").append(groups.get(k).params().size()).append(" params, ")
                    .append(groups.get(k).options());
        return sb.append("\n)").toString();
    }
}

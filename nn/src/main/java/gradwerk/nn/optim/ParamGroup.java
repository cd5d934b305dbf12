package gradwerk.nn.optim;

import gradwerk.nn.Parameter;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameters that share hyperparameters (PyTorch's {@code param_groups} entries): e.g. no weight decay on biases
 * and norm layers, or a smaller learning rate for a pretrained encoder. Options are named numbers ({@code lr},
 * {@code momentum}, {@code weight_decay}, ...), settable between steps.
 */
public final class ParamGroup {
    private final List<Parameter> params;
    private final Map<String, Double> options;

    ParamGroup(List<Parameter> params, Map<String, Double> options) {
        this.params = List.copyOf(params);
        this.options = new LinkedHashMap<>(options);
    }

    public List<Parameter> params() { return params; }

    /** A hyperparameter of this group. */
    public double get(String option) {
        Double v = options.get(option);
        if (v == null) throw new IllegalArgumentException("optimizer: param group has no option '" + option + "' (has "
                + options.keySet() + ")");
        return v;
    }

    /** Changes a hyperparameter (it must exist: the optimiser's defaults name them all). */
    public ParamGroup set(String option, double value) {
        get(option);
        options.put(option, value);
        return this;
    }

    public double lr() { return get("lr"); }

    /** The options, in a fixed order (a copy). */
    public Map<String, Double> options() { return new LinkedHashMap<>(options); }
}

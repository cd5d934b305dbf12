package gradwerk.nn;

import gradwerk.autograd.ForwardScope;
import gradwerk.autograd.Variable;

import java.util.List;

/** Modules applied one after another; children are named {@code "0"}, {@code "1"}, ... as in PyTorch. */
public final class Sequential extends Module {
    private final List<Module> layers;

    public Sequential(Module... layers) {
        for (int i = 0; i < layers.length; i++) registerModule(Integer.toString(i), layers[i]);
        this.layers = List.of(layers);
    }

    public Sequential(List<Module> layers) {
        this(layers.toArray(Module[]::new));
    }

    @Override
    public Variable forward(Variable x) {
        // the layers' outputs between them are freed as PyTorch frees them: unsaved ones now, saved ones in backward
        try (ForwardScope f = ForwardScope.open(describe() + " forward")) {
            for (Module m : layers) x = m.forward(x);
            return f.result(x);
        }
    }

    /** The i-th layer. */
    public Module get(int i) { return layers.get(i); }

    public int size() { return layers.size(); }
}

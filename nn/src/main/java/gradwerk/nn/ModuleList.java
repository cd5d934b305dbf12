package gradwerk.nn;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A list of child modules named {@code "0"}, {@code "1"}, ... (PyTorch's {@code nn.ModuleList}): for models that
 * hold a variable number of blocks (encoder levels, attention heads) and call them in their own way. Unlike
 * {@link Sequential} it has no forward of its own.
 */
public final class ModuleList<M extends Module> extends Module implements Iterable<M> {
    private final List<M> modules = new ArrayList<>();

    @SafeVarargs
    public ModuleList(M... modules) {
        for (M m : modules) add(m);
    }

    /** Appends a module; its parameters appear under the next index. */
    public ModuleList<M> add(M module) {
        registerModule(Integer.toString(modules.size()), module);
        modules.add(module);
        return this;
    }

    public M get(int i) { return modules.get(i); }

    public int size() { return modules.size(); }

    @Override
    public Iterator<M> iterator() { return List.copyOf(modules).iterator(); }
}

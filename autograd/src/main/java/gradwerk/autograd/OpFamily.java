package gradwerk.autograd;

import java.util.List;

/**
 * A group of differentiable ops defined together (elementwise, reductions, convolutions...), discovered by
 * {@link java.util.ServiceLoader}: list the implementing class, which needs a public no-argument constructor, in
 * {@code src/main/resources/META-INF/services/gradwerk.autograd.OpFamily} of its module.
 */
public interface OpFamily {
    /** The family's ops, each with its gradient check cases. */
    List<OpRegistry.Entry> ops();

    /** Shown in reports; the class name by default. */
    default String name() {
        return getClass().getSimpleName();
    }
}

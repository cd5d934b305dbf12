package gradwerk.autograd;

/**
 * An op's vector-Jacobian product: given the gradient of the loss with respect to the op's output, the gradients
 * with respect to each of its inputs ({@code gᵀ·∂out/∂input}), each of its input's shape.
 *
 * <p>Rules are written with {@link Variable} ops, not raw tensor loops: so backward runs on whatever device the
 * tensors live on, and, when the engine is asked to create a graph, the rule's own ops are recorded and the
 * gradient can be differentiated again (gradients of gradients). Read saved values with {@link Node#input} and
 * {@link Node#output} (they check the version counter); capture only plain values (shapes, dims, scalars) in
 * the lambda. Return null for an input that gets no gradient (treated as zero).
 */
@FunctionalInterface
public interface VjpRule {
    Variable[] apply(Node node, Variable gradOutput);

    /** Readability helper for rules: {@code (n, g) -> grads(g.mul(...), ...)}. */
    static Variable[] grads(Variable... perInput) {
        return perInput;
    }
}

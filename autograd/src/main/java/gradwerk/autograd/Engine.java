package gradwerk.autograd;

import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reverse-mode differentiation: order the graph's nodes so that every node comes before the nodes that produced
 * its inputs, then walk that order once, handing each node the complete gradient of its output and sending the
 * gradients its rule returns on to the inputs' producers (or, for leaves, to wherever gradients are collected).
 *
 * <p>The two methods between the lines are the whole algorithm; the rest checks arguments.
 */
public final class Engine {
    private Engine() {}

    /** Where a gradient that reached a variable goes: accumulated into a leaf's grad, or collected by {@link #grad}. */
    interface GradSink {
        /** Returns true when it holds on to {@code grad} itself (rather than a copy or a sum). */
        boolean accept(Variable variable, Variable grad);
    }

    // ==================================================================================== the core

    /** Backpropagates {@code seed} (the gradient of {@code root}) through the graph that produced root. */
    static void run(Variable root, Variable seed, boolean retainGraph, boolean createGraph, GradSink sink) {
        if (root.isLeaf()) { sink.accept(root, seed); return; }
        // rules are written with Variable ops: they build a graph of the gradient only when asked to
        try (NoGrad mode = createGraph ? NoGrad.enableGrad() : NoGrad.enter()) {
            GradMemory memory = new GradMemory(createGraph); // releases each gradient once it is used up
            Map<Node, Variable> gradOf = new IdentityHashMap<>(); // gradients of node outputs, summed over consumers
            gradOf.put(root.gradFn(), seed);
            for (Node node : topologicalOrder(root.gradFn())) {
                Variable g = gradOf.remove(node); // complete now: every consumer of the output came earlier
                if (g != null) {
                    List<Variable> consumed = new ArrayList<>(List.of(g));
                    Variable out = node.outputVariable(); // null: unreachable, so nobody can ask for its gradient
                    if (out != null && sink.accept(out, g)) memory.escaped(g);
                    Variable[] grads = memory.backward(node, g);
                    for (int i = 0; i < grads.length; i++) {
                        if (grads[i] == null) continue;
                        Node producer = node.producer(i);
                        if (!node.inputRequiresGrad(i)) consumed.add(grads[i]);
                        else if (producer != null) gradOf.merge(producer, grads[i], (a, b) -> { // a reused value sums
                            consumed.add(a);
                            consumed.add(b);
                            return memory.sum(a, b);
                        });
                        else if (sink.accept(node.leafInput(i), grads[i])) memory.escaped(grads[i]);
                        else consumed.add(grads[i]);
                    }
                    memory.release(consumed, gradOf.values());
                }
                if (!retainGraph) node.free();
            }
        }
    }

    /** The nodes reachable from root, each before its inputs' producers: Kahn's algorithm, with no recursion. */
    static List<Node> topologicalOrder(Node root) {
        Map<Node, Integer> pendingConsumers = new IdentityHashMap<>(); // edges into each node from the graph
        Deque<Node> stack = new ArrayDeque<>(List.of(root));
        while (!stack.isEmpty())
            for (Node producer : producersOf(stack.pop()))
                if (pendingConsumers.merge(producer, 1, Integer::sum) == 1) stack.push(producer); // first visit
        List<Node> order = new ArrayList<>();
        stack.push(root);
        while (!stack.isEmpty()) {
            Node node = stack.pop();
            order.add(node);
            for (Node producer : producersOf(node))
                if (pendingConsumers.merge(producer, -1, Integer::sum) == 0) stack.push(producer); // consumers done
        }
        return order;
    }

    // ====================================================================================

    private static List<Node> producersOf(Node node) {
        List<Node> producers = new ArrayList<>();
        for (int i = 0; i < node.inputCount(); i++)
            if (node.producer(i) != null) producers.add(node.producer(i)); // computed, so it requires grad
        return producers;
    }

    /** {@link Variable#backward(Tensor, boolean)}: leaves accumulate, retained intermediates keep the latest. */
    static void backward(Variable root, Tensor upstream, boolean retainGraph) {
        requireDifferentiable(root);
        requireMatching(root, upstream);
        run(root, Variable.constant(upstream), retainGraph, false, (v, g) -> {
            v.receiveGrad(g.value()); // copies or sums
            return false;
        });
    }

    /**
     * The gradients of {@code output} with respect to {@code inputs}, returned instead of accumulated into
     * {@code .grad} (PyTorch's {@code torch.autograd.grad}). An input the output does not depend on gets zeros.
     *
     * @param upstream    the gradient of the output (its shape); it may itself require grad
     * @param retainGraph keep the graph for another backward pass through it
     * @param createGraph record the backward pass, so that the returned gradients can be differentiated again
     *                    (implies retainGraph: the new graph reaches back into the old one)
     */
    public static Variable[] grad(Variable output, Variable upstream, Variable[] inputs, boolean retainGraph,
                                  boolean createGraph) {
        requireDifferentiable(output);
        requireMatching(output, upstream.value());
        Map<Variable, Variable> found = new IdentityHashMap<>();
        for (Variable in : inputs) found.put(in, null);
        run(output, upstream, retainGraph || createGraph, createGraph, (v, g) -> {
            if (!found.containsKey(v)) return false;
            found.merge(v, g, Variable::add);
            return true;
        });
        Variable[] grads = new Variable[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            Variable g = found.get(inputs[i]);
            grads[i] = g != null ? g : Variable.constant(inputs[i].value().zerosLike());
        }
        return grads;
    }

    private static void requireDifferentiable(Variable root) {
        if (!root.requiresGrad())
            throw new IllegalStateException("backward: this variable does not require grad: none of its inputs"
                    + " requires grad, or it was computed inside a NoGrad scope or from detach()");
    }

    private static void requireMatching(Variable root, Tensor upstream) {
        if (!Arrays.equals(upstream.shape(), root.shape()) || upstream.dtype() != root.dtype())
            throw new IllegalArgumentException("backward: upstream gradient of shape " + Shape.str(upstream.shape())
                    + " " + upstream.dtype() + " does not match the output's " + Shape.str(root.shape()) + " "
                    + root.dtype());
    }
}

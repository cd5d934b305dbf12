package gradwerk.tutorials;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Chapter 1's whole autograd engine: one number that remembers how it was computed (after Karpathy's micrograd).
 *
 * <p>Every operation creates a new {@code Scalar} that keeps its inputs ({@link #parents}) and a small function
 * ({@link #backwardStep}) that applies the chain rule locally: given d(loss)/d(this) in {@link #grad}, add this
 * node's contribution to each parent's grad. {@link #backward()} orders the graph so that every node is processed
 * after all nodes that use it, then runs the steps in that order.
 */
public final class Scalar {
    public double data;
    /** d(loss)/d(this), filled in by {@link #backward()}. */
    public double grad;
    final Scalar[] parents;
    private final String op;
    private Runnable backwardStep = () -> {};

    public Scalar(double data) {
        this(data, "leaf");
    }

    private Scalar(double data, String op, Scalar... parents) {
        this.data = data;
        this.op = op;
        this.parents = parents;
    }

    public Scalar add(Scalar o) {
        Scalar out = new Scalar(data + o.data, "+", this, o);
        // d(a+b)/da = 1, d(a+b)/db = 1. "+=" matters: a node used twice receives two contributions.
        out.backwardStep = () -> {
            this.grad += out.grad;
            o.grad += out.grad;
        };
        return out;
    }

    public Scalar mul(Scalar o) {
        Scalar out = new Scalar(data * o.data, "*", this, o);
        out.backwardStep = () -> {
            this.grad += o.data * out.grad;
            o.grad += this.data * out.grad;
        };
        return out;
    }

    public Scalar pow(double k) {
        Scalar out = new Scalar(Math.pow(data, k), "^" + k, this);
        out.backwardStep = () -> this.grad += k * Math.pow(data, k - 1) * out.grad;
        return out;
    }

    public Scalar tanh() {
        double t = Math.tanh(data);
        Scalar out = new Scalar(t, "tanh", this);
        out.backwardStep = () -> this.grad += (1 - t * t) * out.grad;
        return out;
    }

    public Scalar relu() {
        Scalar out = new Scalar(Math.max(0, data), "relu", this);
        out.backwardStep = () -> this.grad += (data > 0 ? 1 : 0) * out.grad;
        return out;
    }

    public Scalar add(double c) { return add(new Scalar(c)); }
    public Scalar mul(double c) { return mul(new Scalar(c)); }
    public Scalar neg() { return mul(-1); }
    public Scalar sub(Scalar o) { return add(o.neg()); }

    /**
     * Nodes in topological order (every node after its parents), found with an explicit stack instead of
     * recursion: a recursive depth-first search overflows the Java stack on long chains (see the chapter).
     */
    public List<Scalar> topologicalOrder() {
        List<Scalar> order = new ArrayList<>();
        Set<Scalar> visited = new HashSet<>();
        ArrayDeque<Scalar> stack = new ArrayDeque<>();
        ArrayDeque<Integer> nextParent = new ArrayDeque<>(); // how far each stacked node got through its parents
        stack.push(this);
        nextParent.push(0);
        visited.add(this);
        while (!stack.isEmpty()) {
            Scalar node = stack.peek();
            int i = nextParent.pop();
            if (i < node.parents.length) {
                nextParent.push(i + 1);
                Scalar p = node.parents[i];
                if (visited.add(p)) {
                    stack.push(p);
                    nextParent.push(0);
                }
            } else {
                stack.pop();
                order.add(node); // all parents are already in the list
            }
        }
        return order;
    }

    /** Sets d(this)/d(this) = 1 and propagates to every node, in reverse topological order. */
    public void backward() {
        List<Scalar> order = topologicalOrder();
        for (Scalar n : order) n.grad = 0;
        grad = 1;
        for (int i = order.size() - 1; i >= 0; i--) order.get(i).backwardStep.run();
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "Scalar(%s, data=%.4f, grad=%.4f)", op, data, grad);
    }
}

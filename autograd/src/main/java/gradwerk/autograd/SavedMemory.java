package gradwerk.autograd;

import gradwerk.tensor.Storage;
import gradwerk.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What a graph keeps alive for its backward pass: the tensors its nodes saved (see {@link Saves}), counted once per
 * storage (views of one storage share it), grouped by op. The same accounting as PyTorch's
 * {@code torch.autograd.graph.saved_tensors_hooks}, so the two can be compared (tools/bench_pytorch.py).
 */
public final class SavedMemory {
    private SavedMemory() {}

    /**
     * Bytes of the distinct storages saved by the nodes reachable from {@code root}, by op name (in the order the
     * walk meets them), leaving out the storages of {@code exclude} (parameters, the input batch: they exist anyway).
     */
    public static Map<String, Long> byOp(Variable root, Collection<Tensor> exclude) {
        Set<Storage> counted = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Tensor t : exclude) counted.add(t.storage());
        Map<String, Long> bytes = new LinkedHashMap<>();
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Node> todo = new ArrayDeque<>();
        if (root.gradFn() != null) todo.push(root.gradFn());
        while (!todo.isEmpty()) {
            Node n = todo.pop();
            if (!seen.add(n)) continue;
            for (Tensor t : n.savedTensors())
                if (counted.add(t.storage()))
                    bytes.merge(n.op(), (long) t.storage().length() * t.dtype().bytes(), Long::sum);
            for (Node p : n.producers()) todo.push(p);
        }
        return bytes;
    }

    /** The total of {@link #byOp}. */
    public static long bytes(Variable root, Collection<Tensor> exclude) {
        long sum = 0;
        for (long b : byOp(root, exclude).values()) sum += b;
        return sum;
    }
}

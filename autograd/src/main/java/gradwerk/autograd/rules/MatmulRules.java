package gradwerk.autograd.rules;

import gradwerk.autograd.GradCheck.Problem;
import gradwerk.autograd.Node;
import gradwerk.autograd.Saves;
import gradwerk.autograd.OpFamily;
import gradwerk.autograd.OpRegistry.Entry;
import gradwerk.autograd.Sampler;
import gradwerk.autograd.Variable;
import gradwerk.tensor.Shape;

import java.util.List;

import static gradwerk.autograd.VjpRule.grads;

/**
 * Matrix product in every form {@link gradwerk.tensor.Tensor#matmul} accepts: vector·vector, matrix·vector,
 * vector·matrix, matrix·matrix, and batches with broadcast batch dims.
 *
 * <p>For C = A·B the VJP is dA = G·Bᵀ and dB = Aᵀ·G. The rule first undoes the forward's special cases: a 1-d
 * operand becomes a matrix (a row on the left, a column on the right) and the gradient gets back the size-1 dims
 * the result lost; then the two products; then each gradient is summed over broadcast batch dims and reshaped to
 * its operand's shape.
 */
public final class MatmulRules implements OpFamily {
    /** Instantiated by ServiceLoader as the family that registers these ops. */
    public MatmulRules() {}

    public static Variable matmul(Variable a, Variable b) {
        int[] sa = a.shape(), sb = b.shape();
        boolean aVector = sa.length == 1, bVector = sb.length == 1;
        return Node.record("matmul", a.value().matmul(b.value()), Saves.inputs(0, 1), (n, g) -> {
            Variable a2 = aVector ? n.input(0).unsqueeze(0) : n.input(0);
            Variable b2 = bVector ? n.input(1).unsqueeze(1) : n.input(1);
            Variable g2 = g;
            if (bVector) g2 = g2.unsqueeze(-1); // the forward dropped the result's last dim (n = 1)...
            if (aVector) g2 = g2.unsqueeze(-2); // ...and its second-to-last (m = 1)
            Variable gradA = g2.matmul(b2.t()).sumTo(a2.shape()).reshape(sa);
            Variable gradB = a2.t().matmul(g2).sumTo(b2.shape()).reshape(sb);
            return grads(gradA, gradB);
        }, a, b);
    }

    // ---------------------------------------------------------------- registry: names and gradient check cases

    @Override
    public List<Entry> ops() {
        return List.of(Entry.of("matmul",
                s -> product(s, new int[] {k(s)}, null),                                   // vector · vector
                s -> { int k = k(s); return product(s, new int[] {s.between(1, 4), k}, new int[] {k}); },
                s -> { int k = k(s); return product(s, new int[] {k}, new int[] {k, s.between(1, 4)}); },
                s -> { int k = k(s); return product(s, new int[] {s.between(1, 4), k}, new int[] {k, s.between(1, 4)}); },
                s -> { // batched, batch dims broadcast: [2,1,m,k] @ [3,k,n]
                    int k = k(s);
                    return product(s, new int[] {2, 1, s.between(1, 3), k}, new int[] {3, k, s.between(1, 3)});
                },
                s -> { // transposed operands (non-contiguous views made inside the function)
                    int m = s.between(1, 4), k = k(s), p = s.between(1, 4);
                    return Problem.of("matmul of transposed views", v -> v[0].t().matmul(v[1].t()),
                            s.normal(k, m), s.normal(p, k));
                }));
    }

    private static int k(Sampler s) {
        return s.between(1, 4);
    }

    /** A product of the given shapes (b null: the same shape as a). */
    private static Problem product(Sampler s, int[] a, int[] b) {
        int[] bShape = b == null ? a : b;
        return Problem.of("matmul " + Shape.str(a) + " @ " + Shape.str(bShape), v -> v[0].matmul(v[1]),
                s.normal(a), s.normal(bShape));
    }
}

package gradwerk.nn;

import gradwerk.autograd.ForwardScope;
import gradwerk.autograd.GradCheck;
import gradwerk.autograd.OpRegistry;
import gradwerk.autograd.Sampler;
import gradwerk.autograd.Variable;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.TensorScope;
import gradwerk.tensor.cpu.ArrayPool;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every registered op's gradient-check cases, run with the forward pass inside a {@link ForwardScope} and the
 * backward pass freeing the graph: the op results that no node saved are released when the forward returns, the
 * saved ones as backward frees their nodes (the op's inputs and output are made such results, see {@link #inside}). No rule may read a released tensor (that throws), and the gradients
 * must be bit for bit those of the same computation without the scope.
 */
class ForwardScopeOpsTest {
    @Test
    void everyOpsGradientsAreUnchangedWhenItsIntermediatesAreReleased() {
        assertSweep(false);
    }

    /**
     * The same sweep with every new array 3 elements longer than its tensor and NaN there (the pool hands out
     * longer arrays): an op whose forward or backward kernel reads an array's length instead of its tensor's size
     * gets NaN or a wrong sum.
     */
    @Test
    void everyOpIgnoresTheTailOfALongerArray() {
        ArrayPool.padForTesting(3);
        try {
            assertSweep(true);
        } finally {
            ArrayPool.padForTesting(0);
        }
    }

    private static void assertSweep(boolean padded) {
        List<String> failures = new ArrayList<>();
        int cases = 0;
        for (OpRegistry.Entry op : OpRegistry.all()) {
            for (int c = 0; c < op.cases().size(); c++) {
                long seed = 17L * c + op.name().hashCode();
                String label = op.name() + " case " + c;
                try {
                    double[][] plain, scoped;
                    if (padded) {
                        ArrayPool.padForTesting(0);
                        plain = grads(op, c, seed, false);
                        ArrayPool.padForTesting(3);
                    } else {
                        plain = grads(op, c, seed, false);
                    }
                    scoped = grads(op, c, seed, true);
                    if (plain == null) continue; // the output does not depend on the inputs
                    cases++;
                    for (int i = 0; i < plain.length; i++)
                        if (!Arrays.equals(plain[i], scoped[i])) failures.add(label + ": gradient of input " + i + " differs");
                } catch (RuntimeException e) {
                    failures.add(label + ": " + e);
                }
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertTrue(cases > 100, "only " + cases + " cases ran");
    }

    /** The leaves' gradients for a seeded upstream gradient, or null when the output needs none. */
    private static double[][] grads(OpRegistry.Entry op, int c, long seed, boolean scoped) {
        GradCheck.Problem p = op.cases().get(c).sample(new Sampler(seed));
        Variable[] leaves = new Variable[p.inputs().length];
        for (int i = 0; i < leaves.length; i++) leaves[i] = Variable.param(p.inputs()[i].copy());
        try (TensorScope step = TensorScope.open("step")) {
            Variable y;
            if (scoped) {
                try (ForwardScope f = ForwardScope.open(op.name())) {
                    y = f.result(inside(p, leaves));
                }
            } else {
                y = inside(p, leaves);
            }
            if (!y.requiresGrad()) return null;
            y.backward(Tensor.randn(new Generator(seed), y.shape()).to(y.dtype()));
        }
        double[][] out = new double[leaves.length][];
        for (int i = 0; i < leaves.length; i++)
            out[i] = leaves[i].grad() == null ? new double[0] : leaves[i].grad().toDoubleArray();
        return out;
    }

    /**
     * The case's function with its inputs and its output made intermediates of the scope: the inputs are copies
     * computed inside it (x + 0) and the result is y · 1, so that what the op saves, inputs or output, is an op
     * result the scope manages. Both change no bit of the gradients.
     */
    private static Variable inside(GradCheck.Problem p, Variable[] leaves) {
        Variable[] in = new Variable[leaves.length];
        for (int i = 0; i < in.length; i++) in[i] = leaves[i].add(0);
        return p.function().apply(in).mul(1);
    }

    @Test
    void theScopeReallyReleasesIntermediates() {
        // exp's output is saved (its own rule reads it), mul's is not (sum needs no tensor): see ForwardScopeTest for
        // the details; here only that the sweep above runs with releases happening at all
        Variable x = Variable.param(Tensor.randn(new Generator(3), 8, 8).to(gradwerk.tensor.DType.FLOAT64));
        try (TensorScope step = TensorScope.open("step")) {
            Variable h, y;
            try (ForwardScope f = ForwardScope.open("f")) {
                h = x.mul(2);
                y = f.result(h.exp().sum());
            }
            assertTrue(h.value().storage().isReleased(), "mul's output, which exp did not save, is released");
            y.backward();
        }
        assertEquals(64, x.grad().numel());
    }
}

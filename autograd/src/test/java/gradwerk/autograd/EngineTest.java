package gradwerk.autograd;

import gradwerk.tensor.DType;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static gradwerk.autograd.VjpRule.grads;
import static org.junit.jupiter.api.Assertions.*;

/** The engine's contract: ordering, accumulation, broadcasting, views, modes, and its error messages. */
class EngineTest {

    static Tensor t(double... v) { return Tensor.of(v, v.length); }

    static Tensor t(int[] shape, double... v) { return Tensor.of(v, shape); }

    static void assertValues(Tensor actual, double... expected) {
        assertArrayEquals(expected, actual.toDoubleArray(), 1e-12, actual.toString());
    }

    @Test
    void aReusedNodeGetsTheSumOfItsGradients() {
        Variable a = Variable.param(t(1, 2, 3));
        Variable b = a.add(a);      // b = 2a, used twice below
        Variable c = b.mul(b);      // c = 4a², dc/da = 8a
        c.sum().backward();
        assertValues(a.grad(), 8, 16, 24);
    }

    @Test
    void diamondGraphsVisitEachNodeOnceAfterAllItsConsumers() {
        Variable x = Variable.param(t(0.5, -1));
        Variable s = x.sin();
        Variable y = s.mul(s.exp()).add(s.square()).sum(); // s feeds three consumers
        y.backward();
        for (int i = 0; i < 2; i++) {
            double xi = x.value().get(i), si = Math.sin(xi);
            double dyds = Math.exp(si) * (1 + si) + 2 * si;
            assertEquals(dyds * Math.cos(xi), x.grad().get(i), 1e-12);
        }
    }

    @Test
    void broadcastGradientsAreSummedBackToEachInputsShape() {
        Variable a = Variable.param(t(new int[] {2, 3}, 1, 2, 3, 4, 5, 6));
        Variable b = Variable.param(t(10, 20, 30));
        Variable c = Variable.param(Tensor.scalar(DType.FLOAT64, 2));
        a.mul(b).mul(c).sum().backward();
        assertValues(a.grad(), 20, 40, 60, 20, 40, 60);
        assertValues(b.grad(), 10, 14, 18);  // (1+4)·2, (2+5)·2, (3+6)·2
        assertValues(c.grad(), 10 + 40 + 90 + 40 + 100 + 180);
        assertArrayEquals(new int[0], c.grad().shape());
    }

    @Test
    void gradientsFlowThroughViewsOfNonContiguousInputs() {
        Tensor storage = Tensor.arange(DType.FLOAT64, 0, 12, 1).reshape(3, 4);
        Variable x = Variable.param(storage.t());                 // [4,3], non-contiguous leaf
        Variable y = x.slice(0, 1, 4, 2).select(1, 2);            // rows 1 and 3, column 2
        y.mul(Variable.constant(t(5, 7))).sum().backward();
        assertArrayEquals(new int[] {4, 3}, x.grad().shape());
        assertValues(x.grad(), 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 7);
    }

    @Test
    void backwardWithAnUpstreamGradientOfAnyShape() {
        Variable x = Variable.param(t(new int[] {2, 2}, 1, 2, 3, 4));
        x.square().backward(t(new int[] {2, 2}, 1, 0, 0, 2));
        assertValues(x.grad(), 2, 0, 0, 16);
        var wrong = assertThrows(IllegalArgumentException.class, () -> x.square().backward(t(1, 2)));
        assertTrue(wrong.getMessage().contains("does not match the output's [2,2]"), wrong.getMessage());
        var notScalar = assertThrows(IllegalArgumentException.class, () -> x.square().backward());
        assertTrue(notScalar.getMessage().contains("not a scalar"), notScalar.getMessage());
    }

    @Test
    void leafGradientsAccumulateUntilZeroGradAndIntermediatesKeepNone() {
        Variable x = Variable.param(t(1, 2));
        Variable mid = x.mul(3);
        Variable y = mid.sum();
        y.backward(Tensor.scalar(DType.FLOAT64, 1), true);
        y.backward(Tensor.scalar(DType.FLOAT64, 1), true);
        assertValues(x.grad(), 6, 6);
        assertNull(mid.grad(), "intermediate variables keep no gradient unless asked");
        x.zeroGrad();
        assertNull(x.grad());
        mid.retainGrad();
        y.backward(Tensor.scalar(DType.FLOAT64, 1), true);
        y.backward(Tensor.scalar(DType.FLOAT64, 1), true);
        assertValues(mid.grad(), 1, 1); // retained intermediates keep the latest, not a sum
        assertValues(x.grad(), 6, 6);
    }

    @Test
    void leafGradientsNeverShareStorage() {
        Variable a = Variable.param(t(1, 2)), b = Variable.param(t(3, 4));
        a.add(b).sum().backward();  // add hands the same gradient to both inputs
        a.grad().mulInPlace(10);    // e.g. gradient clipping of one parameter
        assertValues(b.grad(), 1, 1);
    }

    @Test
    void aFreedGraphCannotBeReusedAndRetainGraphAllowsIt() {
        Variable x = Variable.param(t(1, 2));
        Variable y = x.exp().sum();
        y.backward();
        var e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("'sum' was already freed"), e.getMessage());
        assertTrue(e.getMessage().contains("retainGraph"), e.getMessage());

        Variable z = x.exp().sum();
        z.backward(Tensor.scalar(DType.FLOAT64, 1), true);
        z.backward();
        assertThrows(IllegalStateException.class, z::backward);
    }

    @Test
    void aGraphOfAHundredThousandNodesDoesNotOverflowTheStack() {
        Variable x = Variable.param(t(1.0));
        Variable y = x;
        for (int i = 0; i < 100_000; i++) y = y.add(1e-5);
        y.sum().backward();
        assertValues(x.grad(), 1);
    }

    @Test
    void noGradScopesRecordNothingAndNestAndDetachCutsTheGraph() {
        Variable x = Variable.param(t(1, 2));
        try (var _ = NoGrad.enter()) {
            Variable y = x.mul(2);
            assertFalse(y.requiresGrad());
            assertNull(y.gradFn());
            try (var _ = NoGrad.enter()) {
                assertFalse(NoGrad.isGradEnabled());
            }
            assertFalse(NoGrad.isGradEnabled());
            var e = assertThrows(IllegalStateException.class, () -> y.sum().backward());
            assertTrue(e.getMessage().contains("NoGrad"), e.getMessage());
        }
        assertTrue(NoGrad.isGradEnabled());
        Variable d = x.mul(2).detach();
        assertFalse(d.requiresGrad());
        d.mul(x).sum().backward();
        assertValues(x.grad(), 2, 4); // only the path through x itself
    }

    @Test
    void constantsGetNoGradientAndDtypesAreKept() {
        Variable w = Variable.param(Tensor.of(new float[] {1, 2}));
        Variable data = Variable.constant(Tensor.of(new float[] {3, 4}));
        w.mul(data).sum().backward();
        assertNull(data.grad());
        assertEquals(DType.FLOAT32, w.grad().dtype());
        assertValues(w.grad(), 3, 4);
    }

    @Test
    void anInPlaceChangeToASavedInputIsReportedWithTheOpsName() {
        Variable x = Variable.param(t(1, 2)), w = Variable.param(t(3, 4));
        Variable y = x.mul(w).sum();
        w.value().addInPlace(Tensor.scalar(DType.FLOAT64, 1)); // e.g. an optimiser step before backward
        var e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().startsWith("backward: the input 0 of 'mul' saved for its gradient was modified in place (version 0 → 1)")
                || e.getMessage().startsWith("backward: the input 1 of 'mul' saved for its gradient was modified in place (version 0 → 1)"),
                e.getMessage());
    }

    @Test
    void anInPlaceChangeThroughAViewOrToASavedOutputIsReported() {
        Variable x = Variable.param(t(1, 2, 3));
        Variable y = x.exp();
        Variable loss = y.sum();
        y.value().narrow(0, 1, 1).fill(0); // writes into exp's saved output through a view
        var e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains("the output of 'exp' saved for its gradient was modified in place"), e.getMessage());

        Tensor base = t(1, 2, 3, 4);
        Variable v = Variable.param(base.narrow(0, 0, 2));
        Variable s = v.sin().sum();
        base.narrow(0, 3, 1).fill(9); // another view of the same storage
        assertThrows(IllegalStateException.class, s::backward);
    }

    @Test
    void opsThatDoNotReadTheirInputsAreNotFooledByInPlaceChanges() {
        Variable x = Variable.param(t(1, 2));
        Variable y = x.add(Variable.param(t(3, 4))).sum(); // add's gradient does not depend on values
        x.value().mulInPlace(5);
        y.backward();
        assertValues(x.grad(), 1, 1);
    }

    @Test
    void anUnregisteredOpCannotRecordANode() {
        Variable x = Variable.param(t(1));
        var e = assertThrows(IllegalStateException.class, () -> Node.record("mystery", x.value(), (n, g) -> grads(g), x));
        assertTrue(e.getMessage().contains("op 'mystery' records a graph node but is not registered"), e.getMessage());
        // without grad there is nothing to record, so nothing to check
        assertFalse(Node.record("mystery", x.value(), (n, g) -> grads(g), Variable.constant(x.value())).requiresGrad());
    }

    @Test
    void aRuleReturningTheWrongShapeIsReportedWithTheOpsName() {
        CheckCase c = s -> GradCheck.Problem.of("badShape", v -> v[0], s.normal(2));
        try (var _ = OpRegistry.register("test", OpRegistry.Entry.of("badShape", c))) {
            Variable x = Variable.param(t(1, 2));
            Variable y = Node.record("badShape", x.value().sum(), (n, g) -> grads(g), x);
            var e = assertThrows(IllegalStateException.class, y::backward);
            assertEquals("backward: the rule of 'badShape' returned a gradient of shape [] float64 for its input 0 of shape [2] float64", e.getMessage());
        }
    }

    @Test
    void gradientsOfGradients() {
        Variable x = Variable.param(t(1, 2, 3));
        Variable y = x.pow(3).sum();
        Variable[] dx = Engine.grad(y, Variable.constant(Tensor.scalar(DType.FLOAT64, 1)), new Variable[] {x}, false, true);
        assertValues(dx[0].value(), 3, 12, 27);     // 3x²
        dx[0].sum().backward();
        assertValues(x.grad(), 6, 12, 18);          // 6x
    }

    @Test
    void backwardFromALeafAndGradWithRespectToAnUnusedInput() {
        Variable x = Variable.param(t(1, 2));
        x.backward(t(5, 6));
        assertValues(x.grad(), 5, 6);
        Variable unused = Variable.param(t(7));
        Variable[] g = Engine.grad(x.mul(2).sum(), Variable.constant(Tensor.scalar(DType.FLOAT64, 1)), new Variable[] {x, unused}, false, false);
        assertValues(g[0].value(), 2, 2);
        assertValues(g[1].value(), 0);
    }

    @Test
    void topologicalOrderPutsConsumersBeforeProducers() {
        Variable x = Variable.param(t(1, 2));
        Variable a = x.exp(), b = a.sin(), c = a.mul(b);
        List<Node> order = Engine.topologicalOrder(c.gradFn());
        assertEquals(List.of("mul", "sin", "exp"), order.stream().map(Node::op).toList());
    }

    // ---------------------------------------------------------------- what a node keeps alive (Saves)

    @Test
    void anIntermediateNoRuleSavedIsReclaimedBeforeBackward() throws InterruptedException {
        Variable x = Variable.param(t(-1, 2, -3, 4));
        Variable scaled = x.mul(3);                 // mulScalar saves nothing
        Variable y = scaled.relu();                 // relu saves only its output
        var scaledRef = new java.lang.ref.WeakReference<>(scaled);
        var scaledValue = new java.lang.ref.WeakReference<>(scaled.value());
        scaled = null;
        for (int i = 0; i < 50 && (scaledRef.get() != null || scaledValue.get() != null); i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertNull(scaledRef.get(), "the relu input, which no rule saved, is still reachable from the graph");
        assertNull(scaledValue.get(), "its tensor is still reachable from the graph");
        y.sum().backward();                         // the graph still works without it
        assertValues(x.grad(), 0, 3, 0, 3);
    }

    @Test
    void aSavedInputStaysAliveAndRetainGradStillWorksOnAnUnsavedOne() {
        Variable x = Variable.param(t(1, 2));
        Variable a = x.mul(2);                      // read by mul below, so saved there
        Variable b = a.add(x);                      // add saves nothing
        b.retainGrad();
        Variable y = b.mul(a).sum();
        y.backward();
        assertValues(b.grad(), 2, 4);               // dy/db = a
        assertValues(x.grad(), 12, 24);             // y = Σ 3x·2x = Σ 6x², dy/dx = 12x
    }

    @Test
    void aRuleThatReadsWhatItDidNotSaveNamesTheOp() {
        CheckCase c = s -> GradCheck.Problem.of("forgetful", v -> v[0], s.normal(2));
        try (var _ = OpRegistry.register("test", OpRegistry.Entry.of("forgetful", c))) {
            Variable x = Variable.param(t(1, 2));
            Variable y = Node.record("forgetful", x.value().mul(2), Saves.NOTHING, (n, g) -> grads(g.mul(n.input(0))), x);
            var e = assertThrows(IllegalStateException.class, () -> y.sum().backward());
            assertTrue(e.getMessage().contains("the rule of 'forgetful' reads its input 0, which it did not save"), e.getMessage());
            Variable z = Node.record("forgetful", x.value().mul(2), Saves.inputs(0), (n, g) -> grads(g.mul(n.output())), x);
            e = assertThrows(IllegalStateException.class, () -> z.sum().backward());
            assertTrue(e.getMessage().contains("the rule of 'forgetful' reads its output, which it did not save"), e.getMessage());
            var bad = assertThrows(IllegalArgumentException.class,
                    () -> Node.record("forgetful", x.value(), Saves.inputs(1), (n, g) -> grads(g), x));
            assertTrue(bad.getMessage().contains("saves input 1 but has 1 inputs"), bad.getMessage());
        }
    }

    @Test
    void savedMemoryCountsEachSavedStorageOnceAndOnlyWhatRulesKeep() {
        Variable x = Variable.param(t(1, 2, 3, 4));
        Variable e = x.exp();                        // saves its output: 4 doubles
        Variable v = e.reshape(2, 2);               // a view of e's storage; reshape saves nothing
        Variable y = v.mul(v).add(v).sum();         // mul saves v twice: the same storage as e
        var byOp = SavedMemory.byOp(y, java.util.List.of(x.value()));  // counted under exp or mul, whichever comes first
        assertEquals(1, byOp.size(), byOp.toString());
        assertTrue(byOp.containsKey("exp") || byOp.containsKey("mul"), byOp.toString());
        assertEquals(32L, SavedMemory.bytes(y, java.util.List.of(x.value())));
        assertEquals(32L, SavedMemory.bytes(y, java.util.List.of()));      // x is not saved at all: exp keeps its output
    }
}

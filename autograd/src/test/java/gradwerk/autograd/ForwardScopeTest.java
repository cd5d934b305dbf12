package gradwerk.autograd;

import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.TensorScope;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a {@link ForwardScope} releases, and when. */
class ForwardScopeTest {
    private static Variable param() {
        return Variable.param(Tensor.randn(new Generator(5), 6, 7).to(DType.FLOAT64));
    }

    @Test
    void unsavedResultsGoAtCloseSavedOnesWhenBackwardHasFreedTheirNodes() {
        Variable x = param();
        try (TensorScope step = TensorScope.open("step")) {
            Variable a, b, y;
            try (ForwardScope f = ForwardScope.open("block")) {
                a = x.mul(3);          // read by nobody's rule: exp saves its output, not its input
                b = a.exp();           // saved by exp (its output) and by mul below (an input)
                y = f.result(b.mul(b).sum());
            }
            assertTrue(a.value().storage().isReleased(), "an unsaved op result is released when the forward returns");
            assertFalse(b.value().storage().isReleased(), "a saved one waits for backward");
            assertFalse(y.value().storage().isReleased(), "the result is the caller's");
            assertFalse(x.value().storage().isReleased(), "an input from outside is not the scope's");
            y.backward();
            assertTrue(b.value().storage().isReleased(), "backward freed exp's and mul's nodes, the last holders");
            assertFalse(y.value().storage().isReleased());
            assertEquals(y.item(), y.item()); // still readable inside the step
        }
        // d/dx sum(exp(3x)²) = 6 exp(6x)
        double[] g = x.grad().toDoubleArray(), v = x.value().toDoubleArray();
        for (int i = 0; i < v.length; i++) assertEquals(6 * Math.exp(6 * v[i]), g[i], 1e-9 * Math.abs(g[i]));
    }

    @Test
    void retainGraphKeepsSavedResultsUntilTheStepEnds() {
        Variable x = param();
        Variable b;
        try (TensorScope step = TensorScope.open("step")) {
            Variable y;
            try (ForwardScope f = ForwardScope.open("block")) {
                b = x.exp();
                y = f.result(b.sum());
            }
            y.backward(Tensor.scalar(DType.FLOAT64, 1), true);
            assertFalse(b.value().storage().isReleased(), "the graph is retained, so exp's node still holds it");
            y.backward(Tensor.scalar(DType.FLOAT64, 1), true); // and can run again
        }
        assertTrue(b.value().storage().isReleased(), "the step scope releases it as before");
    }

    @Test
    void tensorsThatAreNotOpResultsAndPersistedOnesStay() {
        Variable x = param();
        Tensor aux, kept;
        try (TensorScope step = TensorScope.open("step")) {
            try (ForwardScope f = ForwardScope.open("block")) {
                aux = Tensor.zeros(DType.FLOAT64, 5);   // a rule could capture such a tensor: never released here
                kept = TensorScope.persist(x.mul(2).value()); // a module keeping a map to plot it later
                f.result(x.sum());
            }
            assertFalse(aux.storage().isReleased());
            assertFalse(kept.storage().isReleased());
        }
        assertTrue(aux.storage().isReleased(), "the step scope owns it");
        assertFalse(kept.storage().isReleased(), "persisted: nobody owns it");
    }

    @Test
    void anInnerScopesResultIsAnIntermediateOfTheOuterOne() {
        Variable x = param();
        try (TensorScope step = TensorScope.open("step")) {
            Variable inner, y;
            try (ForwardScope outer = ForwardScope.open("outer")) {
                try (ForwardScope f = ForwardScope.open("inner")) {
                    inner = f.result(x.mul(2));
                }
                assertFalse(inner.value().storage().isReleased());
                y = outer.result(inner.sum()); // sum saves nothing
            }
            assertTrue(inner.value().storage().isReleased(), "the outer scope released the inner one's result");
            y.backward();
        }
        assertEquals(2, x.grad().toDoubleArray()[0], 0);
    }

    @Test
    void withoutGradModeEveryIntermediateGoesAtClose() {
        Variable x = param();
        try (TensorScope step = TensorScope.open("step"); NoGrad mode = NoGrad.enter()) {
            Variable a, y;
            try (ForwardScope f = ForwardScope.open("eval")) {
                a = x.exp();
                y = f.result(a.mul(a));
            }
            assertTrue(a.value().storage().isReleased());
            assertFalse(y.value().storage().isReleased());
        }
    }

    @Test
    void readingAReleasedIntermediateThrowsInsteadOfReturningStaleNumbers() {
        Variable x = param();
        try (TensorScope step = TensorScope.open("step")) {
            Variable a;
            try (ForwardScope f = ForwardScope.open("block")) {
                a = x.mul(3);
                f.result(a.sum());
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.value().toDoubleArray());
            assertTrue(e.getMessage().contains("released"), e.getMessage());
        }
    }
}

package gradwerk.nn.module;

import gradwerk.autograd.GradCheck;
import gradwerk.autograd.Variable;
import gradwerk.nn.Module;
import gradwerk.nn.Parameter;
import gradwerk.nn.Sequential;
import gradwerk.nn.io.StateDicts;
import gradwerk.nn.layers.Activation.ReLU;
import gradwerk.nn.layers.Activation.Tanh;
import gradwerk.nn.layers.Flatten;
import gradwerk.nn.layers.Linear;
import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The module tree: registration order, dotted names, state dicts, modes, moving, printing. */
class ModuleTest {
    /** A module with a parameter, a buffer, a transient buffer and two children. */
    static final class Net extends Module {
        final Parameter scale = registerParameter("scale", Tensor.ones(1));
        final Tensor counter = registerBuffer("counter", Tensor.zeros(1));
        final Linear fc1, fc2;

        Net(Generator g) {
            registerBuffer("cache", Tensor.zeros(2), false);
            fc1 = registerModule("fc1", new Linear(3, 4, g));
            fc2 = registerModule("fc2", new Linear(4, 2, false, g));
        }

        @Override
        public Variable forward(Variable x) {
            return fc2.forward(fc1.forward(x).relu()).mul(scale.v());
        }
    }

    @Test
    void namesAreDottedAndInRegistrationOrder() {
        Net net = new Net(new Generator(0));
        assertEquals(List.of("scale", "fc1.weight", "fc1.bias", "fc2.weight"), List.copyOf(net.namedParameters().keySet()));
        // PyTorch's state dict order: per module its parameters, then its (persistent) buffers, then the children
        assertEquals(List.of("scale", "counter", "fc1.weight", "fc1.bias", "fc2.weight"), List.copyOf(net.stateDict().keySet()));
        assertEquals(List.of("counter", "cache"), List.copyOf(net.namedBuffers().keySet()));
        assertEquals(List.of("", "fc1.", "fc2."), List.copyOf(net.namedModules().keySet()));
        assertEquals(1 + 3 * 4 + 4 + 4 * 2, net.parameterCount());
        assertSame(net.fc1.weight().value(), net.stateDict().get("fc1.weight"));
    }

    @Test
    void sequentialNamesChildrenByIndex() {
        Generator g = new Generator(0);
        Sequential s = new Sequential(new Flatten(), new Linear(4, 3, g), new ReLU(), new Linear(3, 1, g));
        assertEquals(List.of("1.weight", "1.bias", "3.weight", "3.bias"), List.copyOf(s.stateDict().keySet()));
        assertArrayEquals(new int[] {5, 1}, s.forward(Tensor.zeros(5, 2, 2)).shape());
        assertEquals("""
                Sequential(
                  (0): Flatten(start_dim=1)
                  (1): Linear(4→3)
                  (2): ReLU()
                  (3): Linear(3→1)
                )""", s.toString());
    }

    @Test
    void moduleListNamesByIndexAndIterates() {
        Generator g = new Generator(0);
        gradwerk.nn.ModuleList<Linear> blocks = new gradwerk.nn.ModuleList<>(new Linear(2, 2, g)).add(new Linear(2, 3, false, g));
        assertEquals(List.of("0.weight", "0.bias", "1.weight"), List.copyOf(blocks.stateDict().keySet()));
        Variable x = Variable.constant(Tensor.ones(1, 2));
        for (Linear l : blocks) x = l.forward(x);
        assertArrayEquals(new int[] {1, 3}, x.shape());
        assertEquals(2, blocks.size());
    }

    @Test
    void trainAndEvalReachTheWholeTree() {
        Net net = new Net(new Generator(0));
        assertTrue(net.fc2.isTraining());
        net.eval();
        assertFalse(net.isTraining());
        assertFalse(net.fc2.isTraining());
        net.train();
        assertTrue(net.fc1.isTraining());
    }

    @Test
    void stateDictRoundTripsAndLoadsInPlace() {
        Net a = new Net(new Generator(1)), b = new Net(new Generator(2));
        Tensor liveWeight = b.fc1.weight().value();
        b.loadStateDict(a.stateDict(), true);
        assertSame(liveWeight, b.fc1.weight().value()); // same storage: an optimiser holding it stays valid
        for (Map.Entry<String, Tensor> e : a.stateDict().entrySet())
            assertArrayEquals(e.getValue().toFloatArray(), b.stateDict().get(e.getKey()).toFloatArray(), e.getKey());
    }

    @Test
    void loadStateDictNamesMissingUnexpectedAndMisShapedEntries() {
        Net net = new Net(new Generator(1));
        Map<String, Tensor> sd = new LinkedHashMap<>(net.stateDict());
        sd.remove("fc1.bias");
        sd.put("fc3.weight", Tensor.zeros(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.loadStateDict(sd, true));
        assertTrue(e.getMessage().contains("'fc1.bias' [4] is missing"), e.getMessage());
        assertTrue(e.getMessage().contains("unexpected entry 'fc3.weight'"), e.getMessage());
        StateDicts.LoadResult r = net.loadStateDict(sd, false);
        assertEquals(List.of("fc1.bias"), r.missing());
        assertEquals(List.of("fc3.weight"), r.unexpected());
        sd.put("fc2.weight", Tensor.zeros(4, 2));
        e = assertThrows(IllegalArgumentException.class, () -> net.loadStateDict(sd, false));
        assertTrue(e.getMessage().contains("'fc2.weight' has shape [4,2] in the file but [2,4] in the module"), e.getMessage());
    }

    @Test
    void zeroGradAndSharedParameters() {
        Generator g = new Generator(0);
        Linear shared = new Linear(2, 2, g);
        Sequential s = new Sequential(shared, new Tanh(), shared);
        assertEquals(2, s.parameters().size());       // shared ones count once
        assertEquals(4, s.stateDict().size());         // but appear under both names, as in PyTorch
        s.forward(Tensor.ones(1, 2)).sum().backward();
        assertTrue(shared.weight().grad() != null);
        s.zeroGrad();
        assertNull(shared.weight().grad());
    }

    @Test
    void toDTypeCastsParametersAndBuffersAndTheWholeModelGradChecks() {
        Net net = new Net(new Generator(3));
        net.to(DType.FLOAT64);
        assertEquals(DType.FLOAT64, net.fc1.weight().dtype());
        assertEquals(DType.FLOAT64, net.namedBuffers().get("counter").dtype());
        // gradient check of the whole model w.r.t. its input and one weight (both float64 now)
        Tensor x = Tensor.randn(DType.FLOAT64, new Generator(4), 5, 3);
        GradCheck.Result r = GradCheck.check("Net", v -> net.forward(v[0]), x);
        assertTrue(r.passed(), r.message());
    }

    @Test
    void freezingAndErrors() {
        Net net = new Net(new Generator(3));
        net.fc1.weight().requiresGrad(false);
        assertEquals(net.parameterCount() - 12, net.trainableParameterCount());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.fc1.forward(Tensor.zeros(2, 5)));
        assertEquals("Linear(3→4): input [2,5] has 5 features in its last dim, expected 3", e.getMessage());
        UnsupportedOperationException u = assertThrows(UnsupportedOperationException.class,
                () -> new Module() {}.forward(Tensor.zeros(1)));
        assertTrue(u.getMessage().contains("does not take a single input"), u.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Module() {
            { registerParameter("w", Tensor.zeros(1)); registerBuffer("w", Tensor.zeros(1)); }
        });
        assertTrue(e.getMessage().contains("'w' is already registered"), e.getMessage());
    }

    @Test
    void linearMatchesTheFormula() {
        Linear l = new Linear(3, 2, new Generator(5));
        Tensor x = Tensor.randn(new Generator(6), 4, 3);
        Tensor want = x.matmul(l.weight().value().t()).add(l.bias().value());
        assertTrue(want.allClose(l.forward(x).value(), 1e-6, 1e-7));
        assertNotSame(l.weight().value(), new Linear(3, 2, new Generator(5)).weight().value());
        assertArrayEquals(l.weight().value().toFloatArray(), new Linear(3, 2, new Generator(5)).weight().value().toFloatArray());
    }
}

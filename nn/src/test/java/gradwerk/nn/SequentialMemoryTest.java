package gradwerk.nn;

import gradwerk.autograd.Variable;
import gradwerk.nn.layers.Activation;
import gradwerk.nn.layers.Linear;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.TensorScope;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A Sequential frees the values between its layers as PyTorch does, and the gradients do not change. */
class SequentialMemoryTest {
    /** Passes its input on doubled and remembers both (a test probe, not something a module should do). */
    static final class Probe extends Module {
        Variable in, out;

        @Override
        public Variable forward(Variable x) {
            in = x;
            out = x.mul(2);
            return out;
        }
    }

    @Test
    void valuesBetweenLayersAreFreedWhenNobodySavedThemOrWhenBackwardPassedThem() {
        Sequential net = new Sequential(new Linear(6, 5, new Generator(1)), new Probe(), new Activation.Tanh(),
                new Probe(), new Linear(5, 3, new Generator(2)));
        Tensor x = Tensor.randn(new Generator(3), 4, 6);
        float[][] expected = gradients(net, x, false);
        float[][] got = gradients(net, x, true);
        for (int i = 0; i < expected.length; i++) assertArrayEquals(expected[i], got[i], "parameter " + i);
    }

    /** The parameters' gradients after one backward pass through net, or through its layers chained by hand. */
    private static float[][] gradients(Sequential net, Tensor x, boolean sequential) {
        Probe first = (Probe) net.get(1), second = (Probe) net.get(3);
        net.zeroGrad();
        try (TensorScope step = TensorScope.open("step")) {
            if (sequential) {
                Variable y = net.forward(x).square().sum();
                assertTrue(first.in.value().storage().isReleased(), "the first Linear's output: saved by nobody");
                assertTrue(first.out.value().storage().isReleased(), "tanh's input: tanh saves its output instead");
                assertFalse(second.in.value().storage().isReleased(), "tanh's output: its rule reads it");
                assertFalse(second.out.value().storage().isReleased(), "the last Linear's input: its weight gradient");
                y.backward();
                assertTrue(second.in.value().storage().isReleased(), "backward has passed tanh");
                assertTrue(second.out.value().storage().isReleased(), "backward has passed the last Linear");
            } else {
                Variable h = Variable.constant(x);
                for (int i = 0; i < net.size(); i++) h = net.get(i).forward(h);
                h.square().sum().backward();
            }
        }
        return net.parameters().stream().map(p -> p.grad().toFloatArray()).toArray(float[][]::new);
    }
}

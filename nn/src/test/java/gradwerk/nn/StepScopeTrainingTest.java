package gradwerk.nn;

import gradwerk.autograd.Variable;
import gradwerk.nn.layers.BatchNorm2d;
import gradwerk.nn.layers.Conv2d;
import gradwerk.nn.loss.CrossEntropy;
import gradwerk.nn.optim.Adam;
import gradwerk.nn.optim.Optimizer;
import gradwerk.tensor.Device;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.TensorScope;
import gradwerk.tensor.cpu.ArrayPool;
import gradwerk.tensor.opencl.ClBuffer;
import gradwerk.tensor.opencl.OpenClPlatforms;
import gradwerk.tensor.opencl.OpenClStorage;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Training with one TensorScope per step: the same bits as without, and no new large arrays after the first step. */
class StepScopeTrainingTest {
    private static final int STEPS = 5;

    private static final class Net extends Module {
        final Conv2d conv1, conv2;
        final BatchNorm2d bn;

        Net(Generator g) {
            conv1 = registerModule("conv1", new Conv2d(1, 8, 3, 1, 1, g));
            bn = registerModule("bn", new BatchNorm2d(8));
            conv2 = registerModule("conv2", new Conv2d(8, 3, 3, 1, 1, g));
        }

        @Override
        public Variable forward(Variable x) {
            return conv2.forward(bn.forwardRelu(conv1.forward(x)));
        }
    }

    private record Run(double[] losses, List<float[]> state, long[] newArrays) {}

    private static Run train(boolean scoped) {
        return train(scoped, Device.CPU);
    }

    private static Run train(boolean scoped, Device device) {
        Generator g = new Generator(11);
        Net net = new Net(g);
        net.to(device);
        Optimizer opt = new Adam(net.parameters(), 1e-2);
        Tensor x = Tensor.randn(g, 2, 1, 16, 16).to(device), y = Tensor.randint(g, 0, 3, 2, 16, 16).to(device);
        double[] losses = new double[STEPS];
        long[] newArrays = new long[STEPS];
        for (int s = 0; s < STEPS; s++) {
            long fresh = ArrayPool.stats().fresh();
            try (TensorScope step = scoped ? TensorScope.open("step") : null) {
                Variable loss = CrossEntropy.crossEntropy(net.forward(Variable.constant(x)), y);
                opt.zeroGrad();
                loss.backward();
                opt.step();
                losses[s] = loss.item();
            }
            newArrays[s] = ArrayPool.stats().fresh() - fresh;
        }
        List<float[]> state = new ArrayList<>();
        net.stateDict().values().forEach(t -> state.add(t.toFloatArray()));
        for (Parameter p : net.parameters()) state.add(p.v().grad().toFloatArray()); // readable after the scopes
        return new Run(losses, state, newArrays);
    }

    @Test
    void scopedStepsTrainBitForBitAsUnscopedOnesAndStopAllocating() {
        Run plain = train(false), scoped = train(true);
        assertArrayEquals(plain.losses(), scoped.losses());
        assertEquals(plain.state().size(), scoped.state().size());
        for (int i = 0; i < plain.state().size(); i++) assertArrayEquals(plain.state().get(i), scoped.state().get(i));
        for (int s = 1; s < STEPS; s++)
            assertEquals(0, scoped.newArrays()[s], "step " + s + " allocated new large arrays: " + scoped.newArrays()[s]);
    }

    @Test
    void onOpenClTheSameBitsAndTheStepsBuffersGoBackToThePoolWhenItEnds() {
        Device cl = openCl();
        Run plain = train(false, cl), scoped = train(true, cl);
        assertArrayEquals(plain.losses(), scoped.losses());
        for (int i = 0; i < plain.state().size(); i++) assertArrayEquals(plain.state().get(i), scoped.state().get(i));
        Variable logits;
        ClBuffer buffer;
        try (TensorScope step = TensorScope.open("step")) {
            Tensor x = Tensor.randn(new Generator(4), 2, 1, 16, 16).to(cl);
            logits = new Net(new Generator(3)).to(cl).forward(Variable.constant(x));
            buffer = ((OpenClStorage) logits.value().storage()).buffer();
        }
        assertTrue(buffer.isClosed(), "the buffer went back to the context's pool");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> logits.value().sum());
        assertTrue(e.getMessage().contains("released"), e.getMessage());
    }

    /** The OpenCL device (skipped with the reason when there is none; fails with CI=true). */
    private static Device openCl() {
        Optional<String> reason = OpenClPlatforms.unavailableReason();
        if (reason.isPresent()) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) fail("CI=true, so OpenCL must work here, but: " + reason.get());
            Assumptions.abort("no OpenCL: " + reason.get());
        }
        return Device.get(System.getProperty("gradwerk.test.opencl", "opencl"));
    }

    @Test
    void aStepsOutputReadAfterItsScopeFailsLoudly() {
        Generator g = new Generator(2);
        Net net = new Net(g);
        Variable logits;
        try (TensorScope step = TensorScope.open("step")) {
            logits = net.forward(Variable.constant(Tensor.randn(g, 2, 1, 16, 16)));
        }
        assertThrows(IllegalStateException.class, () -> logits.value().sum());
    }
}

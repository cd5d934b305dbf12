package gradwerk.nn;

import gradwerk.autograd.SavedMemory;
import gradwerk.autograd.Variable;
import gradwerk.nn.functional.F;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.Test;
import java.util.List;
import java.util.Map;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** What a conv → batch norm → relu layer keeps for backward: two activations, not the three it computes. */
class SavedForBackwardTest {
    @Test
    void aConvBatchNormReluLayerKeepsTheConvOutputAndTheReluOutputOnly() {
        Generator g = new Generator(3);
        Tensor x = Tensor.randn(g, 2, 3, 8, 8);
        Variable w = Variable.param(Tensor.randn(g, 4, 3, 3, 3)), b = Variable.param(Tensor.zeros(4));
        Variable gamma = Variable.param(Tensor.ones(4)), beta = Variable.param(Tensor.zeros(4));
        Variable input = Variable.constant(x);
        Variable conv = F.conv2d(input, w, b, 1, 1);
        Variable bn = F.batchNorm(conv, Tensor.zeros(4), Tensor.ones(4), gamma, beta, true, 0.1, 1e-5);
        Variable y = bn.relu();
        Variable loss = y.sum();
        long activation = 2L * 4 * 8 * 8 * Float.BYTES;
        Map<String, Long> byOp = SavedMemory.byOp(loss, List.of(x, w.value(), b.value(), gamma.value(), beta.value()));
        // batch norm keeps its input (the conv output); relu keeps its output; the conv's input is the excluded
        // batch; nobody keeps the batch-norm output, nor the sum's
        assertEquals(Map.of("batchNorm", activation, "relu", activation), byOp);
        assertEquals(2 * activation, SavedMemory.bytes(loss, List.of(x, w.value(), b.value(), gamma.value(), beta.value())));
        // and the layer still differentiates
        loss.backward();
        assertEquals(4 * 3 * 3 * 3, w.grad().numel());
    }
}

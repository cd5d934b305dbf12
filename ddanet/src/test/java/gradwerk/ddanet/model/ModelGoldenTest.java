package gradwerk.ddanet.model;

import gradwerk.autograd.Variable;
import gradwerk.ddanet.DdaGoldens;
import gradwerk.nn.Module;
import gradwerk.nn.Parameter;
import gradwerk.nn.io.SafeTensors;
import gradwerk.nn.loss.CrossEntropy;
import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The three whole models against their PyTorch reference (tools/torch_ddanet_goldens.py, base channels 1, a
 * [2,1,32,32] batch, float64, training mode; attention with γ = 0.6 and, for ddanet, offsets away from integers):
 * logits, cross-entropy, every parameter's gradient and the updated batch-norm statistics, to 1e-9 relative.
 */
class ModelGoldenTest {
    private static final SafeTensors.Contents G = DdaGoldens.safetensors("models.safetensors");

    @ParameterizedTest
    @ValueSource(strings = {"unet", "cca", "ddanet"})
    void matchesTorch(String name) {
        ModelConfig cfg = ModelConfig.defaults().withBaseChannels(1).withImageSize(32);
        Module m = Models.create(name, cfg, new Generator(0));
        m.to(DType.FLOAT64);
        Map<String, Tensor> state = new LinkedHashMap<>();
        String prefix = name + "/state/";
        G.tensors().forEach((k, t) -> { if (k.startsWith(prefix)) state.put(k.substring(prefix.length()), t); });
        m.loadStateDict(state, true);
        m.train();
        double rtol = 1e-9, atol = 1e-12;
        Variable logits = m.forward(G.get("input"));
        DdaGoldens.assertClose(name + " logits", G.get(name + "/logits"), logits.value(), rtol, atol);
        Variable loss = CrossEntropy.crossEntropy(logits, G.get("target"));
        assertEquals(G.get(name + "/loss").item(), loss.item(), 1e-12);
        loss.backward();
        int n = 0;
        for (Map.Entry<String, Parameter> p : m.namedParameters().entrySet()) {
            DdaGoldens.assertClose(name + " d/d" + p.getKey(), G.get(name + "/grad/" + p.getKey()), p.getValue().grad(), 1e-8, 1e-12);
            n++;
        }
        assertEquals(G.tensors().keySet().stream().filter(k -> k.startsWith(name + "/grad/")).count(), n);
        m.namedBuffers().forEach((k, t) -> {
            if (k.contains("running")) DdaGoldens.assertClose(name + " " + k, G.get(name + "/running/" + k), t, rtol, atol);
        });
    }
}

package gradwerk.ddanet.attention;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import gradwerk.autograd.Variable;
import gradwerk.ddanet.DdaGoldens;
import gradwerk.nn.Module;
import gradwerk.nn.Parameter;
import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Both blocks against a per-pixel PyTorch reference (tools/torch_ddanet_goldens.py): criss-cross with 1 and 2 loops,
 * deformable with align_corners true and false, and with large offsets that leave the map (border padding). The
 * PyTorch state is loaded by name; output, input gradient and every weight's gradient agree to 1e-9 relative.
 */
class AttentionGoldenTest {
    @Test
    void blocksMatchTorch() {
        int n = 0;
        for (JsonElement e : DdaGoldens.json("attention_blocks.json").getAsJsonArray("cases")) {
            replay(e.getAsJsonObject());
            n++;
        }
        assertEquals(5, n);
    }

    private static void replay(JsonObject c) {
        String name = c.get("name").getAsString();
        int ch = c.get("channels").getAsInt(), h = c.get("height").getAsInt(), w = c.get("width").getAsInt(),
                loops = c.get("loops").getAsInt();
        Module block = c.get("deformable").getAsBoolean()
                ? new DeformableCrissCrossAttention(ch, h, w, loops, c.get("alignCorners").getAsBoolean(), new Generator(0))
                : new CrissCrossAttention(ch, loops, new Generator(0));
        block.to(DType.FLOAT64);
        Map<String, Tensor> state = new LinkedHashMap<>();
        c.getAsJsonObject("state").entrySet().forEach(s -> state.put(s.getKey(), DdaGoldens.tensor(s.getValue())));
        block.loadStateDict(state, true);

        Variable x = Variable.param(DdaGoldens.tensor(c.get("input")));
        Variable y = block.forward(x);
        double rtol = 1e-9, atol = 1e-12;
        DdaGoldens.assertClose(name + " output", DdaGoldens.tensor(c.get("output")), y.value(), rtol, atol);
        y.backward(DdaGoldens.tensor(c.get("upstream")));
        DdaGoldens.assertClose(name + " d/dx", DdaGoldens.tensor(c.get("inputGrad")), x.grad(), rtol, atol);
        Map<String, Parameter> params = block.namedParameters();
        JsonObject grads = c.getAsJsonObject("grads");
        assertEquals(params.keySet(), grads.keySet(), name);
        params.forEach((k, p) -> DdaGoldens.assertClose(name + " d/d" + k, DdaGoldens.tensor(grads.get(k)), p.grad(), rtol, atol));
    }
}

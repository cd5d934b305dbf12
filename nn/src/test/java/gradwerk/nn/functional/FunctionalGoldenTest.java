package gradwerk.nn.functional;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import gradwerk.autograd.Engine;
import gradwerk.autograd.Variable;
import gradwerk.nn.Goldens;
import gradwerk.tensor.DType;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.GridPadding;
import gradwerk.tensor.nn.Interpolation;
import gradwerk.tensor.nn.Padding;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Differentiable compositions against PyTorch (tools/torch_layer_goldens.py): a spatial transformer
 * (affine_grid → grid_sample, gradients w.r.t. the image AND theta, through the grid) and padding.
 */
class FunctionalGoldenTest {
    @TestFactory
    Stream<DynamicTest> matchTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement e : Goldens.load("modules.json").getAsJsonArray("functional")) {
            JsonObject c = e.getAsJsonObject(), a = c.getAsJsonObject("args");
            tests.add(DynamicTest.dynamicTest(c.get("name").getAsString(), () -> {
                List<Tensor> in = Goldens.tensors(c.get("inputs"), DType.FLOAT64);
                Variable[] leaves = in.stream().map(Variable::param).toArray(Variable[]::new);
                Variable y;
                if (c.get("name").getAsString().startsWith("stn")) {
                    boolean ac = a.get("alignCorners").getAsBoolean();
                    Variable grid = F.affineGrid(leaves[1], Goldens.ints(a.get("size")), ac);
                    y = F.gridSample(leaves[0], grid, Interpolation.valueOf(a.get("mode").getAsString().toUpperCase(Locale.ROOT)),
                            GridPadding.valueOf(a.get("padding").getAsString().toUpperCase(Locale.ROOT)), ac);
                } else {
                    y = F.pad(leaves[0], Goldens.ints(a.get("pads")), Padding.Mode.valueOf(a.get("mode").getAsString().toUpperCase(Locale.ROOT)),
                            a.get("value").getAsDouble());
                }
                Goldens.assertClose("output", Goldens.tensor(c.get("output")), y.value(), 1e-10, 1e-12);
                Variable[] g = Engine.grad(y, Variable.constant(Goldens.tensor(c.get("upstream"))), leaves, false, false);
                List<Tensor> want = Goldens.tensors(c.get("grads"), DType.FLOAT64);
                for (int i = 0; i < g.length; i++) Goldens.assertClose("grad " + i, want.get(i), g[i].value(), 1e-9, 1e-12);
            }));
        }
        return tests.stream();
    }
}

package gradwerk.nn.optim;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import gradwerk.nn.Goldens;
import gradwerk.nn.Parameter;
import gradwerk.tensor.DType;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Replays tools/torch_optim_goldens.py: PyTorch 1.13's SGD (momentum, dampening, Nesterov, weight decay, two
 * groups), Adam and AdamW, fed the same gradients (some steps without a gradient for some parameter, learning
 * rates changed mid-run); every parameter after every step must agree (float64: 1e-12, float32: 1e-6).
 */
class TorchOptimGoldenTest {
    private static final JsonObject GOLDENS = Goldens.load("optim.json");

    @TestFactory
    Stream<DynamicTest> everyCaseMatchesTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement e : GOLDENS.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            tests.add(DynamicTest.dynamicTest(c.get("name").getAsString(), () -> replay(c)));
        }
        return tests.stream();
    }

    private static void replay(JsonObject c) {
        DType dtype = DType.parse(c.get("dtype").getAsString());
        double rtol = dtype == DType.FLOAT64 ? 1e-12 : 1e-6, atol = dtype == DType.FLOAT64 ? 1e-14 : 1e-7;
        List<Parameter> params = new ArrayList<>();
        int k = 0;
        for (Tensor t : Goldens.tensors(c.get("params"), dtype)) params.add(new Parameter("p" + k++, t));
        Optimizer opt = make(c, params);
        Set<String> noGrad = new HashSet<>();
        for (JsonElement x : c.getAsJsonArray("noGrad")) noGrad.add(x.getAsJsonArray().get(0) + "," + x.getAsJsonArray().get(1));
        JsonArray grads = c.getAsJsonArray("grads"), after = c.getAsJsonArray("after");
        for (int step = 0; step < grads.size(); step++) {
            JsonElement lr = c.getAsJsonObject("lrAt").get(Integer.toString(step));
            if (lr != null) opt.setLr(lr.getAsDouble());
            List<Tensor> g = Goldens.tensors(grads.get(step), dtype);
            opt.zeroGrad();
            for (int i = 0; i < params.size(); i++)
                if (!noGrad.contains(step + "," + i)) setGrad(params.get(i), g.get(i));
            opt.step();
            List<Tensor> want = Goldens.tensors(after.get(step), dtype);
            for (int i = 0; i < params.size(); i++)
                Goldens.assertClose(c.get("name").getAsString() + ", step " + (step + 1) + ", param " + i, want.get(i),
                        params.get(i).value(), rtol, atol);
        }
    }

    private static Optimizer make(JsonObject c, List<Parameter> params) {
        JsonObject o = c.getAsJsonObject("options");
        JsonArray groups = c.getAsJsonArray("groups");
        List<Parameter> first = params;
        if (!groups.isEmpty()) {
            first = new ArrayList<>();
            for (int i : Goldens.ints(groups.get(0).getAsJsonObject().get("params"))) first.add(params.get(i));
        }
        double lr = o.get("lr").getAsDouble();
        Optimizer opt = switch (c.get("optimizer").getAsString()) {
            case "SGD" -> new SGD(first, lr, num(o, "momentum", 0), num(o, "dampening", 0), num(o, "weight_decay", 0),
                    o.has("nesterov") && o.get("nesterov").getAsBoolean());
            case "Adam" -> new Adam(first, lr, beta(o, 0, 0.9), beta(o, 1, 0.999), num(o, "eps", 1e-8), num(o, "weight_decay", 0));
            case "AdamW" -> new AdamW(first, lr, beta(o, 0, 0.9), beta(o, 1, 0.999), num(o, "eps", 1e-8), num(o, "weight_decay", 0.01));
            default -> throw new IllegalArgumentException(c.get("optimizer").getAsString());
        };
        for (int g = 1; g < groups.size(); g++) {
            JsonObject grp = groups.get(g).getAsJsonObject();
            List<Parameter> ps = new ArrayList<>();
            for (int i : Goldens.ints(grp.get("params"))) ps.add(params.get(i));
            Map<String, Double> over = new HashMap<>();
            grp.getAsJsonObject("options").entrySet().forEach(x -> over.put(x.getKey(), x.getValue().getAsDouble()));
            opt.addParamGroup(ps, over);
        }
        return opt;
    }

    /** Makes g the parameter's gradient: d/dp Σ p·g = g, exactly. */
    static void setGrad(Parameter p, Tensor g) {
        p.v().mul(g).sum().backward();
    }

    private static double num(JsonObject o, String k, double dflt) {
        return o.has(k) ? o.get(k).getAsDouble() : dflt;
    }

    private static double beta(JsonObject o, int i, double dflt) {
        return o.has("betas") ? o.getAsJsonArray("betas").get(i).getAsDouble() : dflt;
    }

    @TestFactory
    Stream<DynamicTest> clipGradNormMatchesTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement e : GOLDENS.getAsJsonArray("clip")) {
            JsonObject c = e.getAsJsonObject();
            double maxNorm = c.get("maxNorm").getAsDouble();
            tests.add(DynamicTest.dynamicTest("clipGradNorm " + maxNorm, () -> {
                List<Tensor> g = Goldens.tensors(c.get("grads"), DType.FLOAT64);
                List<Parameter> ps = new ArrayList<>();
                for (Tensor t : g) {
                    Parameter p = new Parameter("p", t.zerosLike());
                    setGrad(p, t);
                    ps.add(p);
                }
                assertEquals(c.get("norm").getAsDouble(), GradClip.clipGradNorm(ps, maxNorm), 1e-12);
                List<Tensor> want = Goldens.tensors(c.get("clipped"), DType.FLOAT64);
                for (int i = 0; i < ps.size(); i++) Goldens.assertClose("clipped " + i, want.get(i), ps.get(i).grad(), 1e-12, 1e-15);
            }));
        }
        return tests.stream();
    }
}

package gradwerk.nn.layers;

import com.google.gson.JsonObject;
import gradwerk.autograd.Variable;
import gradwerk.nn.Goldens;
import gradwerk.nn.Module;
import gradwerk.nn.Parameter;
import gradwerk.nn.Sequential;
import gradwerk.nn.layers.Activation.GELU;
import gradwerk.nn.layers.Activation.LeakyReLU;
import gradwerk.nn.layers.Activation.ReLU;
import gradwerk.nn.layers.Activation.Sigmoid;
import gradwerk.nn.layers.Activation.Tanh;
import gradwerk.nn.loss.CrossEntropy;
import gradwerk.tensor.DType;
import gradwerk.tensor.Device;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.Interpolation;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Whole models against PyTorch (tools/torch_layer_goldens.py): the same layer list, PyTorch's state dict loaded by
 * name, one training-mode forward + cross-entropy + backward (output, loss, every parameter's gradient, the updated
 * running stats), then an eval-mode forward. float64, agreement to 1e-9 relative; on the CPU and on OpenCL.
 */
class LayerGoldenTest {
    private static final JsonObject GOLDENS = Goldens.load("modules.json");

    static Sequential convNet(Generator g) {
        return new Sequential(
                new Conv2d(3, 8, 3, 1, 1, g),
                new BatchNorm2d(8),
                new ReLU(),
                new MaxPool2d(2),
                new Conv2d(8, 8, 3, 1, 2, 2, 2, false, g),
                new GroupNorm(4, 8),
                new LeakyReLU(0.1),
                new ConvTranspose2d(8, 4, 2, 2, g),
                new InstanceNorm2d(4, 1e-5, true),
                new GELU(),
                new AvgPool2d(2),
                Upsample.scale(2, Interpolation.BILINEAR, false),
                new Conv2d(4, 3, 1, g));
    }

    static Sequential headNet(Generator g) {
        return new Sequential(
                new Conv2d(2, 4, 3, 2, 1, g),
                new BatchNorm2d(4, 1e-5, Double.NaN, true, true),
                new Tanh(),
                new ConvTranspose2d(4, 4, 3, 2, 1, 1, 2, true, 1, g),
                new Sigmoid(),
                Upsample.size(5, 7, Interpolation.NEAREST, false),
                new AdaptiveAvgPool2d(2, 3),
                new Flatten(),
                new Linear(24, 5, g));
    }

    @Test
    void convNetMatchesTorch() { replay("conv net", convNet(new Generator(0)), Device.CPU); }

    @Test
    void headNetMatchesTorch() { replay("head net", headNet(new Generator(0)), Device.CPU); }

    /** The same on OpenCL (skipped without a platform, failing with CI=true): every layer's kernels and autograd. */
    @Test
    void convNetMatchesTorchOnOpenCl() { replay("conv net", convNet(new Generator(0)), openCl()); }

    @Test
    void headNetMatchesTorchOnOpenCl() { replay("head net", headNet(new Generator(0)), openCl()); }

    static Device openCl() {
        java.util.Optional<String> reason = gradwerk.tensor.opencl.OpenClPlatforms.unavailableReason();
        if (reason.isPresent()) {
            if ("true".equalsIgnoreCase(System.getenv("CI")))
                org.junit.jupiter.api.Assertions.fail("CI=true, so OpenCL must work here, but: " + reason.get());
            org.junit.jupiter.api.Assumptions.abort("no OpenCL: " + reason.get());
        }
        return Device.get("opencl");
    }

    private static void replay(String name, Module model, Device device) {
        JsonObject c = null;
        for (var e : GOLDENS.getAsJsonArray("cases")) if (e.getAsJsonObject().get("name").getAsString().equals(name)) c = e.getAsJsonObject();
        model.to(DType.FLOAT64).to(device);
        Map<String, Tensor> state = new LinkedHashMap<>();
        c.getAsJsonObject("state").entrySet().forEach(e -> state.put(e.getKey(), Goldens.tensor(e.getValue())));
        model.loadStateDict(state, true);
        double rtol = 1e-9, atol = 1e-12;

        model.train();
        Tensor input = Goldens.tensor(c.get("input")).to(device);
        Variable out = model.forward(input);
        assertEquals(device, out.value().device());
        Goldens.assertClose(name + " output", Goldens.tensor(c.get("output")), out.value(), rtol, atol);
        Variable loss = CrossEntropy.crossEntropy(out, Goldens.tensor(c.get("target")).to(device));
        assertEquals(c.get("loss").getAsDouble(), loss.item(), 1e-12);
        loss.backward();
        Map<String, Parameter> params = model.namedParameters();
        assertEquals(c.getAsJsonObject("grads").keySet(), params.keySet());
        c.getAsJsonObject("grads").entrySet().forEach(e ->
                Goldens.assertClose(name + " grad " + e.getKey(), Goldens.tensor(e.getValue()), params.get(e.getKey()).grad(), rtol, atol));
        Map<String, Tensor> sd = model.stateDict();
        c.getAsJsonObject("buffersAfter").entrySet().forEach(e ->
                Goldens.assertClose(name + " " + e.getKey(), Goldens.tensor(e.getValue()), sd.get(e.getKey()), rtol, atol));

        model.eval();
        Goldens.assertClose(name + " eval output", Goldens.tensor(c.get("evalOutput")), model.forward(input).value(),
                rtol, atol);
    }
}

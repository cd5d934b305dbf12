package gradwerk.tensor.nn;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import gradwerk.tensor.DType;
import gradwerk.tensor.Device;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static gradwerk.tensor.nn.NnTesting.assertClose;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replays the PyTorch goldens of {@code tools/torch_nn_goldens.py} (src/test/resources/goldens/nn/*.json): every
 * case runs in float64 (tight tolerance) and float32 (the fast float kernels), forward and backward, on the CPU and
 * on OpenCL (the default device of {@code Device.get("opencl")}; without an OpenCL platform those cases are one
 * skipped test, or a failure when the environment has {@code CI=true}).
 */
class TorchGoldenTest {
    private static final String[] FILES = {"conv", "pool", "sampling", "norm", "pad"};

    @TestFactory
    Stream<DynamicTest> pytorchGoldens() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        java.util.Optional<String> noOpenCl = gradwerk.tensor.opencl.OpenClPlatforms.unavailableReason();
        List<String> devices = noOpenCl.isPresent() ? List.of("cpu") : List.of("cpu", "opencl");
        if (noOpenCl.isPresent())
            tests.add(DynamicTest.dynamicTest("opencl: no platform", () -> {
                if ("true".equalsIgnoreCase(System.getenv("CI")))
                    org.junit.jupiter.api.Assertions.fail("CI=true, so OpenCL must work here, but: " + noOpenCl.get());
                org.junit.jupiter.api.Assumptions.abort("no OpenCL: " + noOpenCl.get());
            }));
        for (String file : FILES) {
            var stream = getClass().getResourceAsStream("/goldens/nn/" + file + ".json");
            if (stream == null) throw new IllegalStateException("missing golden file " + file + ".json");
            JsonObject doc;
            try (var r = new InputStreamReader(stream, StandardCharsets.UTF_8)) {
                doc = JsonParser.parseReader(r).getAsJsonObject();
            }
            JsonArray cases = doc.getAsJsonArray("cases");
            for (int i = 0; i < cases.size(); i++) {
                JsonObject c = cases.get(i).getAsJsonObject();
                String name = file + "#" + i + " " + c.get("op").getAsString() + " " + c.get("params");
                for (String device : devices)
                    for (DType dt : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
                        String label = name + " " + dt + " " + device;
                        tests.add(DynamicTest.dynamicTest(label, () -> replay(c, dt, Device.get(device), label)));
                    }
            }
        }
        assertTrue(tests.size() > 50, "goldens found: " + tests.size());
        return tests.stream();
    }

    private static void replay(JsonObject c, DType dt, Device device, String name) {
        Map<String, Tensor> in = tensors(c.getAsJsonObject("inputs"), dt), want = tensors(c.getAsJsonObject("outputs"), dt);
        in.replaceAll((k, t) -> t.to(device));
        JsonObject p = c.getAsJsonObject("params");
        Map<String, Tensor> got = new LinkedHashMap<>();
        Tensor x = in.get("x"), g = in.get("g");
        switch (c.get("op").getAsString()) {
            case "conv2d" -> {
                int[] s = ints(p, "stride"), pad = ints(p, "padding"), d = ints(p, "dilation");
                int groups = p.get("groups").getAsInt();
                Tensor w = in.get("weight");
                got.put("y", Conv.conv2d(x, w, in.get("bias"), s, pad, d, groups));
                got.put("grad_x", Conv.conv2dBackwardInput(g, w, x.shape(), s, pad, d, groups));
                got.put("grad_weight", Conv.conv2dBackwardWeight(g, x, w.shape(), s, pad, d, groups));
                got.put("grad_bias", Conv.convBackwardBias(g));
            }
            case "conv_transpose2d" -> {
                int[] s = ints(p, "stride"), pad = ints(p, "padding"), op = ints(p, "output_padding"), d = ints(p, "dilation");
                int groups = p.get("groups").getAsInt();
                Tensor w = in.get("weight");
                got.put("y", Conv.convTranspose2d(x, w, in.get("bias"), s, pad, op, groups, d));
                got.put("grad_x", Conv.convTranspose2dBackwardInput(g, w, x.shape(), s, pad, op, groups, d));
                got.put("grad_weight", Conv.convTranspose2dBackwardWeight(g, x, w.shape(), s, pad, op, groups, d));
                got.put("grad_bias", Conv.convBackwardBias(g));
            }
            case "max_pool2d" -> {
                var r = Pool.maxPool2dWithIndices(x, ints(p, "kernel"), ints(p, "stride"), ints(p, "padding"),
                        ints(p, "dilation"), p.get("ceil_mode").getAsBoolean());
                got.put("y", r.output());
                got.put("indices", r.indices());
                got.put("grad_x", Pool.maxPool2dBackward(g, r.indices(), x.shape()));
            }
            case "avg_pool2d" -> {
                int[] k = ints(p, "kernel"), s = ints(p, "stride"), pad = ints(p, "padding");
                boolean ceil = p.get("ceil_mode").getAsBoolean(), inc = p.get("count_include_pad").getAsBoolean();
                int div = p.get("divisor_override").getAsInt();
                got.put("y", Pool.avgPool2d(x, k, s, pad, ceil, inc, div));
                got.put("grad_x", Pool.avgPool2dBackward(g, x.shape(), k, s, pad, ceil, inc, div));
            }
            case "adaptive_avg_pool2d" -> {
                int[] size = ints(p, "size");
                got.put("y", Pool.adaptiveAvgPool2d(x, size[0], size[1]));
                got.put("grad_x", Pool.adaptiveAvgPool2dBackward(g, x.shape()));
            }
            case "upsample" -> {
                Interpolation mode = p.get("mode").getAsString().equals("nearest") ? Interpolation.NEAREST : Interpolation.BILINEAR;
                boolean align = p.get("align_corners").getAsBoolean();
                double scale = p.get("scale_factor").getAsDouble();
                int[] size = ints(p, "size");
                if (scale > 0) {
                    got.put("y", Sampling.upsample(x, scale, mode, align));
                    got.put("grad_x", Sampling.upsampleBackward(g, x.shape(), scale, mode, align));
                } else {
                    got.put("y", Sampling.upsample(x, size[0], size[1], mode, align));
                    got.put("grad_x", Sampling.upsampleBackward(g, x.shape(), mode, align));
                }
            }
            case "grid_sample" -> {
                Interpolation mode = p.get("mode").getAsString().equals("nearest") ? Interpolation.NEAREST : Interpolation.BILINEAR;
                GridPadding pad = p.get("padding_mode").getAsString().equals("border") ? GridPadding.BORDER : GridPadding.ZEROS;
                boolean align = p.get("align_corners").getAsBoolean();
                Tensor grid = in.get("grid");
                got.put("y", Sampling.gridSample(x, grid, mode, pad, align));
                var gr = Sampling.gridSampleBackward(g, x, grid, mode, pad, align, true, true);
                got.put("grad_x", gr.input());
                got.put("grad_grid", gr.grid());
            }
            case "affine_grid" -> {
                int[] size = ints(p, "size");
                boolean align = p.get("align_corners").getAsBoolean();
                got.put("grid", Sampling.affineGrid(in.get("theta"), size, align));
                got.put("grad_theta", Sampling.affineGridBackward(g, size, align));
            }
            case "batch_norm" -> {
                boolean training = p.get("training").getAsBoolean();
                Tensor rm = in.get("running_mean").copy(), rv = in.get("running_var").copy(), w = in.get("weight");
                var r = Norm.batchNorm(x, rm, rv, w, in.get("bias"), training, p.get("momentum").getAsDouble(),
                        p.get("eps").getAsDouble());
                got.put("y", r.output());
                got.put("running_mean_after", rm);
                got.put("running_var_after", rv);
                var gr = Norm.batchNormBackward(g, x, w, r.saveMean(), r.saveInvstd(), training);
                got.put("grad_x", gr.input());
                if (w != null) {
                    got.put("grad_weight", gr.weight());
                    got.put("grad_bias", gr.bias());
                }
            }
            case "group_norm", "instance_norm" -> {
                boolean instance = c.get("op").getAsString().equals("instance_norm");
                int groups = instance ? x.size(1) : p.get("groups").getAsInt();
                Tensor w = in.get("weight");
                var r = Norm.groupNorm(x, groups, w, in.get("bias"), p.get("eps").getAsDouble());
                got.put("y", r.output());
                var gr = Norm.groupNormBackward(g, x, groups, w, r.saveMean(), r.saveInvstd());
                got.put("grad_x", gr.input());
                if (w != null) {
                    got.put("grad_weight", gr.weight());
                    got.put("grad_bias", gr.bias());
                }
            }
            case "pad" -> {
                int[] pads = ints(p, "pads");
                Padding.Mode mode = p.get("mode").getAsString().equals("replicate") ? Padding.Mode.REPLICATE : Padding.Mode.CONSTANT;
                got.put("y", Padding.pad(x, pads, mode, p.get("value").getAsDouble()));
                got.put("grad_x", Padding.padBackward(g, pads, mode, x.shape()));
            }
            default -> throw new IllegalStateException("unknown golden op " + c.get("op"));
        }
        double tol = dt == DType.FLOAT64 ? 1e-10 : 2e-4;
        for (var e : want.entrySet()) {
            Tensor actual = got.get(e.getKey());
            if (actual == null) throw new AssertionError(name + ": nothing computed for " + e.getKey());
            if (actual.device() != device) throw new AssertionError(name + ": " + e.getKey() + " is on " + actual.device());
            assertClose(e.getValue(), actual, tol, name + " " + e.getKey());
        }
    }

    private static Map<String, Tensor> tensors(JsonObject o, DType dt) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (var e : o.entrySet()) {
            JsonObject t = e.getValue().getAsJsonObject();
            int[] shape = toInts(t.getAsJsonArray("shape"));
            JsonArray data = t.getAsJsonArray("data");
            double[] v = new double[data.size()];
            for (int i = 0; i < v.length; i++) v[i] = data.get(i).getAsDouble();
            m.put(e.getKey(), Tensor.of(v, shape).to(dt));
        }
        return m;
    }

    private static int[] ints(JsonObject p, String key) {
        JsonElement e = p.get(key);
        return e.isJsonArray() ? toInts(e.getAsJsonArray()) : new int[] {e.getAsInt()};
    }

    private static int[] toInts(JsonArray a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).getAsInt();
        return r;
    }
}

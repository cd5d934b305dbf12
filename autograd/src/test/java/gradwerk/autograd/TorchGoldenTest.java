package gradwerk.autograd;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import gradwerk.tensor.DType;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Cross-checks against PyTorch: the goldens under resources/goldens (written by tools/torch_goldens.py) hold
 * inputs, outputs, an upstream gradient and the input gradients PyTorch computed in float64. Each case is
 * recomputed here twice, with contiguous inputs and with the same values in a strided, permuted layout.
 */
class TorchGoldenTest {
    static final List<String> FAMILIES = List.of("unary", "binary", "reductions", "matmul", "softmax", "shape");
    static final double RTOL = 1e-10, ATOL = 1e-12;

    @TestFactory
    Stream<DynamicTest> everyGoldenCaseMatchesPyTorch() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (String family : FAMILIES) {
            JsonArray cases = load(family).getAsJsonArray("cases");
            for (int i = 0; i < cases.size(); i++) {
                JsonObject c = cases.get(i).getAsJsonObject();
                String name = family + " #" + i + " " + c.get("op").getAsString() + " " + c.get("args");
                tests.add(DynamicTest.dynamicTest(name, () -> {
                    check(name, c, false);
                    check(name + " (strided inputs)", c, true);
                }));
            }
        }
        return tests.stream();
    }

    /** The goldens cover every op family and most ops (embedSlice and contiguous are exercised through slice). */
    @org.junit.jupiter.api.Test
    void goldensCoverTheRegisteredOps() throws IOException {
        Set<String> covered = new TreeSet<>();
        for (String family : FAMILIES)
            for (JsonElement c : load(family).getAsJsonArray("cases")) covered.add(c.getAsJsonObject().get("op").getAsString());
        Set<String> missing = new TreeSet<>(RegisteredOpsProperties.EXPECTED);
        missing.removeAll(covered);
        assertEquals(Set.of("contiguous", "embedSlice"), missing);
    }

    static JsonObject load(String family) throws IOException {
        try (InputStream in = TorchGoldenTest.class.getResourceAsStream("/goldens/" + family + ".json")) {
            assertNotNull(in, "missing golden file " + family + ".json; run tools/torch_goldens.py");
            return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
        }
    }

    static Tensor tensor(JsonObject t) {
        JsonArray shapeJson = t.getAsJsonArray("shape"), dataJson = t.getAsJsonArray("data");
        int[] shape = new int[shapeJson.size()];
        for (int i = 0; i < shape.length; i++) shape[i] = shapeJson.get(i).getAsInt();
        double[] data = new double[dataJson.size()];
        for (int i = 0; i < data.length; i++) data[i] = dataJson.get(i).getAsDouble();
        return Tensor.of(data, shape);
    }

    static int[] ints(JsonObject args, String key) {
        JsonArray a = args.getAsJsonArray(key);
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsInt();
        return out;
    }

    static void check(String name, JsonObject c, boolean strided) {
        JsonArray inputsJson = c.getAsJsonArray("inputs");
        Variable[] inputs = new Variable[inputsJson.size()];
        Sampler layouts = new Sampler(name.hashCode());
        for (int i = 0; i < inputs.length; i++) {
            Tensor x = tensor(inputsJson.get(i).getAsJsonObject());
            inputs[i] = Variable.param(strided ? layouts.layout(x) : x);
        }
        Variable out = apply(c.get("op").getAsString(), c.getAsJsonObject("args"), inputs);
        assertClose(name + ": output", tensor(c.getAsJsonObject("output")), out.value());
        out.backward(tensor(c.getAsJsonObject("upstream")));
        JsonArray grads = c.getAsJsonArray("grads");
        for (int i = 0; i < inputs.length; i++)
            assertClose(name + ": gradient of input " + i, tensor(grads.get(i).getAsJsonObject()), inputs[i].grad());
    }

    static Variable apply(String op, JsonObject a, Variable[] x) {
        return switch (op) {
            case "neg" -> x[0].neg();
            case "abs" -> x[0].abs();
            case "exp" -> x[0].exp();
            case "log" -> x[0].log();
            case "sqrt" -> x[0].sqrt();
            case "rsqrt" -> x[0].rsqrt();
            case "sin" -> x[0].sin();
            case "cos" -> x[0].cos();
            case "tanh" -> x[0].tanh();
            case "sigmoid" -> x[0].sigmoid();
            case "relu" -> x[0].relu();
            case "square" -> x[0].square();
            case "reciprocal" -> x[0].reciprocal();
            case "gelu" -> x[0].gelu();
            case "leakyRelu" -> x[0].leakyRelu(a.get("slope").getAsDouble());
            case "clamp" -> x[0].clamp(a.get("min").getAsDouble(), a.get("max").getAsDouble());
            case "powScalar" -> x[0].pow(a.get("exponent").getAsDouble());
            case "addScalar" -> x[0].add(a.get("scalar").getAsDouble());
            case "mulScalar" -> x[0].mul(a.get("scalar").getAsDouble());
            case "add" -> x[0].add(x[1]);
            case "sub" -> x[0].sub(x[1]);
            case "mul" -> x[0].mul(x[1]);
            case "div" -> x[0].div(x[1]);
            case "pow" -> x[0].pow(x[1]);
            case "maximum" -> x[0].maximum(x[1]);
            case "minimum" -> x[0].minimum(x[1]);
            case "where" -> Variable.where(tensor(a.getAsJsonObject("cond")), x[0], x[1]);
            case "sum" -> x[0].sum(ints(a, "dims"), a.get("keepDim").getAsBoolean());
            case "mean" -> x[0].mean(ints(a, "dims"), a.get("keepDim").getAsBoolean());
            case "max" -> x[0].max(ints(a, "dims"), a.get("keepDim").getAsBoolean());
            case "min" -> x[0].min(ints(a, "dims"), a.get("keepDim").getAsBoolean());
            case "var" -> x[0].var(ints(a, "dims"), a.get("unbiased").getAsBoolean(), a.get("keepDim").getAsBoolean());
            case "matmul" -> x[0].matmul(x[1]);
            case "softmax" -> x[0].softmax(a.get("dim").getAsInt());
            case "logSoftmax" -> x[0].logSoftmax(a.get("dim").getAsInt());
            case "logSumExp" -> x[0].logSumExp(a.get("dim").getAsInt(), a.get("keepDim").getAsBoolean());
            case "view" -> x[0].contiguous().view(ints(a, "shape"));
            case "reshape" -> x[0].reshape(ints(a, "shape"));
            case "permute" -> x[0].permute(ints(a, "order"));
            case "transpose" -> x[0].transpose(a.get("d0").getAsInt(), a.get("d1").getAsInt());
            case "expand" -> x[0].expand(ints(a, "shape"));
            case "squeeze" -> a.has("dim") ? x[0].squeeze(a.get("dim").getAsInt()) : x[0].squeeze();
            case "unsqueeze" -> x[0].unsqueeze(a.get("dim").getAsInt());
            case "select" -> x[0].select(a.get("dim").getAsInt(), a.get("index").getAsInt());
            case "slice" -> x[0].slice(a.get("dim").getAsInt(), a.get("start").getAsInt(), a.get("end").getAsInt(), a.get("step").getAsInt());
            case "cat" -> Variable.cat(a.get("dim").getAsInt(), x);
            case "stack" -> Variable.stack(a.get("dim").getAsInt(), x);
            case "to" -> x[0].to(DType.FLOAT32).to(DType.FLOAT64);
            default -> throw new AssertionError("golden op '" + op + "' has no mapping in TorchGoldenTest.apply");
        };
    }

    static void assertClose(String what, Tensor expected, Tensor actual) {
        assertNotNull(actual, what + ": no gradient");
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++)
            if (!(Math.abs(e[i] - a[i]) <= ATOL + RTOL * Math.abs(e[i])))
                fail(what + ": element " + i + " expected (PyTorch) " + e[i] + ", got " + a[i]);
    }
}

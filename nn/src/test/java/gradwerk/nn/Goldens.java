package gradwerk.nn;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import gradwerk.tensor.DType;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/** Reads the PyTorch goldens under {@code src/test/resources/goldens/layers} (see tools/torch_*_goldens.py). */
public final class Goldens {
    private Goldens() {}

    public static JsonObject load(String name) {
        try (InputStream in = Goldens.class.getResourceAsStream("/goldens/layers/" + name)) {
            if (in == null) throw new IllegalStateException("golden " + name + " not found; run tools/torch_*_goldens.py");
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {"shape": [...], "data": [...]} as a tensor of the given dtype. */
    public static Tensor tensor(JsonElement e, DType dtype) {
        JsonObject o = e.getAsJsonObject();
        JsonArray s = o.getAsJsonArray("shape"), d = o.getAsJsonArray("data");
        int[] shape = new int[s.size()];
        for (int i = 0; i < shape.length; i++) shape[i] = s.get(i).getAsInt();
        double[] data = new double[d.size()];
        for (int i = 0; i < data.length; i++) data[i] = d.get(i).getAsDouble();
        return Tensor.of(data, shape).to(dtype);
    }

    public static Tensor tensor(JsonElement e) { return tensor(e, DType.FLOAT64); }

    public static List<Tensor> tensors(JsonElement e, DType dtype) {
        List<Tensor> out = new ArrayList<>();
        for (JsonElement x : e.getAsJsonArray()) out.add(tensor(x, dtype));
        return out;
    }

    public static int[] ints(JsonElement e) {
        if (e == null || e.isJsonNull()) return null;
        JsonArray a = e.getAsJsonArray();
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsInt();
        return out;
    }

    /** Fails unless every element agrees to {@code |a - b| <= atol + rtol·|b|}, naming the worst element. */
    public static void assertClose(String what, Tensor expected, Tensor actual, double rtol, double atol) {
        if (!expected.hasShape(actual.shape()))
            fail(what + ": shape " + Shape.str(actual.shape()) + ", expected " + Shape.str(expected.shape()));
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        int worst = -1;
        double worstRatio = 1;
        for (int i = 0; i < e.length; i++) {
            double ratio = Math.abs(a[i] - e[i]) / (atol + rtol * Math.abs(e[i]));
            if (!(ratio <= worstRatio)) { worst = i; worstRatio = Double.isNaN(ratio) ? Double.POSITIVE_INFINITY : ratio; }
        }
        if (worst >= 0)
            fail(what + ": element " + worst + " is " + a[worst] + ", expected " + e[worst] + " (|diff| "
                    + Math.abs(a[worst] - e[worst]) + ", rtol " + rtol + ", atol " + atol + ")");
    }
}

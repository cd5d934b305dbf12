package gradwerk.ddanet;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import gradwerk.nn.io.SafeTensors;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.fail;

/** Reads the PyTorch goldens under {@code src/test/resources/goldens} (written by tools/torch_ddanet_goldens.py). */
public final class DdaGoldens {
    private DdaGoldens() {}

    public static JsonObject json(String name) {
        try (InputStream in = DdaGoldens.class.getResourceAsStream("/goldens/" + name)) {
            if (in == null) throw new IllegalStateException("golden " + name + " not found; run tools/torch_ddanet_goldens.py");
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static SafeTensors.Contents safetensors(String name) {
        URL url = DdaGoldens.class.getResource("/goldens/" + name);
        if (url == null) throw new IllegalStateException("golden " + name + " not found; run tools/torch_ddanet_goldens.py");
        try {
            return SafeTensors.load(Path.of(url.toURI()));
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {"shape": [...], "data": [...]} as a float64 tensor. */
    public static Tensor tensor(JsonElement e) {
        JsonObject o = e.getAsJsonObject();
        JsonArray s = o.getAsJsonArray("shape"), d = o.getAsJsonArray("data");
        int[] shape = new int[s.size()];
        for (int i = 0; i < shape.length; i++) shape[i] = s.get(i).getAsInt();
        double[] data = new double[d.size()];
        for (int i = 0; i < data.length; i++) data[i] = d.get(i).getAsDouble();
        return Tensor.of(data, shape);
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

    /** The largest |a − b| over all elements. */
    public static double maxAbsDiff(Tensor a, Tensor b) {
        double[] x = a.toDoubleArray(), y = b.toDoubleArray();
        if (x.length != y.length) throw new IllegalArgumentException("sizes differ: " + x.length + " vs " + y.length);
        double m = 0;
        for (int i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
        return m;
    }
}

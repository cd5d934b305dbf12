package gradwerk.tensor.opencl;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;

/**
 * Shared by the OpenCL tests: the device to test on, random strided views with their host-side contents, and a
 * tolerance check.
 *
 * <p>Without an OpenCL platform the tests are skipped with a one-line reason, except when the environment has
 * {@code CI=true}: there a missing platform fails, so CI proves the backend really ran (on PoCL).
 * System property {@code gradwerk.test.opencl} picks the device (default: {@link OpenClPlatforms#defaultDevice()}).
 */
final class OpenClTestSupport {
    private OpenClTestSupport() {}

    /** The shared context of the device under test; skips (or, on CI, fails) the test when there is none. */
    static OpenClContext context() {
        Optional<String> reason = OpenClPlatforms.unavailableReason();
        if (reason.isPresent()) {
            if ("true".equalsIgnoreCase(System.getenv("CI")))
                fail("CI=true, so OpenCL must work here, but: " + reason.get());
            Assumptions.abort("no OpenCL: " + reason.get());
        }
        String spec = System.getProperty("gradwerk.test.opencl", "opencl");
        return OpenClContext.shared(OpenClPlatforms.select(spec));
    }

    /** FLOAT, and DOUBLE where the device has fp64. */
    static List<ClType> types(OpenClContext ctx) {
        return ctx.device().fp64() ? List.of(ClType.FLOAT, ClType.DOUBLE) : List.of(ClType.FLOAT);
    }

    /** The ways tests lay a logical shape out in memory. */
    enum Kind {
        /** row-major, offset 0 */
        CONTIGUOUS,
        /** the last two dimensions stored swapped (a transposed view) */
        TRANSPOSED,
        /** every other element of a wider buffer along the last dimension, starting at offset 3 */
        STEPPED,
        /** dimension 0 walked backwards (negative stride) */
        REVERSED
    }

    /** A view together with what its buffer holds on the host (values rounded to the view's type). */
    record Sample(ClView view, double[] buffer) {
        /** The view's elements in row-major order. */
        double[] values() {
            return gather(buffer, view);
        }
    }

    /** A view of {@code shape} laid out as {@code kind}, in a buffer filled with values from {@code gen}. */
    static Sample sample(OpenClContext ctx, ClType t, Kind kind, java.util.function.DoubleSupplier gen, int... shape) {
        int r = shape.length;
        if (r < 2 && kind == Kind.TRANSPOSED) kind = Kind.STEPPED;
        if (r < 1 && kind != Kind.CONTIGUOUS) kind = Kind.CONTIGUOUS;
        int[] phys = shape.clone();
        int offset = 0;
        switch (kind) {
            case TRANSPOSED -> { phys[r - 1] = shape[r - 2]; phys[r - 2] = shape[r - 1]; }
            case STEPPED -> { phys[r - 1] = 2 * shape[r - 1] + 1; offset = 3; }
            default -> { }
        }
        int n = offset + (int) ClView.count(phys);
        double[] data = new double[Math.max(1, n)];
        for (int i = 0; i < data.length; i++) data[i] = round(t, gen.getAsDouble());
        ClBuffer buf = upload(ctx, t, data);
        int[] st = ClView.rowMajorStrides(phys);
        ClView v = switch (kind) {
            case CONTIGUOUS -> new ClView(buf, t, shape, st, 0);
            case TRANSPOSED -> new ClView(buf, t, phys, st, 0).transpose(r - 2, r - 1);
            case STEPPED -> { st[r - 1] = 2; yield new ClView(buf, t, shape, st, offset); }
            case REVERSED -> {
                int[] s2 = st.clone();
                s2[0] = -st[0];
                yield new ClView(buf, t, shape, s2, Math.max(0, shape[0] - 1) * st[0]);
            }
        };
        return new Sample(v, data);
    }

    /** Uniform values in [lo, hi). */
    static java.util.function.DoubleSupplier uniform(Random rnd, double lo, double hi) {
        return () -> lo + (hi - lo) * rnd.nextDouble();
    }

    /** Small multiples of 0.5 in [-2, 2]: many exact ties, for comparisons, max/min and arg-reductions. */
    static java.util.function.DoubleSupplier ties(Random rnd) {
        return () -> (rnd.nextInt(9) - 4) * 0.5;
    }

    static ClBuffer upload(OpenClContext ctx, ClType t, double[] data) {
        if (t == ClType.DOUBLE) return ctx.upload(data);
        float[] f = new float[data.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) data[i];
        return ctx.upload(f);
    }

    /** The whole buffer as doubles. */
    static double[] download(ClBuffer b, ClType t) {
        if (t == ClType.DOUBLE) return b.readDoubles();
        float[] f = b.readFloats();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    static double round(ClType t, double v) {
        return t == ClType.FLOAT ? (float) v : v;
    }

    /** The elements of {@code v} (row-major) from a host copy of its buffer. */
    static double[] gather(double[] buffer, ClView v) {
        double[] out = new double[v.numel()];
        for (int i = 0; i < out.length; i++) out[i] = buffer[offsetOf(v, i)];
        return out;
    }

    /** Buffer element index of the element with row-major index {@code i} of {@code v}. */
    static int offsetOf(ClView v, int i) {
        int off = v.offset();
        for (int d = v.rank() - 1; d >= 0; d--) {
            off += (i % v.shape()[d]) * v.strides()[d];
            i /= v.shape()[d];
        }
        return off;
    }

    /** Row-major index -> coordinates. */
    static int[] coords(int[] shape, int i) {
        int[] c = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            c[d] = i % shape[d];
            i /= shape[d];
        }
        return c;
    }

    /** Row-major index of {@code coords} in {@code shape}, where size-1 dimensions of shape broadcast. */
    static int index(int[] shape, int[] coords) {
        int i = 0, off = coords.length - shape.length;
        for (int d = 0; d < shape.length; d++) i = i * shape[d] + (shape[d] == 1 ? 0 : coords[d + off]);
        return i;
    }

    /** Relative tolerance per type: a few ulps of float, or of double. */
    static double tolerance(ClType t) {
        return t == ClType.FLOAT ? 2e-6 : 1e-13;
    }

    /** Checks got ~ want elementwise: |got - want| <= tol * max(1, |want|); NaNs must match. */
    static void assertClose(String what, double[] want, double[] got, double tol) {
        if (want.length != got.length) fail(what + ": " + got.length + " values, expected " + want.length);
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < want.length; i++) {
            boolean ok = Double.isNaN(want[i]) ? Double.isNaN(got[i])
                    : Double.isInfinite(want[i]) ? want[i] == got[i]
                    : Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i]));
            if (!ok && bad.size() < 5) bad.add("[" + i + "] got " + got[i] + " want " + want[i]);
            else if (!ok) bad.add("...");
        }
        if (!bad.isEmpty()) fail(what + ": " + bad.stream().distinct().limit(6).toList() + " of " + want.length);
    }

    static String str(int[] a) {
        return Arrays.toString(a);
    }

    /** A value no kernel computes in the tests: marks buffer elements an output view must leave alone. */
    static final double SENTINEL = 7777;

    /** An output view of {@code shape} laid out as {@code kind}, its buffer filled with {@link #SENTINEL}. */
    static Sample output(OpenClContext ctx, ClType t, Kind kind, int... shape) {
        return sample(ctx, t, kind, () -> SENTINEL, shape);
    }

    /** Checks the output's elements against {@code want}, and that the rest of its buffer is untouched. */
    static void assertOutput(String what, Sample out, double[] want, double tol) {
        double[] buf = download(out.view().buffer(), out.view().type());
        assertClose(what, want, gather(buf, out.view()), tol);
        boolean[] inView = new boolean[buf.length];
        for (int i = 0; i < out.view().numel(); i++) inView[offsetOf(out.view(), i)] = true;
        for (int i = 0; i < out.buffer().length; i++)
            if (!inView[i] && buf[i] != SENTINEL) fail(what + ": wrote outside the output view at buffer element " + i);
    }
}

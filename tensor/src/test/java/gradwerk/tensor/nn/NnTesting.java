package gradwerk.tensor.nn;

import gradwerk.tensor.Backend;
import gradwerk.tensor.DType;
import gradwerk.tensor.Gen;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.cpu.CpuBackend;
import gradwerk.tensor.cpu.ScalarBackend;

import java.util.Arrays;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Helpers shared by the nn kernel tests: random data, comparisons, and finite-difference gradient checks. */
final class NnTesting {
    private NnTesting() {}

    static final Backend FAST = CpuBackend.INSTANCE;
    static final Backend REFERENCE = ScalarBackend.INSTANCE;

    /** Standard-normal data of a shape (float64 values, converted to dtype). */
    static Tensor randn(DType dt, long seed, int... shape) {
        return Tensor.randn(DType.FLOAT64, new Generator(seed), shape).to(dt);
    }

    /** Uniform data in [lo, hi). */
    static Tensor uniform(DType dt, long seed, double lo, double hi, int... shape) {
        return Tensor.rand(DType.FLOAT64, new Generator(seed), shape).mul(hi - lo).add(lo).to(dt);
    }

    /** The same values in a non-contiguous (permuted, strided, offset) layout. */
    static Tensor strided(Tensor t, long layout) {
        return Gen.strided(t, layout);
    }

    /** Default tolerances: float32 kernels accumulate in different orders than the double reference. */
    static double tol(DType dt) {
        return dt == DType.FLOAT32 ? 2e-5 : 1e-11;
    }

    /** |e - a| <= tol * (1 + |e|) elementwise, with the first offending index in the message. */
    static void assertClose(Tensor expected, Tensor actual, double tol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            if (Double.isNaN(e[i]) && Double.isNaN(a[i]) || e[i] == a[i]) continue;
            if (!(Math.abs(e[i] - a[i]) <= tol * (1 + Math.abs(e[i]))))
                fail(what + ": element " + Arrays.toString(unravel(i, expected.shape())) + " expected " + e[i] + " got "
                        + a[i] + " (shape " + Shape.str(expected.shape()) + ")");
        }
    }

    static void assertValues(double[] expected, Tensor actual, double tol, String what) {
        double[] a = actual.toDoubleArray();
        assertEquals(expected.length, a.length, what + ": element count");
        for (int i = 0; i < a.length; i++)
            if (!(Math.abs(expected[i] - a[i]) <= tol * (1 + Math.abs(expected[i]))))
                fail(what + ": element " + i + " expected " + expected[i] + " got " + a[i] + "; all: " + Arrays.toString(a));
    }

    static int[] unravel(int i, int[] shape) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = i % Math.max(1, shape[d]);
            i /= Math.max(1, shape[d]);
        }
        return idx;
    }

    /** Sum of the elementwise product, in double. */
    static double dot(Tensor a, Tensor b) {
        double[] x = a.toDoubleArray(), y = b.toDoubleArray();
        assertEquals(x.length, y.length, "dot: sizes");
        double s = 0;
        for (int i = 0; i < x.length; i++) s += x[i] * y[i];
        return s;
    }

    /**
     * Checks an analytic vector-Jacobian product against central differences of f (all float64): for every
     * component i of x (or a sample of them when x is large), {@code <g, f(x+εe_i) - f(x-εe_i)>/2ε ≈ vjp[i]}, and
     * for one random direction u, {@code <g, f(x+εu) - f(x-εu)>/2ε ≈ <vjp, u>}.
     */
    static void checkVjp(Function<Tensor, Tensor> f, Tensor x, Tensor g, Tensor vjp, String what) {
        assertArrayEquals(x.shape(), vjp.shape(), what + ": gradient shape");
        double eps = 1e-6, tol = 1e-6;
        double[] xs = x.contiguous().toDoubleArray(), grad = vjp.toDoubleArray();
        int n = xs.length;
        Generator pick = new Generator(n * 31L + 7);
        int checks = Math.min(n, 60);
        for (int c = 0; c < checks; c++) {
            int i = n <= 60 ? c : pick.nextInt(n);
            double numeric = directional(f, xs, x.shape(), g, i, null, eps);
            if (Math.abs(numeric - grad[i]) > tol * (1 + Math.abs(numeric)))
                fail(what + ": d/dx" + Arrays.toString(unravel(i, x.shape())) + " numeric " + numeric + " analytic " + grad[i]);
        }
        double[] u = Tensor.randn(DType.FLOAT64, new Generator(n), n).toDoubleArray();
        double numeric = directional(f, xs, x.shape(), g, -1, u, eps), analytic = 0;
        for (int i = 0; i < n; i++) analytic += grad[i] * u[i];
        if (Math.abs(numeric - analytic) > 10 * tol * (1 + Math.abs(numeric)))
            fail(what + ": random direction: numeric " + numeric + " analytic " + analytic);
    }

    private static double directional(Function<Tensor, Tensor> f, double[] xs, int[] shape, Tensor g, int i, double[] u,
                                      double eps) {
        double[] plus = xs.clone(), minus = xs.clone();
        if (u == null) {
            plus[i] += eps;
            minus[i] -= eps;
        } else
            for (int k = 0; k < xs.length; k++) {
                plus[k] += eps * u[k];
                minus[k] -= eps * u[k];
            }
        double fp = dot(g, f.apply(Tensor.of(plus, shape))), fm = dot(g, f.apply(Tensor.of(minus, shape)));
        return (fp - fm) / (2 * eps);
    }
}

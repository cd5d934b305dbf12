package gradwerk.tensor.cpu;

import gradwerk.tensor.BinaryOp;
import gradwerk.tensor.DType;
import gradwerk.tensor.ReduceOp;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.UnaryOp;
import gradwerk.tensor.cpu.KernelCases.Kind;
import gradwerk.tensor.cpu.KernelCases.Values;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.EnumSet;
import java.util.Random;
import java.util.Set;

import static gradwerk.tensor.cpu.KernelCases.assertStorages;
import static gradwerk.tensor.cpu.KernelCases.describe;
import static gradwerk.tensor.cpu.KernelCases.kind;
import static gradwerk.tensor.cpu.KernelCases.operand;
import static gradwerk.tensor.cpu.KernelCases.twin;

/**
 * Every elementwise primitive of {@link CpuBackend} against {@link ScalarBackend}, primitive by primitive, on
 * random shapes (rank 0-4, sizes 0, 1, odd lengths, long rows), random layouts of inputs (permuted, step-sliced,
 * offset, expanded with stride 0) and outputs (strided, or the input itself for in-place ops), both dtypes.
 * Reductions and softmax are in {@link CpuReduceTest}; the threaded sizes in {@link CpuLargeTest}.
 *
 * <p>Ops whose fast kernel does the same IEEE operations as the reference must match bit for bit; the rest
 * (exp, log, sin, tanh, pow, gelu...) within float32 tolerance (atol 1e-6, rtol 1e-5) or float64 (1e-12).
 */
class CpuBackendTest {
    static final ScalarBackend REF = ScalarBackend.INSTANCE;
    static final CpuBackend CPU = CpuBackend.INSTANCE;
    static final int MAX_NUMEL = 6000;

    static final Set<UnaryOp> EXACT_MAPS = EnumSet.of(UnaryOp.NEG, UnaryOp.ABS, UnaryOp.SQRT, UnaryOp.RELU,
            UnaryOp.CLAMP, UnaryOp.ADD_SCALAR, UnaryOp.MUL_SCALAR, UnaryOp.LEAKY_RELU, UnaryOp.STEP, UnaryOp.SIGN,
            UnaryOp.SQUARE, UnaryOp.RECIPROCAL);

    static boolean exact(UnaryOp op, DType dt, double p) {
        return EXACT_MAPS.contains(op) || op == UnaryOp.POW && p == 2
                || dt == DType.FLOAT64 && (op == UnaryOp.RSQRT || op == UnaryOp.GELU);
    }

    static double atol(DType dt) { return dt == DType.FLOAT32 ? 1e-6 : 1e-12; }
    static double rtol(DType dt) { return dt == DType.FLOAT32 ? 1e-5 : 1e-12; }

    /** Runs the same primitive on both backends with twin outputs and compares the output storages. */
    interface Primitive { void run(gradwerk.tensor.Backend be, Tensor out); }

    static void compare(Tensor out, Primitive p, boolean exact, String what) {
        Tensor expected = twin(out), actual = twin(out);
        p.run(REF, expected);
        p.run(CPU, actual);
        assertStorages(expected, actual, exact, atol(out.dtype()), rtol(out.dtype()), what);
    }

    @Property(tries = 600)
    void mapMatchesReference(@ForAll UnaryOp op, @ForAll("dtypes") DType dt, @ForAll long seed) {
        Random r = new Random(seed);
        int[] shape = KernelCases.shape(r, 4, MAX_NUMEL);
        boolean positive = op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT || op == UnaryOp.POW;
        Values v = positive && r.nextBoolean() ? Values.POSITIVE : Values.values()[r.nextInt(3)];
        double[] ps = {2, 0.5, -1.25, 3, 0, 1.75};
        double p = ps[r.nextInt(ps.length)], q = ps[r.nextInt(ps.length)];
        Tensor a = operand(r, shape, dt, kind(r, Kind.values()), v);
        String what = op + " " + dt + " p=" + p + " q=" + q + " a " + describe(a);
        if (r.nextInt(4) == 0 && !isExpanded(a)) { // in place: out is a
            Tensor ea = twin(a), aa = twin(a);
            REF.map(op, p, q, ea, ea);
            CPU.map(op, p, q, aa, aa);
            assertStorages(ea, aa, exact(op, dt, p), atol(dt), rtol(dt), what + " in place");
            return;
        }
        Tensor out = operand(r, shape, dt, kind(r, KernelCases.OUTPUT_KINDS), v);
        compare(out, (be, o) -> be.map(op, p, q, a, o), exact(op, dt, p), what + " out " + describe(out));
    }

    static boolean isExpanded(Tensor t) {
        int[] s = t.shape(), st = t.strides();
        for (int i = 0; i < s.length; i++) if (st[i] == 0 && s[i] > 1) return true;
        return false;
    }

    @Property(tries = 600)
    void zipMatchesReference(@ForAll BinaryOp op, @ForAll("dtypes") DType dt, @ForAll long seed) {
        Random r = new Random(seed);
        int[] shape = KernelCases.shape(r, 4, MAX_NUMEL);
        Values v = op == BinaryOp.POW ? Values.POSITIVE : Values.values()[r.nextInt(3)];
        Tensor a = operand(r, shape, dt, kind(r, Kind.values()), v);
        Tensor b = operand(r, shape, dt, kind(r, Kind.values()), op == BinaryOp.POW ? Values.GAUSSIAN : v);
        boolean exact = op != BinaryOp.POW;
        String what = op + " " + dt + " a " + describe(a) + " b " + describe(b);
        if (r.nextInt(4) == 0 && !isExpanded(a)) { // in place, as zipInPlace does: out is a
            Tensor ea = twin(a), aa = twin(a);
            REF.zip(op, ea, b, ea);
            CPU.zip(op, aa, b, aa);
            assertStorages(ea, aa, exact, atol(dt), rtol(dt), what + " in place");
            return;
        }
        Tensor out = operand(r, shape, dt, kind(r, KernelCases.OUTPUT_KINDS), v);
        compare(out, (be, o) -> be.zip(op, a, b, o), exact, what + " out " + describe(out));
    }

    @Property(tries = 300)
    void whereMatchesReference(@ForAll("dtypes") DType dt, @ForAll long seed) {
        Random r = new Random(seed);
        int[] shape = KernelCases.shape(r, 4, MAX_NUMEL);
        Tensor c = operand(r, shape, dt, kind(r, Kind.values()), r.nextBoolean() ? Values.INTEGERS : Values.SPECIALS);
        Tensor a = operand(r, shape, dt, kind(r, Kind.values()), Values.SPECIALS);
        Tensor b = operand(r, shape, dt, kind(r, Kind.values()), Values.GAUSSIAN);
        Tensor out = operand(r, shape, dt, kind(r, KernelCases.OUTPUT_KINDS), Values.GAUSSIAN);
        compare(out, (be, o) -> be.where(c, a, b, o), true,
                "where " + dt + " c " + describe(c) + " a " + describe(a) + " b " + describe(b) + " out " + describe(out));
    }

    @Property(tries = 300)
    void copyAndCastMatchReference(@ForAll("dtypes") DType from, @ForAll("dtypes") DType to, @ForAll long seed) {
        Random r = new Random(seed);
        int[] shape = KernelCases.shape(r, 4, MAX_NUMEL);
        Tensor a = operand(r, shape, from, kind(r, Kind.values()), Values.SPECIALS);
        Tensor out = operand(r, shape, to, kind(r, KernelCases.OUTPUT_KINDS), Values.GAUSSIAN);
        compare(out, (be, o) -> be.copy(a, o), true, "copy " + from + "->" + to + " " + describe(a) + " out " + describe(out));
    }

    @Property(tries = 150)
    void fillMatchesReference(@ForAll("dtypes") DType dt, @ForAll long seed) {
        Random r = new Random(seed);
        int[] shape = KernelCases.shape(r, 4, MAX_NUMEL);
        Tensor out = operand(r, shape, dt, kind(r, KernelCases.OUTPUT_KINDS), Values.GAUSSIAN);
        double value = r.nextBoolean() ? 0.1 : Double.NaN;
        compare(out, (be, o) -> be.fill(o, value), true, "fill " + describe(out));
    }

    @Property(tries = 150)
    void downloadMatchesReference(@ForAll("dtypes") DType dt, @ForAll long seed) {
        Random r = new Random(seed);
        int[] shape = KernelCases.shape(r, 4, MAX_NUMEL);
        Tensor a = operand(r, shape, dt, kind(r, Kind.values()), Values.SPECIALS);
        int n = Shape.numel(shape);
        if (dt == DType.FLOAT32) {
            float[] e = new float[n], g = new float[n];
            REF.download(a, e);
            CPU.download(a, g);
            org.junit.jupiter.api.Assertions.assertArrayEquals(e, g, describe(a));
        } else {
            double[] e = new double[n], g = new double[n];
            REF.download(a, e);
            CPU.download(a, g);
            org.junit.jupiter.api.Assertions.assertArrayEquals(e, g, describe(a));
        }
        float[] host = {1, 2, 3};
        org.junit.jupiter.api.Assertions.assertSame(host, CpuStorage.floats(new Tensor(CPU.upload(host), 3)));
    }

    @Provide
    Arbitrary<DType> dtypes() {
        return Arbitraries.of(DType.FLOAT32, DType.FLOAT64);
    }
}

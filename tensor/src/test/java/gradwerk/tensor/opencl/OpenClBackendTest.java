package gradwerk.tensor.opencl;

import static org.junit.jupiter.api.Assertions.*;

import gradwerk.tensor.BinaryOp;
import gradwerk.tensor.DType;
import gradwerk.tensor.Device;
import gradwerk.tensor.Gen;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.UnaryOp;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The OpenCL {@link gradwerk.tensor.Backend} through the public tensor API: every op on {@code Device.get("opencl")}
 * must give what the same op gives on the CPU, for strided, permuted, broadcast and empty tensors.
 */
class OpenClBackendTest {
    private static final List<DType> DTYPES = List.of(DType.FLOAT32, DType.FLOAT64);
    private Device dev;

    @BeforeEach
    void device() {
        OpenClTestSupport.context(); // skips (or fails on CI) without OpenCL
        dev = Device.get("opencl");
    }

    private List<DType> dtypes() {
        return OpenClPlatforms.defaultDevice().fp64() ? DTYPES : List.of(DType.FLOAT32);
    }

    /** {@code t} copied into a non-contiguous view on {@code d}: permuted, stepped and offset, like Gen.strided. */
    static Tensor stridedOn(Device d, Tensor t, long layout) {
        int r = t.rank();
        Generator g = new Generator(layout);
        int[] perm = new int[r];
        for (int i = 0; i < r; i++) perm[i] = i;
        g.shuffle(perm);
        int[] shape = t.shape(), big = new int[r], step = new int[r];
        for (int i = 0; i < r; i++) {
            step[i] = 1 + g.nextInt(2);
            big[i] = shape[perm[i]] * step[i] + g.nextInt(2);
        }
        Tensor view = Tensor.full(t.dtype(), Double.NaN, big).to(d);
        for (int i = 0; i < r; i++) view = view.slice(i, 0, shape[perm[i]] * step[i], step[i]);
        int[] inverse = new int[r];
        for (int i = 0; i < r; i++) inverse[perm[i]] = i;
        view = view.permute(inverse);
        view.copyFrom(t.to(d));
        return view;
    }

    /** The same logical tensor on the CPU and (strided) on the device. */
    private Tensor[] pair(int[] shape, long seed, DType dt) {
        Tensor cpu = Gen.strided(Gen.tensor(shape, seed, dt), seed);
        return new Tensor[] {cpu, stridedOn(dev, cpu, seed * 31 + 7)};
    }

    static void same(String what, Tensor want, Tensor got) {
        assertArrayEquals(want.shape(), got.shape(), what + ": shape");
        assertEquals(want.dtype(), got.dtype(), what + ": dtype");
        double[] w = want.toDoubleArray(), g = got.toDoubleArray();
        double tol = want.dtype() == DType.FLOAT32 ? 2e-5 : 1e-12;
        for (int i = 0; i < w.length; i++) {
            if (Double.isNaN(w[i])) assertTrue(Double.isNaN(g[i]), what + " [" + i + "]: want NaN, got " + g[i]);
            else if (Double.isInfinite(w[i])) assertEquals(w[i], g[i], what + " [" + i + "]");
            else assertEquals(w[i], g[i], tol * (1 + Math.abs(w[i])), what + " [" + i + "]");
        }
    }

    private static int[] shape(Random rnd, int maxRank, int maxSize) {
        int[] s = new int[rnd.nextInt(maxRank + 1)];
        for (int i = 0; i < s.length; i++) s[i] = rnd.nextInt(maxSize + 1);
        return s;
    }

    @Test
    void everyNameOfADeviceGivesTheSameDevice() {
        OpenClDevice d = OpenClPlatforms.defaultDevice();
        assertSame(dev, Device.get(d.id()));
        assertSame(dev, OpenClBackend.device("opencl:" + d.type().name().toLowerCase()));
        assertEquals(d.id(), dev.name());
        var e = assertThrows(IllegalArgumentException.class, () -> Device.get("opencl:99"));
        assertTrue(e.getMessage().contains("no OpenCL device opencl:99"), e.getMessage());
    }

    @Test
    void creationAndTransfers() {
        for (DType dt : dtypes()) {
            Tensor z = Tensor.zeros(dt, 3, 5).to(dev);
            assertSame(dev, z.device());
            same("zeros", Tensor.zeros(dt, 3, 5), z);
            same("fullLike", Tensor.full(dt, 2.5, 3, 5), z.fullLike(2.5));
            same("newZeros", Tensor.zeros(dt, 4), z.newZeros(4)); // allocate() must zero recycled buffers
            Tensor x = Tensor.randn(dt, new Generator(1), 4, 6);
            Tensor d = x.to(dev);
            same("round trip", x, d.to(Device.CPU));
            same("transposed download", x.t(), d.t());
            same("get", Tensor.scalar(dt, x.get(2, 3)), Tensor.scalar(dt, d.get(2, 3)));
            same("contiguous", x.t().contiguous(), d.t().contiguous());
        }
        if (dtypes().size() == 2) {
            Tensor x = Tensor.randn(DType.FLOAT64, new Generator(2), 5, 7);
            same("to float32", x.to(DType.FLOAT32), x.to(dev).t().to(DType.FLOAT32).t());
            same("to float64", x.to(DType.FLOAT32).to(DType.FLOAT64), x.to(DType.FLOAT32).to(dev).to(DType.FLOAT64));
        }
    }

    @Test
    void unaryOps() {
        Random rnd = new Random(1);
        for (DType dt : dtypes())
            for (UnaryOp op : UnaryOp.values())
                for (int trial = 0; trial < 4; trial++) {
                    Tensor[] x = pair(shape(rnd, 4, 5), rnd.nextLong(), dt);
                    if (op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT || op == UnaryOp.POW) {
                        x[0] = x[0].abs().add(0.25);
                        x[1] = x[1].abs().add(0.25);
                    }
                    double p = op == UnaryOp.CLAMP ? -0.5 : op == UnaryOp.POW ? 1.5 : 0.3;
                    same(op + " " + dt, apply(op, x[0], p), apply(op, x[1], p));
                }
    }

    private static Tensor apply(UnaryOp op, Tensor x, double p) {
        return switch (op) {
            case POW -> x.pow(p);
            case CLAMP -> x.clamp(p, 0.75);
            case ADD_SCALAR -> x.add(p);
            case MUL_SCALAR -> x.mul(p);
            case LEAKY_RELU -> x.leakyRelu(p);
            default -> x.map(op);
        };
    }

    @Test
    void binaryOpsWithBroadcasting() {
        Random rnd = new Random(2);
        for (DType dt : dtypes())
            for (BinaryOp op : BinaryOp.values())
                for (int trial = 0; trial < 4; trial++) {
                    int[] sa = shape(rnd, 4, 4), sb = sa.clone();
                    for (int i = 0; i < sb.length; i++) if (rnd.nextInt(3) == 0) sb[i] = 1; // broadcast dims
                    if (rnd.nextBoolean() && sb.length > 0) sb = Arrays.copyOfRange(sb, rnd.nextInt(sb.length), sb.length);
                    if (rnd.nextBoolean()) { int[] t = sa; sa = sb; sb = t; }
                    Tensor[] a = pair(sa, rnd.nextLong(), dt), b = pair(sb, rnd.nextLong(), dt);
                    if (op == BinaryOp.POW) {
                        a[0] = a[0].abs().add(0.5);
                        a[1] = a[1].abs().add(0.5);
                    }
                    same(op + " " + dt + " " + Arrays.toString(sa) + " " + Arrays.toString(sb), a[0].zip(op, b[0]),
                            a[1].zip(op, b[1]));
                }
    }

    @Test
    void whereAndInPlaceOps() {
        Random rnd = new Random(3);
        for (DType dt : dtypes())
            for (int trial = 0; trial < 10; trial++) {
                int[] s = shape(rnd, 3, 5);
                Tensor[] c = pair(s, rnd.nextLong(), dt), a = pair(s, rnd.nextLong(), dt), b = pair(s, rnd.nextLong(), dt);
                Tensor[] mask = {c[0].gt(c[0].zerosLike()), c[1].gt(c[1].zerosLike())};
                same("where " + dt, mask[0].where(a[0], b[0]), mask[1].where(a[1], b[1]));
                a[0].addInPlace(b[0]).mulInPlace(3).addInPlace(-1);
                a[1].addInPlace(b[1]).mulInPlace(3).addInPlace(-1);
                same("in place " + dt, a[0], a[1]);
                b[0].fill(4);
                b[1].fill(4);
                same("fill " + dt, b[0], b[1]);
            }
    }

    @Test
    void reductionsOverAnyDimSet() {
        Random rnd = new Random(4);
        for (DType dt : dtypes())
            for (gradwerk.tensor.ReduceOp op : gradwerk.tensor.ReduceOp.values())
                for (int trial = 0; trial < 12; trial++) {
                    int[] s = shape(rnd, 4, 5);
                    if (op != gradwerk.tensor.ReduceOp.SUM && op != gradwerk.tensor.ReduceOp.MEAN)
                        for (int i = 0; i < s.length; i++) s[i] = Math.max(1, s[i]); // no empty max/argmax
                    Tensor[] x = pair(s, rnd.nextLong(), dt);
                    int[] dims = java.util.stream.IntStream.range(0, s.length).filter(i -> rnd.nextBoolean()).toArray();
                    boolean keep = rnd.nextBoolean();
                    String what = op + " " + dt + " " + Arrays.toString(s) + " dims " + Arrays.toString(dims);
                    same(what, reduce(op, x[0], dims, keep), reduce(op, x[1], dims, keep));
                }
    }

    private static Tensor reduce(gradwerk.tensor.ReduceOp op, Tensor x, int[] dims, boolean keep) {
        return switch (op) {
            case SUM -> x.sum(dims, keep);
            case MEAN -> x.mean(dims, keep);
            case MAX -> x.max(dims, keep);
            case MIN -> x.min(dims, keep);
            case ARGMAX -> dims.length == 1 ? x.argmax(dims[0], keep) : x.argmax();
            case ARGMIN -> dims.length == 1 ? x.argmin(dims[0], keep) : x.neg().argmax();
        };
    }

    @Test
    void matmulOfVectorsMatricesAndBatches() {
        Random rnd = new Random(5);
        int[][][] cases = {{{3, 4}, {4, 5}}, {{4}, {4, 5}}, {{3, 4}, {4}}, {{4}, {4}}, {{2, 3, 4}, {4, 5}},
                {{3, 4}, {2, 4, 5}}, {{2, 1, 3, 4}, {3, 4, 6}}, {{70, 65}, {65, 33}}, {{0, 4}, {4, 5}}, {{3, 0}, {0, 5}}};
        for (DType dt : dtypes())
            for (int[][] c : cases) {
                Tensor[] a = pair(c[0], rnd.nextLong(), dt), b = pair(c[1], rnd.nextLong(), dt);
                same("matmul " + dt + " " + Arrays.toString(c[0]) + " @ " + Arrays.toString(c[1]), a[0].matmul(b[0]),
                        a[1].matmul(b[1]));
            }
    }

    @Test
    void softmaxAlongAnyDim() {
        Random rnd = new Random(6);
        for (DType dt : dtypes())
            for (int trial = 0; trial < 12; trial++) {
                int[] s = shape(rnd, 3, 6);
                if (s.length == 0) s = new int[] {1};
                for (int i = 0; i < s.length; i++) s[i] = Math.max(1, s[i]); // logSumExp rejects empty dims
                Tensor[] x = pair(s, rnd.nextLong(), dt);
                int dim = rnd.nextInt(s.length);
                same("softmax " + dt + " " + Arrays.toString(s) + " dim " + dim, x[0].softmax(dim), x[1].softmax(dim));
                same("logSoftmax " + dt, x[0].logSoftmax(dim), x[1].logSoftmax(dim));
                same("logSumExp " + dt, x[0].logSumExp(dim, false), x[1].logSumExp(dim, false));
            }
    }

    @Test
    void catStackAndViews() {
        for (DType dt : dtypes()) {
            Tensor[] a = pair(new int[] {3, 4}, 1, dt), b = pair(new int[] {2, 4}, 2, dt);
            same("cat", Tensor.cat(0, a[0], b[0]), Tensor.cat(0, a[1], b[1]));
            same("stack", Tensor.stack(1, a[0], a[0]), Tensor.stack(1, a[1], a[1]));
            same("reshape of a transpose", a[0].t().reshape(12), a[1].t().reshape(12));
            same("select", a[0].select(1, 2).exp(), a[1].select(1, 2).exp());
        }
    }

    @Test
    void mixingDevicesIsAClearError() {
        Tensor cpu = Tensor.ones(3);
        Tensor gpu = cpu.to(dev);
        var e = assertThrows(IllegalArgumentException.class, () -> cpu.add(gpu));
        assertTrue(e.getMessage().contains("different devices"), e.getMessage());
    }
}

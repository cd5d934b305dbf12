package gradwerk.tensor.cpu;

import gradwerk.tensor.DType;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Storage;
import gradwerk.tensor.Tensor;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random operands for backend-against-backend tests, built straight from arrays and strides (never with a
 * backend op, so the backend under test cannot help make its own inputs). Unused storage slots hold random
 * numbers too, so a kernel that reads or writes the wrong slot shows up.
 */
final class KernelCases {
    private KernelCases() {}

    /** How an operand is laid out over its storage. */
    enum Kind { CONTIGUOUS, OFFSET, PERMUTED_STRIDED, EXPANDED, ALL_BROADCAST, INNER_BROADCAST }

    /** Kinds an output may have (outputs are never expanded). */
    static final Kind[] OUTPUT_KINDS = {Kind.CONTIGUOUS, Kind.OFFSET, Kind.PERMUTED_STRIDED};

    /** Numbers in a storage: continuous, small integers (ties for max/argmax), or with NaN/inf/±0 mixed in. */
    enum Values { GAUSSIAN, INTEGERS, SPECIALS, POSITIVE }

    /** A shape of rank 0..maxRank; mostly small sizes (0 and 1 included), sometimes one long dim. */
    static int[] shape(Random r, int maxRank, int maxNumel) {
        int rank = r.nextInt(maxRank + 1);
        int[] s = new int[rank];
        int[] medium = {7, 8, 9, 15, 16, 17, 31, 33, 64, 65};
        for (int i = 0; i < rank; i++) {
            int pick = r.nextInt(10);
            s[i] = pick < 6 ? r.nextInt(6) : pick < 9 ? medium[r.nextInt(medium.length)] : 100 + r.nextInt(1100);
        }
        while (room(s) > maxNumel) s[r.nextInt(rank)] /= 2;
        return s;
    }

    /** Elements a shape would have with its 0 sizes read as 1 (storage sizes for views follow this). */
    private static long room(int[] s) {
        long n = 1;
        for (int d : s) n *= Math.max(d, 1);
        return n;
    }

    static double value(Random r, Values v) {
        return switch (v) {
            case GAUSSIAN -> r.nextGaussian() * 2;
            case INTEGERS -> r.nextInt(7) - 3;
            case POSITIVE -> 0.05 + Math.abs(r.nextGaussian() * 2);
            case SPECIALS -> switch (r.nextInt(40)) {
                case 0 -> Double.NaN;
                case 1 -> Double.POSITIVE_INFINITY;
                case 2 -> Double.NEGATIVE_INFINITY;
                case 3 -> -0.0;
                case 4 -> 0.0;
                default -> r.nextGaussian() * 2;
            };
        };
    }

    static Storage storage(Random r, DType dt, int length, Values v) {
        if (dt == DType.FLOAT32) {
            float[] f = new float[length];
            for (int i = 0; i < length; i++) f[i] = (float) value(r, v);
            return new CpuStorage(f);
        }
        double[] d = new double[length];
        for (int i = 0; i < length; i++) d[i] = value(r, v);
        return new CpuStorage(d);
    }

    static Kind kind(Random r, Kind... kinds) {
        return kinds[r.nextInt(kinds.length)];
    }

    /**
     * A tensor of the given shape laid out as kind says: PERMUTED_STRIDED is a permuted, step-sliced, offset view
     * of a larger storage; EXPANDED gives some dims stride 0; ALL_BROADCAST is one number expanded to the shape;
     * INNER_BROADCAST has stride 0 along the last dim (as {@code x - x.mean(-1, keepDim)}).
     */
    static Tensor operand(Random r, int[] shape, DType dt, Kind kind, Values v) {
        int rank = shape.length;
        if (kind == Kind.CONTIGUOUS) return new Tensor(storage(r, dt, Shape.numel(shape), v), shape);
        if (kind == Kind.OFFSET) {
            int off = 1 + r.nextInt(5);
            return new Tensor(storage(r, dt, Shape.numel(shape) + off + r.nextInt(3), v), shape.clone(),
                    Shape.contiguousStrides(shape), off);
        }
        boolean[] zero = new boolean[rank];
        for (int i = 0; i < rank; i++)
            zero[i] = switch (kind) {
                case EXPANDED -> r.nextInt(3) == 0;
                case ALL_BROADCAST -> true;
                case INNER_BROADCAST -> i == rank - 1;
                default -> false;
            };
        int[] perm = new int[rank];
        for (int i = 0; i < rank; i++) perm[i] = i;
        for (int i = rank - 1; i > 0; i--) {
            int j = r.nextInt(i + 1), t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        // storage dims in permuted order, each (size * step + padding) long; broadcast dims take no room
        int[] strides = new int[rank];
        long room = 1;
        for (int i = rank - 1; i >= 0; i--) {
            int d = perm[i];
            if (zero[d]) continue;
            int step = kind == Kind.PERMUTED_STRIDED ? 1 + r.nextInt(2) : 1;
            strides[d] = (int) room * step;
            room *= (long) Math.max(shape[d], 1) * step + r.nextInt(2);
        }
        int off = r.nextInt(4);
        return new Tensor(storage(r, dt, (int) room + off + 1, v), shape.clone(), strides, off);
    }

    /** The same view over a copy of the storage (each backend gets its own output). */
    static Tensor twin(Tensor t) {
        Storage c = t.dtype() == DType.FLOAT32 ? new CpuStorage(CpuStorage.floats(t).clone())
                : new CpuStorage(CpuStorage.doubles(t).clone());
        return new Tensor(c, t.shape(), t.strides(), t.offset());
    }

    /** Every slot of a tensor's storage, as doubles. */
    static double[] slots(Tensor t) {
        if (t.dtype() == DType.FLOAT32) {
            float[] f = CpuStorage.floats(t);
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) d[i] = f[i];
            return d;
        }
        return CpuStorage.doubles(t).clone();
    }

    static String describe(Tensor t) {
        return Shape.str(t.shape()) + " strides " + Shape.str(t.strides()) + " offset " + t.offset();
    }

    /**
     * Compares the whole storages behind two outputs (so writes outside the view are caught too). exact: bit for
     * bit (NaN equals NaN); otherwise within atol + rtol |expected|, with NaN and infinities matching exactly.
     */
    static void assertStorages(Tensor expected, Tensor actual, boolean exact, double atol, double rtol, String what) {
        double[] e = slots(expected), a = slots(actual);
        for (int i = 0; i < e.length; i++) {
            boolean ok = exact || Double.isNaN(e[i]) || Double.isInfinite(e[i]) ? Double.compare(e[i], a[i]) == 0
                    : Math.abs(e[i] - a[i]) <= atol + rtol * Math.abs(e[i]);
            if (!ok) fail(what + ": slot " + i + " expected " + e[i] + " but was " + a[i]
                    + (exact ? " (exact)" : " (atol " + atol + ", rtol " + rtol + ")"));
        }
    }

    /** Per-element tolerance for results compared one by one (sums get their own). */
    static void assertClose(double[] e, double[] a, double[] tol, String what) {
        if (e.length != a.length) fail(what + ": lengths " + e.length + " vs " + a.length);
        for (int i = 0; i < e.length; i++) {
            boolean ok = Double.isNaN(e[i]) || Double.isInfinite(e[i]) ? Double.compare(e[i], a[i]) == 0
                    : Math.abs(e[i] - a[i]) <= tol[i];
            if (!ok) fail(what + ": element " + i + " expected " + e[i] + " but was " + a[i] + " (tolerance " + tol[i] + ")");
        }
    }

    static int[] permutation(Random r, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1), t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    static String str(int[] a) {
        return Arrays.toString(a);
    }
}

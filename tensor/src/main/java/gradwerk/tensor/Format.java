package gradwerk.tensor;

import java.util.Locale;

/** Printing (NumPy-like, truncated) and approximate comparison of tensors. */
final class Format {
    private Format() {}

    /** Above this many elements, each dim shows only its first and last {@link #EDGE} entries. */
    static final int THRESHOLD = 1000;
    static final int EDGE = 3;

    static String format(Tensor t) {
        double[] v = t.toDoubleArray();
        int[] shape = t.shape();
        boolean truncate = v.length > THRESHOLD;
        boolean integral = true;
        double maxAbs = 0;
        for (double x : v) {
            if (x != Math.rint(x) || Double.isInfinite(x)) integral = false;
            if (Double.isFinite(x)) maxAbs = Math.max(maxAbs, Math.abs(x));
        }
        boolean sci = maxAbs >= 1e8 || (maxAbs > 0 && maxAbs < 1e-4);
        StringBuilder sb = new StringBuilder("tensor(");
        int[] strides = Shape.contiguousStrides(shape);
        int width = 0; // numbers are right-aligned to a common width, as NumPy does
        for (double x : v) width = Math.max(width, number(x, integral, sci).length());
        appendLevel(sb, v, shape, strides, 0, 0, truncate, integral, sci, "       ", width);
        sb.append(", shape=").append(Shape.str(shape)).append(", dtype=").append(t.dtype());
        if (!t.device().isCpu()) sb.append(", device=").append(t.device());
        return sb.append(')').toString();
    }

    private static void appendLevel(StringBuilder sb, double[] v, int[] shape, int[] strides, int dim, int base,
                                    boolean truncate, boolean integral, boolean sci, String indent, int width) {
        if (dim == shape.length) {
            String num = number(v[base], integral, sci);
            sb.append(" ".repeat(width - num.length())).append(num);
            return;
        }
        sb.append('[');
        int n = shape[dim];
        for (int i = 0; i < n; i++) {
            if (truncate && n > 2 * EDGE && i == EDGE) {
                sb.append(dim == shape.length - 1 ? "..., " : "...,\n" + indent + " ".repeat(dim + 1));
                i = n - EDGE - 1;
                continue;
            }
            appendLevel(sb, v, shape, strides, dim + 1, base + i * strides[dim], truncate, integral, sci, indent, width);
            if (i < n - 1) {
                if (dim == shape.length - 1) sb.append(", ");
                else sb.append(",").append("\n".repeat(shape.length - dim - 1)).append(indent).append(" ".repeat(dim + 1));
            }
        }
        sb.append(']');
    }

    private static String number(double x, boolean integral, boolean sci) {
        if (Double.isNaN(x)) return "nan";
        if (Double.isInfinite(x)) return x > 0 ? "inf" : "-inf";
        if (integral && !sci) return String.format(Locale.ROOT, "%.0f.", x);
        if (sci) return String.format(Locale.ROOT, "%.4e", x);
        return String.format(Locale.ROOT, "%.4f", x);
    }

    static boolean allClose(Tensor a, Tensor b, double rtol, double atol) {
        if (!java.util.Arrays.equals(a.shape(), b.shape())) return false;
        double[] x = a.toDoubleArray(), y = b.toDoubleArray();
        for (int i = 0; i < x.length; i++) {
            if (x[i] == y[i]) continue; // equal infinities
            if (!(Math.abs(x[i] - y[i]) <= atol + rtol * Math.abs(y[i]))) return false;
        }
        return true;
    }
}

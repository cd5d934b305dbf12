package gradwerk.tensor.cpu;

import gradwerk.tensor.Backend;
import gradwerk.tensor.BinaryOp;
import gradwerk.tensor.DType;
import gradwerk.tensor.ReduceOp;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Storage;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.UnaryOp;
import gradwerk.tensor.nn.GridPadding;
import gradwerk.tensor.nn.Interpolation;
import gradwerk.tensor.nn.Window2d;

/**
 * The reference backend: the most obvious loops, one element at a time, computing in double precision. Every
 * fast kernel is tested against it. It is slow on purpose; never use it for training.
 *
 * <p>Each element's storage position is computed from its row-major number by division (see {@link #at}), which
 * is as direct a reading of the strided-view definition as there is.
 */
public class ScalarBackend implements Backend {
    public static final ScalarBackend INSTANCE = new ScalarBackend();

    protected ScalarBackend() {}

    /** Storage index of the element with row-major number {@code linear} in view t. */
    static int at(Tensor t, int linear) {
        int[] shape = t.shape(), strides = t.strides();
        int p = t.offset();
        for (int d = shape.length - 1; d >= 0; d--) {
            int size = shape[d];
            if (size == 0) return p;
            p += (linear % size) * strides[d];
            linear /= size;
        }
        return p;
    }

    @Override
    public Storage allocate(DType dtype, int length) {
        return CpuStorage.allocate(dtype, length, true);
    }

    @Override
    public Storage allocateUnfilled(DType dtype, int length) {
        return CpuStorage.allocate(dtype, length, false);
    }

    @Override
    public Storage upload(float[] data) {
        return new CpuStorage(data);
    }

    @Override
    public Storage upload(double[] data) {
        return new CpuStorage(data);
    }

    @Override
    public void download(Tensor src, float[] dst) {
        CpuStorage s = CpuStorage.cpu(src);
        for (int i = 0; i < dst.length; i++) dst[i] = (float) s.get(at(src, i));
    }

    @Override
    public void download(Tensor src, double[] dst) {
        CpuStorage s = CpuStorage.cpu(src);
        for (int i = 0; i < dst.length; i++) dst[i] = s.get(at(src, i));
    }

    @Override
    public void map(UnaryOp op, double p, double q, Tensor a, Tensor out) {
        CpuStorage sa = CpuStorage.cpu(a), so = CpuStorage.cpu(out);
        int n = out.numel();
        for (int i = 0; i < n; i++) so.set(at(out, i), op.apply(sa.get(at(a, i)), p, q));
    }

    @Override
    public void zip(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        CpuStorage sa = CpuStorage.cpu(a), sb = CpuStorage.cpu(b), so = CpuStorage.cpu(out);
        int n = out.numel();
        for (int i = 0; i < n; i++) so.set(at(out, i), op.apply(sa.get(at(a, i)), sb.get(at(b, i))));
    }

    @Override
    public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        CpuStorage sc = CpuStorage.cpu(cond), sa = CpuStorage.cpu(a), sb = CpuStorage.cpu(b), so = CpuStorage.cpu(out);
        int n = out.numel();
        for (int i = 0; i < n; i++)
            so.set(at(out, i), sc.get(at(cond, i)) != 0 ? sa.get(at(a, i)) : sb.get(at(b, i)));
    }

    @Override
    public void copy(Tensor src, Tensor out) {
        CpuStorage ss = CpuStorage.cpu(src), so = CpuStorage.cpu(out);
        int n = out.numel();
        for (int i = 0; i < n; i++) so.set(at(out, i), ss.get(at(src, i)));
    }

    @Override
    public void fill(Tensor out, double value) {
        CpuStorage so = CpuStorage.cpu(out);
        int n = out.numel();
        for (int i = 0; i < n; i++) so.set(at(out, i), value);
    }

    @Override
    public void reduce(ReduceOp op, Tensor a, int reducedRank, Tensor out) {
        CpuStorage sa = CpuStorage.cpu(a), so = CpuStorage.cpu(out);
        int[] shape = a.shape();
        int block = 1;
        for (int d = shape.length - reducedRank; d < shape.length; d++) block *= shape[d];
        int rows = out.numel();
        for (int r = 0; r < rows; r++) {
            double acc = switch (op) {
                case SUM, MEAN -> 0.0;
                case MAX, ARGMAX -> Double.NEGATIVE_INFINITY;
                case MIN, ARGMIN -> Double.POSITIVE_INFINITY;
            };
            int best = 0;
            boolean nan = false;
            for (int j = 0; j < block; j++) {
                double x = sa.get(at(a, r * block + j));
                switch (op) {
                    case SUM, MEAN -> acc += x;
                    case MAX -> acc = Double.isNaN(x) || Double.isNaN(acc) ? Double.NaN : Math.max(acc, x);
                    case MIN -> acc = Double.isNaN(x) || Double.isNaN(acc) ? Double.NaN : Math.min(acc, x);
                    case ARGMAX -> { if (!nan && (x > acc || Double.isNaN(x) || j == 0)) { acc = x; best = j; nan = Double.isNaN(x); } }
                    case ARGMIN -> { if (!nan && (x < acc || Double.isNaN(x) || j == 0)) { acc = x; best = j; nan = Double.isNaN(x); } }
                }
            }
            double v = switch (op) {
                case MEAN -> acc / block;
                case ARGMAX, ARGMIN -> best;
                default -> acc;
            };
            so.set(at(out, r), v);
        }
    }

    @Override
    public void matmul(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        CpuStorage sa = CpuStorage.cpu(a), sb = CpuStorage.cpu(b), so = CpuStorage.cpu(out);
        int batch = a.size(0), m = a.size(1), k = a.size(2), n = b.size(2);
        for (int z = 0; z < batch; z++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int p = 0; p < k; p++)
                        acc += sa.get(a.index(z, i, p)) * sb.get(b.index(z, p, j));
                    int o = out.index(z, i, j);
                    so.set(o, accumulate ? so.get(o) + acc : acc);
                }
    }

    @Override
    public void softmax(Tensor a, Tensor out, boolean log) {
        CpuStorage sa = CpuStorage.cpu(a), so = CpuStorage.cpu(out);
        int[] shape = a.shape();
        int len = shape.length == 0 ? 1 : shape[shape.length - 1];
        int rows = len == 0 ? 0 : a.numel() / len;
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < len; j++) max = Math.max(max, sa.get(at(a, r * len + j)));
            if (max == Double.NEGATIVE_INFINITY) max = 0; // an all -inf row: avoid -inf - -inf
            double sum = 0;
            for (int j = 0; j < len; j++) sum += Math.exp(sa.get(at(a, r * len + j)) - max);
            for (int j = 0; j < len; j++) {
                double x = sa.get(at(a, r * len + j)) - max;
                so.set(at(out, r * len + j), log ? x - Math.log(sum) : Math.exp(x) / sum);
            }
        }
    }

    /** The row count a reduction with these shapes produces (shared with the fast backend's checks). */
    static int rows(Tensor a, int reducedRank) {
        int[] s = a.shape();
        return Shape.numel(java.util.Arrays.copyOf(s, s.length - reducedRank));
    }

    // ================================================================ nn primitives: the reference loops of NnReference

    @Override
    public void im2col(Tensor input, Window2d w, Tensor columns) { NnReference.im2col(input, w, columns); }

    @Override
    public void col2im(Tensor columns, Window2d w, Tensor image) { NnReference.col2im(columns, w, image); }

    @Override
    public void maxPool2d(Tensor input, Window2d w, Tensor out, Tensor indices) { NnReference.maxPool2d(input, w, out, indices); }

    @Override
    public void maxPool2dBackward(Tensor gradOut, Tensor indices, Tensor gradInput) {
        NnReference.maxPool2dBackward(gradOut, indices, gradInput);
    }

    @Override
    public void avgPool2d(Tensor input, Window2d w, boolean countIncludePad, int divisorOverride, Tensor out) {
        NnReference.avgPool2d(input, w, countIncludePad, divisorOverride, out);
    }

    @Override
    public void avgPool2dBackward(Tensor gradOut, Window2d w, boolean countIncludePad, int divisorOverride, Tensor gradInput) {
        NnReference.avgPool2dBackward(gradOut, w, countIncludePad, divisorOverride, gradInput);
    }

    @Override
    public void adaptiveAvgPool2d(Tensor input, Tensor out) { NnReference.adaptiveAvgPool2d(input, out); }

    @Override
    public void adaptiveAvgPool2dBackward(Tensor gradOut, Tensor gradInput) {
        NnReference.adaptiveAvgPool2dBackward(gradOut, gradInput);
    }

    @Override
    public void upsample2d(Tensor input, Interpolation mode, boolean alignCorners, double scaleH, double scaleW, Tensor out) {
        NnReference.upsample2d(input, mode, alignCorners, scaleH, scaleW, out, false);
    }

    @Override
    public void upsample2dBackward(Tensor gradOut, Interpolation mode, boolean alignCorners, double scaleH, double scaleW,
                                   Tensor gradInput) {
        NnReference.upsample2d(gradInput, mode, alignCorners, scaleH, scaleW, gradOut, true);
    }

    @Override
    public void gridSample2d(Tensor input, Tensor grid, Interpolation mode, GridPadding padding, boolean alignCorners,
                             Tensor out) {
        NnReference.gridSample2d(input, grid, mode, padding, alignCorners, out, null, null, null);
    }

    @Override
    public void gridSample2dBackward(Tensor gradOut, Tensor input, Tensor grid, Interpolation mode, GridPadding padding,
                                     boolean alignCorners, Tensor gradInput, Tensor gradGrid) {
        NnReference.gridSample2d(input, grid, mode, padding, alignCorners, null, gradOut, gradInput, gradGrid);
    }

    @Override
    public void batchNorm(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar, boolean training,
                          double momentum, double eps, Tensor out, Tensor saveMean, Tensor saveInvstd) {
        NnReference.batchNorm(x, weight, bias, runningMean, runningVar, training, momentum, eps, out, saveMean, saveInvstd);
    }

    @Override
    public void batchNormBackward(Tensor gradOut, Tensor x, Tensor weight, Tensor saveMean, Tensor saveInvstd,
                                  boolean training, Tensor gradInput, Tensor gradWeight, Tensor gradBias) {
        NnReference.batchNormBackward(gradOut, x, weight, saveMean, saveInvstd, training, gradInput, gradWeight, gradBias);
    }

    @Override
    public void groupNorm(Tensor x, Tensor weight, Tensor bias, int groups, double eps, Tensor out, Tensor saveMean,
                          Tensor saveInvstd) {
        NnReference.groupNorm(x, weight, bias, groups, eps, out, saveMean, saveInvstd);
    }

    @Override
    public void groupNormBackward(Tensor gradOut, Tensor x, Tensor weight, Tensor saveMean, Tensor saveInvstd, int groups,
                                  Tensor gradInput, Tensor gradWeight, Tensor gradBias) {
        NnReference.groupNormBackward(gradOut, x, weight, saveMean, saveInvstd, groups, gradInput, gradWeight, gradBias);
    }
}

package gradwerk.tensor.cpu;

import gradwerk.tensor.BinaryOp;
import gradwerk.tensor.DType;
import gradwerk.tensor.ReduceOp;
import gradwerk.tensor.Storage;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.UnaryOp;
import gradwerk.tensor.cpu.StridedLoops.Layout;
import gradwerk.tensor.cpu.StridedLoops.Scratch;

import static gradwerk.tensor.cpu.StridedLoops.GRAIN;
import static gradwerk.tensor.cpu.StridedLoops.collapse;
import static gradwerk.tensor.cpu.StridedLoops.forEachSegment;
import static gradwerk.tensor.cpu.StridedLoops.gather;
import static gradwerk.tensor.cpu.StridedLoops.offsets;
import static gradwerk.tensor.cpu.StridedLoops.scatter;

/**
 * The CPU backend used for real work: Vector API kernels with contiguous fast paths and a generic strided path,
 * split across cores. Only matmul still falls back to the scalar reference.
 *
 * <p>When every operand is contiguous (the usual case), an elementwise primitive is one kernel call per thread
 * over the whole range. Otherwise it takes three steps (see {@link StridedLoops}): collapse the operands'
 * dims, walk the elements as runs along the last dim, and hand each run to a contiguous kernel
 * ({@link MapKernels}, {@link ZipKernels}, {@link CopyKernels}), packing operands whose run has a stride into
 * scratch buffers. An operand with stride 0 along the run (a broadcast number) is passed as a number instead.
 * Reductions and softmax have their own drivers ({@link ReduceKernels}, {@link SoftmaxKernels}).
 */
public class CpuBackend extends ScalarBackend {
    public static final CpuBackend INSTANCE = new CpuBackend();

    protected CpuBackend() {}

    // ------------------------------------------------------------------------------------------ transfer

    /** Takes ownership of the array (callers pass a copy): CPU storage is the host array itself. */
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
        copy(src, new Tensor(new CpuStorage(dst), src.shape()));
    }

    @Override
    public void download(Tensor src, double[] dst) {
        copy(src, new Tensor(new CpuStorage(dst), src.shape()));
    }

    // ------------------------------------------------------------------------------------------ elementwise

    @Override
    public void map(UnaryOp op, double p, double q, Tensor a, Tensor out) {
        if (a.isContiguous() && out.isContiguous()) { // the common case: one run, no layout work at all
            int ao = a.offset(), oo = out.offset();
            if (a.dtype() == DType.FLOAT32) {
                float[] x = CpuStorage.floats(a), o = CpuStorage.floats(out);
                Parallel.forRange(out.numel(), GRAIN, (f, t) -> MapKernels.map(op, p, q, x, ao + f, o, oo + f, t - f));
            } else {
                double[] x = CpuStorage.doubles(a), o = CpuStorage.doubles(out);
                Parallel.forRange(out.numel(), GRAIN, (f, t) -> MapKernels.map(op, p, q, x, ao + f, o, oo + f, t - f));
            }
            return;
        }
        Layout l = collapse(a, out);
        int as = l.innerStride(0), os = l.innerStride(1);
        if (a.dtype() == DType.FLOAT32) {
            float[] x = CpuStorage.floats(a), o = CpuStorage.floats(out);
            forEachSegment(l, offsets(a, out), (at, n, s) -> {
                float[] src = run(x, at[0], as, n, s, 0), dst = os == 1 ? o : s.f(3);
                MapKernels.map(op, p, q, src, as == 1 ? at[0] : 0, dst, os == 1 ? at[1] : 0, n);
                if (os != 1) scatter(dst, o, at[1], os, n);
            });
        } else {
            double[] x = CpuStorage.doubles(a), o = CpuStorage.doubles(out);
            forEachSegment(l, offsets(a, out), (at, n, s) -> {
                double[] src = run(x, at[0], as, n, s, 0), dst = os == 1 ? o : s.d(3);
                MapKernels.map(op, p, q, src, as == 1 ? at[0] : 0, dst, os == 1 ? at[1] : 0, n);
                if (os != 1) scatter(dst, o, at[1], os, n);
            });
        }
    }

    @Override
    public void zip(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        if (a.isContiguous() && b.isContiguous() && out.isContiguous()) {
            int ao = a.offset(), bo = b.offset(), oo = out.offset();
            if (a.dtype() == DType.FLOAT32) {
                float[] x = CpuStorage.floats(a), y = CpuStorage.floats(b), o = CpuStorage.floats(out);
                Parallel.forRange(out.numel(), GRAIN, (f, t) -> ZipKernels.vv(op, x, ao + f, y, bo + f, o, oo + f, t - f));
            } else {
                double[] x = CpuStorage.doubles(a), y = CpuStorage.doubles(b), o = CpuStorage.doubles(out);
                Parallel.forRange(out.numel(), GRAIN, (f, t) -> ZipKernels.vv(op, x, ao + f, y, bo + f, o, oo + f, t - f));
            }
            return;
        }
        Layout l = collapse(a, b, out);
        int as = l.innerStride(0), bs = l.innerStride(1), os = l.innerStride(2);
        if (a.dtype() == DType.FLOAT32) {
            float[] x = CpuStorage.floats(a), y = CpuStorage.floats(b), o = CpuStorage.floats(out);
            forEachSegment(l, offsets(a, b, out), (at, n, s) -> {
                float[] dst = os == 1 ? o : s.f(3);
                int di = os == 1 ? at[2] : 0;
                if (bs == 0 && as == 0) CopyKernels.fill(dst, di, 1, (float) op.apply(x[at[0]], y[at[1]]), n);
                else if (bs == 0) ZipKernels.vs(op, run(x, at[0], as, n, s, 0), as == 1 ? at[0] : 0, y[at[1]], false, dst, di, n);
                else if (as == 0) ZipKernels.vs(op, run(y, at[1], bs, n, s, 1), bs == 1 ? at[1] : 0, x[at[0]], true, dst, di, n);
                else ZipKernels.vv(op, run(x, at[0], as, n, s, 0), as == 1 ? at[0] : 0,
                            run(y, at[1], bs, n, s, 1), bs == 1 ? at[1] : 0, dst, di, n);
                if (os != 1) scatter(dst, o, at[2], os, n);
            });
        } else {
            double[] x = CpuStorage.doubles(a), y = CpuStorage.doubles(b), o = CpuStorage.doubles(out);
            forEachSegment(l, offsets(a, b, out), (at, n, s) -> {
                double[] dst = os == 1 ? o : s.d(3);
                int di = os == 1 ? at[2] : 0;
                if (bs == 0 && as == 0) CopyKernels.fill(dst, di, 1, op.apply(x[at[0]], y[at[1]]), n);
                else if (bs == 0) ZipKernels.vs(op, run(x, at[0], as, n, s, 0), as == 1 ? at[0] : 0, y[at[1]], false, dst, di, n);
                else if (as == 0) ZipKernels.vs(op, run(y, at[1], bs, n, s, 1), bs == 1 ? at[1] : 0, x[at[0]], true, dst, di, n);
                else ZipKernels.vv(op, run(x, at[0], as, n, s, 0), as == 1 ? at[0] : 0,
                            run(y, at[1], bs, n, s, 1), bs == 1 ? at[1] : 0, dst, di, n);
                if (os != 1) scatter(dst, o, at[2], os, n);
            });
        }
    }

    @Override
    public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        if (cond.isContiguous() && a.isContiguous() && b.isContiguous() && out.isContiguous()) {
            int co = cond.offset(), ao = a.offset(), bo = b.offset(), oo = out.offset();
            if (a.dtype() == DType.FLOAT32) {
                float[] c = CpuStorage.floats(cond), x = CpuStorage.floats(a), y = CpuStorage.floats(b), o = CpuStorage.floats(out);
                Parallel.forRange(out.numel(), GRAIN, (f, t) -> ZipKernels.where(c, co + f, x, ao + f, y, bo + f, o, oo + f, t - f));
            } else {
                double[] c = CpuStorage.doubles(cond), x = CpuStorage.doubles(a), y = CpuStorage.doubles(b), o = CpuStorage.doubles(out);
                Parallel.forRange(out.numel(), GRAIN, (f, t) -> ZipKernels.where(c, co + f, x, ao + f, y, bo + f, o, oo + f, t - f));
            }
            return;
        }
        Layout l = collapse(cond, a, b, out);
        int cs = l.innerStride(0), as = l.innerStride(1), bs = l.innerStride(2), os = l.innerStride(3);
        if (a.dtype() == DType.FLOAT32) {
            float[] c = CpuStorage.floats(cond), x = CpuStorage.floats(a), y = CpuStorage.floats(b), o = CpuStorage.floats(out);
            forEachSegment(l, offsets(cond, a, b, out), (at, n, s) -> {
                float[] dst = os == 1 ? o : s.f(3);
                ZipKernels.where(run(c, at[0], cs, n, s, 0), cs == 1 ? at[0] : 0, run(x, at[1], as, n, s, 1),
                        as == 1 ? at[1] : 0, run(y, at[2], bs, n, s, 2), bs == 1 ? at[2] : 0, dst, os == 1 ? at[3] : 0, n);
                if (os != 1) scatter(dst, o, at[3], os, n);
            });
        } else {
            double[] c = CpuStorage.doubles(cond), x = CpuStorage.doubles(a), y = CpuStorage.doubles(b), o = CpuStorage.doubles(out);
            forEachSegment(l, offsets(cond, a, b, out), (at, n, s) -> {
                double[] dst = os == 1 ? o : s.d(3);
                ZipKernels.where(run(c, at[0], cs, n, s, 0), cs == 1 ? at[0] : 0, run(x, at[1], as, n, s, 1),
                        as == 1 ? at[1] : 0, run(y, at[2], bs, n, s, 2), bs == 1 ? at[2] : 0, dst, os == 1 ? at[3] : 0, n);
                if (os != 1) scatter(dst, o, at[3], os, n);
            });
        }
    }

    /** Operand x's run as a contiguous array: x itself when its stride is 1 (index at), else a packed copy (index 0). */
    private static float[] run(float[] x, int at, int stride, int n, Scratch s, int slot) {
        if (stride == 1) return x;
        float[] buf = s.f(slot);
        gather(x, at, stride, buf, n);
        return buf;
    }

    private static double[] run(double[] x, int at, int stride, int n, Scratch s, int slot) {
        if (stride == 1) return x;
        double[] buf = s.d(slot);
        gather(x, at, stride, buf, n);
        return buf;
    }

    @Override
    public void copy(Tensor src, Tensor out) {
        Layout l = src.isContiguous() && out.isContiguous() ? StridedLoops.contiguous(out.numel(), 2) : collapse(src, out);
        int as = l.innerStride(0), os = l.innerStride(1);
        boolean fromFloat = src.dtype() == DType.FLOAT32, toFloat = out.dtype() == DType.FLOAT32;
        if (fromFloat && toFloat) {
            float[] x = CpuStorage.floats(src), o = CpuStorage.floats(out);
            forEachSegment(l, offsets(src, out), (at, n, s) -> CopyKernels.copy(x, at[0], as, o, at[1], os, n));
        } else if (fromFloat) {
            float[] x = CpuStorage.floats(src);
            double[] o = CpuStorage.doubles(out);
            forEachSegment(l, offsets(src, out), (at, n, s) -> CopyKernels.copy(x, at[0], as, o, at[1], os, n));
        } else if (toFloat) {
            double[] x = CpuStorage.doubles(src);
            float[] o = CpuStorage.floats(out);
            forEachSegment(l, offsets(src, out), (at, n, s) -> CopyKernels.copy(x, at[0], as, o, at[1], os, n));
        } else {
            double[] x = CpuStorage.doubles(src), o = CpuStorage.doubles(out);
            forEachSegment(l, offsets(src, out), (at, n, s) -> CopyKernels.copy(x, at[0], as, o, at[1], os, n));
        }
    }

    @Override
    public void fill(Tensor out, double value) {
        Layout l = out.isContiguous() ? StridedLoops.contiguous(out.numel(), 1) : collapse(out);
        int os = l.innerStride(0);
        if (out.dtype() == DType.FLOAT32) {
            float[] o = CpuStorage.floats(out);
            forEachSegment(l, offsets(out), (at, n, s) -> CopyKernels.fill(o, at[0], os, (float) value, n));
        } else {
            double[] o = CpuStorage.doubles(out);
            forEachSegment(l, offsets(out), (at, n, s) -> CopyKernels.fill(o, at[0], os, value, n));
        }
    }

    // ------------------------------------------------------------------------------------------ reductions, softmax

    @Override
    public void reduce(ReduceOp op, Tensor a, int reducedRank, Tensor out) {
        ReduceKernels.reduce(op, a, reducedRank, out);
    }

    @Override
    public void softmax(Tensor a, Tensor out, boolean log) {
        SoftmaxKernels.softmax(a, out, log);
    }

    // matmul: the scalar reference for now (the blocked GEMM is developed separately)
}

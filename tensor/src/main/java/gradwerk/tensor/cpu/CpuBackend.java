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
import gradwerk.tensor.nn.ConvLowering;
import gradwerk.tensor.nn.GridPadding;
import gradwerk.tensor.nn.Interpolation;
import gradwerk.tensor.nn.Window2d;

/**
 * The CPU backend used for real work: Vector API kernels with contiguous fast paths and a generic strided path,
 * split across cores; matmul runs on the packed, cache-blocked {@link Gemm}.
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
        int n = out.numel();
        if (a.isContiguous() && out.isContiguous()) { // the common case: one run, no layout work at all
            int ao = a.offset(), oo = out.offset();
            if (a.dtype() == DType.FLOAT32) {
                float[] x = CpuStorage.floats(a), o = CpuStorage.floats(out);
                Parallel.forRange(n, GRAIN, (f, t) -> MapKernels.map(op, p, q, x, ao + f, o, oo + f, t - f));
            } else {
                double[] x = CpuStorage.doubles(a), o = CpuStorage.doubles(out);
                Parallel.forRange(n, GRAIN, (f, t) -> MapKernels.map(op, p, q, x, ao + f, o, oo + f, t - f));
            }
            return;
        }
        Layout l = collapse(a, out);
        int as = l.innerStride(0), os = l.innerStride(1);
        if (a.dtype() == DType.FLOAT32) {
            float[] x = CpuStorage.floats(a), o = CpuStorage.floats(out);
            forEachSegment(l, offsets(a, out), (at, len, s) -> {
                float[] dst = os == 1 ? o : s.f(3);
                MapKernels.map(op, p, q, run(x, at[0], as, len, s, 0), start(at[0], as), dst, start(at[1], os), len);
                if (os != 1) scatter(dst, o, at[1], os, len);
            });
        } else {
            double[] x = CpuStorage.doubles(a), o = CpuStorage.doubles(out);
            forEachSegment(l, offsets(a, out), (at, len, s) -> {
                double[] dst = os == 1 ? o : s.d(3);
                MapKernels.map(op, p, q, run(x, at[0], as, len, s, 0), start(at[0], as), dst, start(at[1], os), len);
                if (os != 1) scatter(dst, o, at[1], os, len);
            });
        }
    }

    @Override
    public void zip(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        int n = out.numel();
        if (a.isContiguous() && b.isContiguous() && out.isContiguous()) {
            int ao = a.offset(), bo = b.offset(), oo = out.offset();
            if (a.dtype() == DType.FLOAT32) {
                float[] x = CpuStorage.floats(a), y = CpuStorage.floats(b), o = CpuStorage.floats(out);
                Parallel.forRange(n, GRAIN, (f, t) -> ZipKernels.vv(op, x, ao + f, y, bo + f, o, oo + f, t - f));
            } else {
                double[] x = CpuStorage.doubles(a), y = CpuStorage.doubles(b), o = CpuStorage.doubles(out);
                Parallel.forRange(n, GRAIN, (f, t) -> ZipKernels.vv(op, x, ao + f, y, bo + f, o, oo + f, t - f));
            }
            return;
        }
        // per run: both operands runs (vv), or one of them a single number (vs: stride 0 along the run)
        Layout l = collapse(a, b, out);
        int as = l.innerStride(0), bs = l.innerStride(1), os = l.innerStride(2);
        if (a.dtype() == DType.FLOAT32) {
            float[] x = CpuStorage.floats(a), y = CpuStorage.floats(b), o = CpuStorage.floats(out);
            forEachSegment(l, offsets(a, b, out), (at, len, s) -> {
                float[] dst = os == 1 ? o : s.f(3);
                int di = start(at[2], os);
                if (as == 0 && bs == 0) CopyKernels.fill(dst, di, 1, (float) op.apply(x[at[0]], y[at[1]]), len);
                else if (bs == 0)
                    BroadcastZipKernels.vs(op, run(x, at[0], as, len, s, 0), start(at[0], as), y[at[1]], false,
                            dst, di, len);
                else if (as == 0)
                    BroadcastZipKernels.vs(op, run(y, at[1], bs, len, s, 1), start(at[1], bs), x[at[0]], true,
                            dst, di, len);
                else ZipKernels.vv(op, run(x, at[0], as, len, s, 0), start(at[0], as),
                            run(y, at[1], bs, len, s, 1), start(at[1], bs), dst, di, len);
                if (os != 1) scatter(dst, o, at[2], os, len);
            });
        } else {
            double[] x = CpuStorage.doubles(a), y = CpuStorage.doubles(b), o = CpuStorage.doubles(out);
            forEachSegment(l, offsets(a, b, out), (at, len, s) -> {
                double[] dst = os == 1 ? o : s.d(3);
                int di = start(at[2], os);
                if (as == 0 && bs == 0) CopyKernels.fill(dst, di, 1, op.apply(x[at[0]], y[at[1]]), len);
                else if (bs == 0)
                    BroadcastZipKernels.vs(op, run(x, at[0], as, len, s, 0), start(at[0], as), y[at[1]], false,
                            dst, di, len);
                else if (as == 0)
                    BroadcastZipKernels.vs(op, run(y, at[1], bs, len, s, 1), start(at[1], bs), x[at[0]], true,
                            dst, di, len);
                else ZipKernels.vv(op, run(x, at[0], as, len, s, 0), start(at[0], as),
                            run(y, at[1], bs, len, s, 1), start(at[1], bs), dst, di, len);
                if (os != 1) scatter(dst, o, at[2], os, len);
            });
        }
    }

    @Override
    public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        int n = out.numel();
        boolean f32 = a.dtype() == DType.FLOAT32;
        if (cond.isContiguous() && a.isContiguous() && b.isContiguous() && out.isContiguous()) {
            int co = cond.offset(), ao = a.offset(), bo = b.offset(), oo = out.offset();
            if (f32) {
                float[] c = CpuStorage.floats(cond), x = CpuStorage.floats(a), y = CpuStorage.floats(b);
                float[] o = CpuStorage.floats(out);
                Parallel.forRange(n, GRAIN,
                        (f, t) -> ZipKernels.where(c, co + f, x, ao + f, y, bo + f, o, oo + f, t - f));
            } else {
                double[] c = CpuStorage.doubles(cond), x = CpuStorage.doubles(a), y = CpuStorage.doubles(b);
                double[] o = CpuStorage.doubles(out);
                Parallel.forRange(n, GRAIN,
                        (f, t) -> ZipKernels.where(c, co + f, x, ao + f, y, bo + f, o, oo + f, t - f));
            }
            return;
        }
        Layout l = collapse(cond, a, b, out); // (a broadcast operand is simply packed: where is rare and cheap)
        int cs = l.innerStride(0), as = l.innerStride(1), bs = l.innerStride(2), os = l.innerStride(3);
        if (f32) {
            float[] c = CpuStorage.floats(cond), x = CpuStorage.floats(a), y = CpuStorage.floats(b);
            float[] o = CpuStorage.floats(out);
            forEachSegment(l, offsets(cond, a, b, out), (at, len, s) -> {
                float[] dst = os == 1 ? o : s.f(3);
                ZipKernels.where(run(c, at[0], cs, len, s, 0), start(at[0], cs), run(x, at[1], as, len, s, 1),
                        start(at[1], as), run(y, at[2], bs, len, s, 2), start(at[2], bs), dst, start(at[3], os), len);
                if (os != 1) scatter(dst, o, at[3], os, len);
            });
        } else {
            double[] c = CpuStorage.doubles(cond), x = CpuStorage.doubles(a), y = CpuStorage.doubles(b);
            double[] o = CpuStorage.doubles(out);
            forEachSegment(l, offsets(cond, a, b, out), (at, len, s) -> {
                double[] dst = os == 1 ? o : s.d(3);
                ZipKernels.where(run(c, at[0], cs, len, s, 0), start(at[0], cs), run(x, at[1], as, len, s, 1),
                        start(at[1], as), run(y, at[2], bs, len, s, 2), start(at[2], bs), dst, start(at[3], os), len);
                if (os != 1) scatter(dst, o, at[3], os, len);
            });
        }
    }

    /** Operand x's run as a contiguous array: x itself when its stride is 1, else a packed copy in a scratch slot. */
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

    /** Where that run starts: at in the operand's own array, 0 in a scratch buffer. */
    private static int start(int at, int stride) {
        return stride == 1 ? at : 0;
    }

    @Override
    public void copy(Tensor src, Tensor out) {
        Layout l = src.isContiguous() && out.isContiguous() ? StridedLoops.contiguous(out.numel(), 2)
                : collapse(src, out);
        int as = l.innerStride(0), os = l.innerStride(1);
        boolean fromFloat = src.dtype() == DType.FLOAT32, toFloat = out.dtype() == DType.FLOAT32;
        if (fromFloat == toFloat && isTranspose(l)) {
            transposeCopy(l, src, out);
            return;
        }
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

    /**
     * True when the output runs along the last dim and the source along the one before (the source is a
     * transposed view), and both are long enough for tiles to pay.
     */
    private static boolean isTranspose(Layout l) {
        int r = l.rank();
        return r >= 2 && l.innerStride(1) == 1 && l.strides()[0][r - 2] == 1 && l.innerStride(0) != 1
                && l.shape()[r - 1] >= 8 && l.shape()[r - 2] >= 8;
    }

    /** Copies with {@link CopyKernels#transpose}, one band of TILE rows of one 2-d block per work unit. */
    private static void transposeCopy(Layout l, Tensor src, Tensor out) {
        int r = l.rank(), rows = l.shape()[r - 2], cols = l.shape()[r - 1];
        int bands = (rows + CopyKernels.TILE - 1) / CopyKernels.TILE, units = l.numel() / (rows * cols) * bands;
        int ac = l.innerStride(0), or = l.strides()[1][r - 2], ao = src.offset(), oo = out.offset();
        Object x = StridedLoops.array(src), o = StridedLoops.array(out);
        Parallel.forRange(units, Math.max(1, GRAIN / (CopyKernels.TILE * cols)), (from, to) -> {
            for (int u = from; u < to; u++) {
                int r0 = u % bands * CopyKernels.TILE, n = Math.min(CopyKernels.TILE, rows - r0);
                long first = ((long) (u / bands) * rows + r0) * cols; // row-major number of element (block, r0, 0)
                int ai = ao + l.offsetOf(0, first), oi = oo + l.offsetOf(1, first);
                if (x instanceof float[] f) CopyKernels.transpose(f, ai, ac, (float[]) o, oi, or, n, cols);
                else CopyKernels.transpose((double[]) x, ai, ac, (double[]) o, oi, or, n, cols);
            }
        });
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

    @Override
    public void matmul(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        MatmulKernels.matmul(a, b, out, accumulate);
    }

    // ================================================================ nn kernels (ConvKernels, PoolKernels,
    // SamplingKernels, GridSampleKernels, NormKernels); each is tested against the reference in
    // ScalarBackend/NnReference.

    /** Convolution tasks (image, band) in contiguous chunks, one per core; each chunk runs its primitives inline. */
    private static final ConvLowering.Tasks CORES = (count, body) -> Parallel.forRange(count, 1, body::run);

    @Override
    public void convUnfoldProduct(Tensor src, Tensor a, Window2d w, Tensor bias, Tensor out) {
        if (DirectConv.applies(a, w, src, bias, out) && out.isContiguous()) {
            DirectConv.unfoldProduct(src, a, w, bias, out);
            return;
        }
        ConvLowering.unfoldProduct(this, src, a, w, bias, out, CORES);
    }

    @Override
    public void convFoldProduct(Tensor src, Tensor a, Window2d w, Tensor out) {
        if (DirectConv.applies(a, w, src, out) && out.isContiguous()) {
            DirectConv.foldProduct(src, a, w, out, true);
            return;
        }
        ConvLowering.foldProduct(this, src, a, w, out, CORES);
    }

    /** The direct and Winograd kernels assign where they would add: no zero-filling of the input gradient. */
    @Override
    public void convFoldProductInto(Tensor src, Tensor a, Window2d w, Tensor out) {
        if (DirectConv.applies(a, w, src, out) && out.isContiguous()) {
            DirectConv.foldProduct(src, a, w, out, false);
            return;
        }
        super.convFoldProductInto(src, a, w, out); // zero-fill, then convFoldProduct
    }

    @Override
    public void convUnfoldWeightProduct(Tensor dy, Tensor x, Window2d w, Tensor gw) {
        if (DirectConv.applies(gw, w, dy, x) && (DirectConv.directWeight(dy, gw)
                || DirectConv.winogradWeight(dy, gw, w.kh(), w.kw()))) {
            DirectConv.unfoldWeightProduct(dy, x, w, gw);
            return;
        }
        ConvLowering.unfoldWeightProduct(this, dy, x, w, gw, CORES);
    }

    @Override
    public void im2col(Tensor input, Window2d w, Tensor columns) { ConvKernels.im2col(input, w, columns); }

    @Override
    public void col2im(Tensor columns, Window2d w, Tensor image) { ConvKernels.col2im(columns, w, image); }

    @Override
    public void maxPool2d(Tensor input, Window2d w, Tensor out, Tensor indices) { PoolKernels.maxPool2d(input, w, out, indices); }

    @Override
    public void maxPool2dBackward(Tensor gradOut, Tensor indices, Tensor gradInput) {
        PoolKernels.maxPool2dBackward(gradOut, indices, gradInput);
    }

    @Override
    public void avgPool2d(Tensor input, Window2d w, boolean countIncludePad, int divisorOverride, Tensor out) {
        PoolKernels.avgPool2d(input, w, countIncludePad, divisorOverride, out);
    }

    @Override
    public void avgPool2dBackward(Tensor gradOut, Window2d w, boolean countIncludePad, int divisorOverride, Tensor gradInput) {
        PoolKernels.avgPool2dBackward(gradOut, w, countIncludePad, divisorOverride, gradInput);
    }

    @Override
    public void adaptiveAvgPool2d(Tensor input, Tensor out) { PoolKernels.adaptiveAvgPool2d(input, out); }

    @Override
    public void adaptiveAvgPool2dBackward(Tensor gradOut, Tensor gradInput) {
        PoolKernels.adaptiveAvgPool2dBackward(gradOut, gradInput);
    }

    @Override
    public void upsample2d(Tensor input, Interpolation mode, boolean alignCorners, double scaleH, double scaleW, Tensor out) {
        SamplingKernels.upsample2d(input, mode, alignCorners, scaleH, scaleW, out);
    }

    @Override
    public void upsample2dBackward(Tensor gradOut, Interpolation mode, boolean alignCorners, double scaleH, double scaleW,
                                   Tensor gradInput) {
        SamplingKernels.upsample2dBackward(gradOut, mode, alignCorners, scaleH, scaleW, gradInput);
    }

    @Override
    public void gridSample2d(Tensor input, Tensor grid, Interpolation mode, GridPadding padding, boolean alignCorners,
                             Tensor out) {
        GridSampleKernels.gridSample2d(input, grid, mode, padding, alignCorners, out);
    }

    @Override
    public void gridSample2dBackward(Tensor gradOut, Tensor input, Tensor grid, Interpolation mode, GridPadding padding,
                                     boolean alignCorners, Tensor gradInput, Tensor gradGrid) {
        GridSampleKernels.gridSample2dBackward(gradOut, input, grid, mode, padding, alignCorners, gradInput, gradGrid);
    }

    @Override
    public void gridSampleDot(Tensor p, Tensor input, Tensor grid, GridPadding padding, boolean alignCorners, Tensor out) {
        GridContractions.dot(p, input, grid, padding, alignCorners, out);
    }

    @Override
    public void gridSampleMix(Tensor w, Tensor input, Tensor grid, GridPadding padding, boolean alignCorners, Tensor out) {
        GridContractions.mix(w, input, grid, padding, alignCorners, out);
    }

    @Override
    public void gridSampleContractBackward(Tensor p, Tensor w, Tensor input, Tensor grid, GridPadding padding,
                                           boolean alignCorners, Tensor gradInput, Tensor gradGrid) {
        GridContractions.backward(p, w, input, grid, padding, alignCorners, gradInput, gradGrid);
    }

    @Override
    public void batchNorm(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar, boolean training,
                          double momentum, double eps, Tensor out, Tensor saveMean, Tensor saveInvstd) {
        NormKernels.batchNorm(x, weight, bias, runningMean, runningVar, training, momentum, eps, out, saveMean, saveInvstd);
    }

    @Override
    public void batchNormBackward(Tensor gradOut, Tensor x, Tensor weight, Tensor saveMean, Tensor saveInvstd,
                                  boolean training, Tensor gradInput, Tensor gradWeight, Tensor gradBias) {
        NormKernels.batchNormBackward(gradOut, x, weight, saveMean, saveInvstd, training, gradInput, gradWeight, gradBias);
    }

    @Override
    public void groupNorm(Tensor x, Tensor weight, Tensor bias, int groups, double eps, Tensor out, Tensor saveMean,
                          Tensor saveInvstd) {
        NormKernels.groupNorm(x, weight, bias, groups, eps, out, saveMean, saveInvstd);
    }

    @Override
    public void groupNormBackward(Tensor gradOut, Tensor x, Tensor weight, Tensor saveMean, Tensor saveInvstd, int groups,
                                  Tensor gradInput, Tensor gradWeight, Tensor gradBias) {
        NormKernels.groupNormBackward(gradOut, x, weight, saveMean, saveInvstd, groups, gradInput, gradWeight, gradBias);
    }
}

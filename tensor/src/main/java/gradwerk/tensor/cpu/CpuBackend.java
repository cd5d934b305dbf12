package gradwerk.tensor.cpu;

import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.ConvLowering;
import gradwerk.tensor.nn.GridPadding;
import gradwerk.tensor.nn.Interpolation;
import gradwerk.tensor.nn.Window2d;

/**
 * The CPU backend used for real work: Vector API kernels with contiguous fast paths and a generic strided path,
 * split across cores. Anything not overridden here falls back to the scalar reference.
 */
public class CpuBackend extends ScalarBackend {
    public static final CpuBackend INSTANCE = new CpuBackend();

    protected CpuBackend() {}

    // ================================================================ nn kernels (ConvKernels, PoolKernels,
    // SamplingKernels, NormKernels); each is tested against the reference in ScalarBackend/NnReference.

    /** Convolution tasks (image, band) in contiguous chunks, one per core; each chunk runs its primitives inline. */
    private static final ConvLowering.Tasks CORES = (count, body) -> Parallel.forRange(count, 1, body::run);

    @Override
    public void convUnfoldProduct(Tensor src, Tensor a, Window2d w, Tensor bias, Tensor out) {
        ConvLowering.unfoldProduct(this, src, a, w, bias, out, CORES);
    }

    @Override
    public void convFoldProduct(Tensor src, Tensor a, Window2d w, Tensor out) {
        ConvLowering.foldProduct(this, src, a, w, out, CORES);
    }

    @Override
    public void convUnfoldWeightProduct(Tensor dy, Tensor x, Window2d w, Tensor gw) {
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
        SamplingKernels.gridSample2d(input, grid, mode, padding, alignCorners, out);
    }

    @Override
    public void gridSample2dBackward(Tensor gradOut, Tensor input, Tensor grid, Interpolation mode, GridPadding padding,
                                     boolean alignCorners, Tensor gradInput, Tensor gradGrid) {
        SamplingKernels.gridSample2dBackward(gradOut, input, grid, mode, padding, alignCorners, gradInput, gradGrid);
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

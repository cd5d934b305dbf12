package gradwerk.nn.functional;

import gradwerk.autograd.Variable;
import gradwerk.nn.loss.CrossEntropy;
import gradwerk.nn.loss.Dice;
import gradwerk.nn.loss.Reduction;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.GridPadding;
import gradwerk.tensor.nn.Interpolation;
import gradwerk.tensor.nn.Norm;
import gradwerk.tensor.nn.Padding;

/**
 * The functional API, PyTorch's {@code torch.nn.functional} by name: every differentiable op of the nn module in
 * one place ({@code import static gradwerk.nn.functional.F.*}). Each method forwards to the op family that defines
 * it (and registers its gradient check): {@link ConvOps}, {@link PoolOps}, {@link SamplingOps}, {@link NormOps},
 * {@link PadOps}, {@link CrossEntropy}, {@link Dice}. Activations and softmax are {@link Variable} methods
 * ({@code x.relu()}, {@code x.leakyRelu(0.2)}, {@code x.gelu()}, {@code x.softmax(1)}, {@code x.logSoftmax(1)}).
 *
 * <p>Optional tensors (bias, weight, running stats) may be null. Sizes given as one int apply to both height and
 * width; as {@code int[]}, {h, w} or one value.
 */
public final class F {
    private F() {}

    private static final int[] ONE = {1}, ZERO = {0};

    // ---------------------------------------------------------------- convolution

    public static Variable conv2d(Variable x, Variable weight, Variable bias, int[] stride, int[] padding,
                                  int[] dilation, int groups) {
        return ConvOps.conv2d(x, weight, bias, stride, padding, dilation, groups);
    }

    public static Variable conv2d(Variable x, Variable weight, Variable bias, int stride, int padding) {
        return ConvOps.conv2d(x, weight, bias, new int[] {stride}, new int[] {padding}, ONE, 1);
    }

    public static Variable convTranspose2d(Variable x, Variable weight, Variable bias, int[] stride, int[] padding,
                                           int[] outputPadding, int groups, int[] dilation) {
        return ConvOps.convTranspose2d(x, weight, bias, stride, padding, outputPadding, groups, dilation);
    }

    public static Variable convTranspose2d(Variable x, Variable weight, Variable bias, int stride, int padding) {
        return ConvOps.convTranspose2d(x, weight, bias, new int[] {stride}, new int[] {padding}, ZERO, 1, ONE);
    }

    // ---------------------------------------------------------------- pooling

    public static Variable maxPool2d(Variable x, int[] kernel, int[] stride, int[] padding, int[] dilation,
                                     boolean ceilMode) {
        return PoolOps.maxPool2d(x, kernel, stride, padding, dilation, ceilMode);
    }

    /** Square kernel, stride = kernel, no padding. */
    public static Variable maxPool2d(Variable x, int kernel) {
        return PoolOps.maxPool2d(x, new int[] {kernel}, null, ZERO, ONE, false);
    }

    public static Variable avgPool2d(Variable x, int[] kernel, int[] stride, int[] padding, boolean ceilMode,
                                     boolean countIncludePad, int divisorOverride) {
        return PoolOps.avgPool2d(x, kernel, stride, padding, ceilMode, countIncludePad, divisorOverride);
    }

    /** Square kernel, stride = kernel, no padding. */
    public static Variable avgPool2d(Variable x, int kernel) {
        return PoolOps.avgPool2d(x, new int[] {kernel}, null, ZERO, false, true, 0);
    }

    public static Variable adaptiveAvgPool2d(Variable x, int outH, int outW) {
        return PoolOps.adaptiveAvgPool2d(x, outH, outW);
    }

    // ---------------------------------------------------------------- resizing and sampling

    /** {@code F.interpolate(x, size=(outH, outW), mode, align_corners)} for [N,C,H,W]. */
    public static Variable interpolate(Variable x, int outH, int outW, Interpolation mode, boolean alignCorners) {
        return SamplingOps.upsample(x, outH, outW, mode, alignCorners);
    }

    /** {@code F.interpolate(x, scale_factor=s, mode, align_corners)} for [N,C,H,W]. */
    public static Variable interpolate(Variable x, double scaleFactor, Interpolation mode, boolean alignCorners) {
        return SamplingOps.upsample(x, scaleFactor, mode, alignCorners);
    }

    public static Variable gridSample(Variable input, Variable grid, Interpolation mode, GridPadding padding,
                                      boolean alignCorners) {
        return SamplingOps.gridSample(input, grid, mode, padding, alignCorners);
    }

    /** Bilinear, zero padding, alignCorners false: PyTorch's defaults. */
    public static Variable gridSample(Variable input, Variable grid) {
        return SamplingOps.gridSample(input, grid, Interpolation.BILINEAR, GridPadding.ZEROS, false);
    }

    /** Σ_c p[n,c,q] · bilinear(input[n,c], grid[n,q,s]) → [N,Q,S], without the samples (see SamplingOps). */
    public static Variable gridSampleDot(Variable p, Variable input, Variable grid, GridPadding padding,
                                         boolean alignCorners) {
        return SamplingOps.gridSampleDot(p, input, grid, padding, alignCorners);
    }

    /** Σ_s w[n,q,s] · bilinear(input[n,c], grid[n,q,s]) → [N,C,Q], without the samples (see SamplingOps). */
    public static Variable gridSampleMix(Variable w, Variable input, Variable grid, GridPadding padding,
                                         boolean alignCorners) {
        return SamplingOps.gridSampleMix(w, input, grid, padding, alignCorners);
    }

    public static Variable affineGrid(Variable theta, int[] size, boolean alignCorners) {
        return SamplingOps.affineGrid(theta, size, alignCorners);
    }

    // ---------------------------------------------------------------- padding

    public static Variable pad(Variable x, int[] pads, Padding.Mode mode, double value) {
        return PadOps.pad(x, pads, mode, value);
    }

    /** Zero padding. */
    public static Variable pad(Variable x, int... pads) {
        return PadOps.pad(x, pads, Padding.Mode.CONSTANT, 0);
    }

    // ---------------------------------------------------------------- normalisation

    public static Variable batchNorm(Variable x, Tensor runningMean, Tensor runningVar, Variable weight, Variable bias,
                                     boolean training, double momentum, double eps) {
        return NormOps.batchNorm(x, runningMean, runningVar, weight, bias, training, momentum, eps);
    }

    /** {@code batchNorm(...).relu()} fused: one activation kept instead of two (see {@link NormOps#batchNormRelu}). */
    public static Variable batchNormRelu(Variable x, Tensor runningMean, Tensor runningVar, Variable weight,
                                         Variable bias, boolean training, double momentum, double eps) {
        return NormOps.batchNormRelu(x, runningMean, runningVar, weight, bias, training, momentum, eps);
    }

    public static Variable groupNorm(Variable x, int groups, Variable weight, Variable bias, double eps) {
        return NormOps.groupNorm(x, groups, weight, bias, eps);
    }

    public static Variable groupNorm(Variable x, int groups) {
        return NormOps.groupNorm(x, groups, null, null, Norm.DEFAULT_EPS);
    }

    public static Variable instanceNorm(Variable x, Variable weight, Variable bias, double eps) {
        return NormOps.instanceNorm(x, weight, bias, eps);
    }

    // ---------------------------------------------------------------- dropout

    public static Variable dropout(Variable x, double p, boolean training, Generator g) {
        return PadOps.dropout(x, p, training, g);
    }

    public static Variable dropout2d(Variable x, double p, boolean training, Generator g) {
        return PadOps.dropout2d(x, p, training, g);
    }

    // ---------------------------------------------------------------- losses

    /** Mean cross-entropy of logits [B, C, *] against class indices [B, *]. */
    public static Variable crossEntropy(Variable logits, Tensor target) {
        return CrossEntropy.crossEntropy(logits, target);
    }

    public static Variable crossEntropy(Variable logits, Tensor target, Tensor weight, int ignoreIndex,
                                        Reduction reduction) {
        return CrossEntropy.crossEntropy(logits, target, weight, ignoreIndex, reduction);
    }

    /** Soft Dice loss of softmax(logits) against class indices; see {@link Dice}. */
    public static Variable diceLoss(Variable logits, Tensor target, int[] classes, double smooth, int ignoreIndex) {
        return Dice.diceLoss(logits, target, classes, smooth, ignoreIndex);
    }
}

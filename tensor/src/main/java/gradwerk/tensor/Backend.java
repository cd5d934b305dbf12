package gradwerk.tensor;

import gradwerk.tensor.nn.ConvLowering;
import gradwerk.tensor.nn.GridPadding;
import gradwerk.tensor.nn.Interpolation;
import gradwerk.tensor.nn.Window2d;

/**
 * The few primitives every device implements; all tensor ops are built from them (the MiniTorch idea: map, zip,
 * reduce, matmul, plus copy/fill, softmax and the convolution/sampling kernels the nn layer needs).
 *
 * <p>Contract shared by every method: {@link Tensor} handles shapes, broadcasting, dims and error messages, then
 * calls a primitive with tensors that already agree. Inputs may be any strided views (permuted, sliced, expanded
 * with stride 0); the output {@code out} is a view of storage on this backend's device, with the same dtype as the
 * inputs, and never overlaps an input except when it is exactly the same view (in-place ops). Implementations
 * write every element of {@code out}.
 */
public interface Backend {
    /** A new zero-filled storage. */
    Storage allocate(DType dtype, int length);

    /**
     * A new storage whose contents are undefined, for the output of a primitive that writes every element (the
     * elementwise ops): a reused array then need not be zero-filled first. By default, {@link #allocate}.
     */
    default Storage allocateUnfilled(DType dtype, int length) {
        return allocate(dtype, length);
    }

    /** Copies host data into a new storage. */
    Storage upload(float[] data);

    /** Copies host data into a new storage. */
    Storage upload(double[] data);

    /** Reads a (possibly strided) tensor of this device into a row-major host array. */
    void download(Tensor src, float[] dst);

    /** Reads a (possibly strided) tensor of this device into a row-major host array. */
    void download(Tensor src, double[] dst);

    /** out = op(a) elementwise, with scalar parameters p and q (see {@link UnaryOp}). Same shapes. */
    void map(UnaryOp op, double p, double q, Tensor a, Tensor out);

    /** out = op(a, b) elementwise. a, b and out have the same shape (broadcasting is done with stride-0 views). */
    void zip(BinaryOp op, Tensor a, Tensor b, Tensor out);

    /** out = cond != 0 ? a : b elementwise. Same shapes. */
    void where(Tensor cond, Tensor a, Tensor b, Tensor out);

    /** out = src elementwise, converting the dtype if they differ. Same shapes. */
    void copy(Tensor src, Tensor out);

    /** Every element of out = value. */
    void fill(Tensor out, double value);

    /**
     * Reduces the last {@code reducedRank} dims of {@code a}: out (contiguous, shape = a's leading dims) gets one
     * value per leading index. The caller permutes the reduced dims to the end first.
     */
    void reduce(ReduceOp op, Tensor a, int reducedRank, Tensor out);

    /**
     * Batched matrix product: a [B,M,K], b [B,K,N], out [B,M,N] (out contiguous; batch strides of a or b may be 0
     * for a broadcast batch). With {@code accumulate}, out += a·b instead of out = a·b.
     */
    void matmul(Tensor a, Tensor b, Tensor out, boolean accumulate);

    /** Softmax (or log-softmax) along the last dim, numerically stable (subtracts the row max). Same shapes. */
    void softmax(Tensor a, Tensor out, boolean log);

    // ================================================================ neural-network kernels (gradwerk.tensor.nn)
    //
    // The front ends in gradwerk.tensor.nn check arguments, allocate results and call these. Unlike the primitives
    // above, outputs here are always freshly allocated CONTIGUOUS tensors (inputs may still be any strided view,
    // except where a method says otherwise). Images are NCHW. A backend that lacks one of them fails with a
    // message naming the op; the scalar reference (cpu.NnReference) is the definition every device is tested against.

    /** The exception every nn primitive throws on a backend that does not implement it ("opencl" for OpenClBackend). */
    private static IllegalStateException notAvailable(String op, Backend backend) {
        String name = backend.getClass().getSimpleName().replaceFirst("Backend$", "").toLowerCase(java.util.Locale.ROOT);
        return new IllegalStateException(op + ": not available on the " + name + " backend");
    }

    /**
     * Unfolds the windows of one image into columns (im2col): {@code input} [C,H,W] (any strides), {@code columns}
     * [C*kh*kw, outH, outW] with
     * {@code columns[(c*kh + i)*kw + j, oh, ow] = input[c, oh*sh - ph + i*dh, ow*sw - pw + j*dw]}, or 0 where that
     * pixel lies outside the image. A convolution is then one GEMM: weight [Cout, C*kh*kw] times columns.
     */
    default void im2col(Tensor input, Window2d w, Tensor columns) {
        throw notAvailable("im2col", this);
    }

    /**
     * The adjoint of {@link #im2col}, ACCUMULATING: {@code image[c, ih, iw] +=} every column entry that im2col
     * would have read from that pixel. {@code columns} [C*kh*kw, outH, outW]; {@code image} [C,H,W] may be a
     * strided view (it is written in place, e.g. a band of rows of a larger gradient).
     */
    default void col2im(Tensor columns, Window2d w, Tensor image) {
        throw notAvailable("col2im", this);
    }

    /**
     * The convolution engine {@code out[n] = a · im2col(src[n]) + bias} (see {@link ConvLowering#unfoldProduct}):
     * src [N,C,H,W], a [G,M,C/G·kh·kw], bias [G·M] or null, out [N,G·M,outH,outW]. The default builds it from
     * im2col and matmul; a backend overrides it only to schedule the work differently.
     */
    default void convUnfoldProduct(Tensor src, Tensor a, Window2d w, Tensor bias, Tensor out) {
        ConvLowering.unfoldProduct(this, src, a, w, bias, out, ConvLowering.SEQUENTIAL);
    }

    /**
     * The convolution engine {@code out[n] += col2im(aᵀ · src[n])} (see {@link ConvLowering#foldProduct}): src
     * [N,G·M,Hs,Ws], a [G,M,K], out [N,C,outH,outW] with C·kh·kw = G·K, already holding the bias or zeros.
     */
    default void convFoldProduct(Tensor src, Tensor a, Window2d w, Tensor out) {
        ConvLowering.foldProduct(this, src, a, w, out, ConvLowering.SEQUENTIAL);
    }

    /**
     * {@link #convFoldProduct} onto an output whose contents are undefined ({@link #allocateUnfilled}): {@code out[n]
     * = col2im(aᵀ · src[n])}, every element written. The input gradient of a convolution has no bias to start from,
     * so a backend whose kernel can assign instead of add need not zero-fill it first. By default: zero-fill, then
     * {@link #convFoldProduct}.
     */
    default void convFoldProductInto(Tensor src, Tensor a, Window2d w, Tensor out) {
        fill(out, 0);
        convFoldProduct(src, a, w, out);
    }

    /**
     * The convolution engine {@code gw += Σ_n dy[n] · im2col(x[n])ᵀ} (see {@link ConvLowering#unfoldWeightProduct}):
     * dy [N,G·M,Hy,Wy], x [N,C,H,W], gw [G,M,C/G·kh·kw].
     */
    default void convUnfoldWeightProduct(Tensor dy, Tensor x, Window2d w, Tensor gw) {
        ConvLowering.unfoldWeightProduct(this, dy, x, w, gw, ConvLowering.SEQUENTIAL);
    }

    /**
     * Max pooling: {@code input} [N,C,H,W]; {@code out} and {@code indices} [N,C,outH,outW]. Padding is ignored
     * (never the maximum). {@code indices} gets the flat position {@code ih*W + iw} of the first maximum in each
     * window (a NaN counts as the maximum), stored as a float, which is exact below 2^24 pixels per plane.
     */
    default void maxPool2d(Tensor input, Window2d w, Tensor out, Tensor indices) {
        throw notAvailable("maxPool2d", this);
    }

    /** Gradient of max pooling: {@code gradInput} [N,C,H,W] (overwritten) {@code = sum of gradOut at the windows whose maximum was there}. */
    default void maxPool2dBackward(Tensor gradOut, Tensor indices, Tensor gradInput) {
        throw notAvailable("maxPool2dBackward", this);
    }

    /**
     * Average pooling (dilation 1): out[n,c,oh,ow] = sum of the window's pixels inside the image / divisor, where
     * the divisor is {@code divisorOverride} if it is positive, else the window size clipped to the padded image
     * ({@code countIncludePad}) or to the image itself.
     */
    default void avgPool2d(Tensor input, Window2d w, boolean countIncludePad, int divisorOverride, Tensor out) {
        throw notAvailable("avgPool2d", this);
    }

    /** Gradient of {@link #avgPool2d}; {@code gradInput} [N,C,H,W] is overwritten. */
    default void avgPool2dBackward(Tensor gradOut, Window2d w, boolean countIncludePad, int divisorOverride,
                                   Tensor gradInput) {
        throw notAvailable("avgPool2dBackward", this);
    }

    /**
     * Adaptive average pooling to out's size: out[.., i, j] is the mean of input rows
     * {@code floor(i*H/outH) .. ceil((i+1)*H/outH)-1} and the matching columns.
     */
    default void adaptiveAvgPool2d(Tensor input, Tensor out) {
        throw notAvailable("adaptiveAvgPool2d", this);
    }

    /** Gradient of {@link #adaptiveAvgPool2d}; {@code gradInput} [N,C,H,W] is overwritten. */
    default void adaptiveAvgPool2dBackward(Tensor gradOut, Tensor gradInput) {
        throw notAvailable("adaptiveAvgPool2dBackward", this);
    }

    /**
     * Resizes [N,C,H,W] to out's [N,C,outH,outW]. {@code scaleH}/{@code scaleW} are input pixels per output pixel
     * as PyTorch computes them (see Sampling). Nearest: source {@code min(floor(o*scale), in-1)} in float32
     * arithmetic. Bilinear: source {@code o*scale} (alignCorners) or {@code max(0, (o+0.5)*scale - 0.5)}.
     */
    default void upsample2d(Tensor input, Interpolation mode, boolean alignCorners, double scaleH, double scaleW,
                            Tensor out) {
        throw notAvailable("upsample2d", this);
    }

    /** Gradient of {@link #upsample2d}; {@code gradInput} [N,C,H,W] is overwritten. */
    default void upsample2dBackward(Tensor gradOut, Interpolation mode, boolean alignCorners, double scaleH,
                                    double scaleW, Tensor gradInput) {
        throw notAvailable("upsample2dBackward", this);
    }

    /**
     * PyTorch's grid_sample for 2-d images: {@code input} [N,C,H,W], {@code grid} [N,outH,outW,2] holding (x, y) in
     * [-1, 1], {@code out} [N,C,outH,outW]. See Sampling#gridSample for the coordinate conventions.
     */
    default void gridSample2d(Tensor input, Tensor grid, Interpolation mode, GridPadding padding, boolean alignCorners,
                              Tensor out) {
        throw notAvailable("gridSample2d", this);
    }

    /**
     * Gradients of {@link #gridSample2d}: {@code gradInput} [N,C,H,W] and {@code gradGrid} [N,outH,outW,2] are
     * overwritten; either may be null when it is not needed.
     */
    default void gridSample2dBackward(Tensor gradOut, Tensor input, Tensor grid, Interpolation mode,
                                      GridPadding padding, boolean alignCorners, Tensor gradInput, Tensor gradGrid) {
        throw notAvailable("gridSample2dBackward", this);
    }

    /**
     * {@code out[n,q,s] = Σ_c p[n,c,q] · bilinear(input[n,c], grid[n,q,s])}: p [N,C,Q], input [N,C,H,W], grid
     * [N,Q,S,2], out [N,Q,S] (contiguous). Deformable attention's energies, without the [N,C,Q,S] tensor of samples
     * (see Sampling#gridSampleDot). This default composes the backend's own grid_sample, zip and reduce, so every
     * device has it; a backend overrides it with a fused kernel.
     */
    default void gridSampleDot(Tensor p, Tensor input, Tensor grid, GridPadding padding, boolean alignCorners,
                               Tensor out) {
        Tensor product = sampledTimes(p.unsqueeze(3), input, grid, padding, alignCorners);
        reduce(ReduceOp.SUM, product.permute(0, 2, 3, 1), 1, out);
    }

    /**
     * {@code out[n,c,q] = Σ_s w[n,q,s] · bilinear(input[n,c], grid[n,q,s])}: w [N,Q,S], out [N,C,Q] (contiguous).
     * Deformable attention's weighted sum of sampled values. Default: composed, as {@link #gridSampleDot}.
     */
    default void gridSampleMix(Tensor w, Tensor input, Tensor grid, GridPadding padding, boolean alignCorners,
                               Tensor out) {
        Tensor product = sampledTimes(w.unsqueeze(1), input, grid, padding, alignCorners);
        reduce(ReduceOp.SUM, product, 1, out);
    }

    /**
     * The input and grid gradients of the contraction {@code T = Σ p[n,c,q] w[n,q,s] bilinear(input[n,c],
     * grid[n,q,s])} that both {@link #gridSampleDot} (∂T/∂w) and {@link #gridSampleMix} (∂T/∂p) differentiate:
     * grid_sample's backward pass with {@code gradOut[n,c,q,s] = p[n,c,q]·w[n,q,s]}. gradInput [N,C,H,W] and
     * gradGrid [N,Q,S,2] are overwritten; either may be null. Default: composed from grid_sample's backward.
     */
    default void gridSampleContractBackward(Tensor p, Tensor w, Tensor input, Tensor grid, GridPadding padding,
                                            boolean alignCorners, Tensor gradInput, Tensor gradGrid) {
        int[] shape = {input.size(0), input.size(1), grid.size(1), grid.size(2)};
        Tensor gradOut = input.newZeros(shape);
        zip(BinaryOp.MUL, p.unsqueeze(3).expand(shape), w.unsqueeze(1).expand(shape), gradOut);
        gridSample2dBackward(gradOut, input, grid, Interpolation.BILINEAR, padding, alignCorners, gradInput, gradGrid);
    }

    /** bilinear(input, grid) [N,C,Q,S] times {@code factor} (broadcast to that shape), on this backend. */
    private Tensor sampledTimes(Tensor factor, Tensor input, Tensor grid, GridPadding padding, boolean alignCorners) {
        int[] shape = {input.size(0), input.size(1), grid.size(1), grid.size(2)};
        Tensor sampled = input.newZeros(shape), product = input.newZeros(shape);
        gridSample2d(input, grid, Interpolation.BILINEAR, padding, alignCorners, sampled);
        zip(BinaryOp.MUL, sampled, factor.expand(shape), product);
        return product;
    }

    /**
     * Batch normalisation of {@code x} [N,C,L] per channel: {@code out = (x - mean) * invstd * weight + bias}.
     * Training: mean and the biased variance come from the batch, {@code saveMean}/{@code saveInvstd} [C] receive
     * them (invstd = 1/sqrt(var + eps)), and non-null running stats are updated in place:
     * {@code running = (1-momentum)*running + momentum*batch}, with the unbiased variance. Evaluation: the running
     * stats are used (and saved). weight and bias may be null (1 and 0).
     */
    default void batchNorm(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
                           boolean training, double momentum, double eps, Tensor out, Tensor saveMean,
                           Tensor saveInvstd) {
        throw notAvailable("batchNorm", this);
    }

    /**
     * Gradients of {@link #batchNorm} from the saved statistics; each of gradInput [N,C,L], gradWeight [C] and
     * gradBias [C] may be null when not needed. In training the batch statistics depend on x (the full formula);
     * in evaluation they are constants.
     */
    default void batchNormBackward(Tensor gradOut, Tensor x, Tensor weight, Tensor saveMean, Tensor saveInvstd,
                                   boolean training, Tensor gradInput, Tensor gradWeight, Tensor gradBias) {
        throw notAvailable("batchNormBackward", this);
    }

    /**
     * Group normalisation of {@code x} [N,C,L] with statistics per (sample, group of C/groups channels), then the
     * per-channel affine map (weight, bias may be null). {@code saveMean}/{@code saveInvstd} [N,groups] receive the
     * statistics (biased variance).
     */
    default void groupNorm(Tensor x, Tensor weight, Tensor bias, int groups, double eps, Tensor out,
                           Tensor saveMean, Tensor saveInvstd) {
        throw notAvailable("groupNorm", this);
    }

    /** Gradients of {@link #groupNorm}; each output may be null when not needed. */
    default void groupNormBackward(Tensor gradOut, Tensor x, Tensor weight, Tensor saveMean, Tensor saveInvstd,
                                   int groups, Tensor gradInput, Tensor gradWeight, Tensor gradBias) {
        throw notAvailable("groupNormBackward", this);
    }
}

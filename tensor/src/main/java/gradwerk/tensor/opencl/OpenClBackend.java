package gradwerk.tensor.opencl;

import gradwerk.tensor.Backend;
import gradwerk.tensor.BinaryOp;
import gradwerk.tensor.DType;
import gradwerk.tensor.Device;
import gradwerk.tensor.ReduceOp;
import gradwerk.tensor.Storage;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.TensorScope;
import gradwerk.tensor.UnaryOp;
import gradwerk.tensor.nn.GridPadding;
import gradwerk.tensor.nn.Interpolation;
import gradwerk.tensor.nn.Window2d;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link Backend} of an OpenCL device: tensors keep their storage in device memory and every primitive is a
 * kernel launch (see {@link ClKernels}). A thin layer: it turns tensors into {@link ClView}s and the Backend
 * contract's shapes into the kernels' ones.
 *
 * <p>{@code Device.get("opencl")}, {@code Device.get("opencl:1")}, {@code Device.get("opencl:gpu")} ... (any name
 * {@link OpenClPlatforms#select} accepts) all give the one {@link Device} per physical device, named
 * {@code opencl:N}. This class registers the {@code opencl} prefix with {@link Device} when it is loaded.
 *
 * <p>Results stay on the device; only {@link #download} waits for the queue.
 */
public final class OpenClBackend implements Backend {
    private static final ConcurrentHashMap<Integer, Device> DEVICES = new ConcurrentHashMap<>();

    static {
        Device.register("opencl", OpenClBackend::device);
    }

    private final OpenClContext ctx;
    private final ClKernels k;
    private volatile Device device; // set once, right after construction (Device and backend refer to each other)

    private OpenClBackend(OpenClContext ctx) {
        this.ctx = ctx;
        this.k = ctx.kernels();
    }

    /** The device for a name such as {@code opencl} or {@code opencl:1}; throws if there is no such device. */
    public static Device device(String spec) {
        OpenClDevice d = OpenClPlatforms.select(spec);
        return DEVICES.computeIfAbsent(d.index(), i -> {
            OpenClBackend backend = new OpenClBackend(OpenClContext.shared(d));
            Device device = new Device(d.id(), backend);
            backend.device = device;
            return device;
        });
    }

    /** The context this backend runs on (for buffer statistics, {@link OpenClContext#finish()}, ...). */
    public OpenClContext context() {
        return ctx;
    }

    // ---- storage and transfers -----------------------------------------------------------------------------------

    @Override
    public Storage allocate(DType dtype, int length) {
        ClBuffer b = ctx.allocate((long) length * dtype.bytes());
        ClType t = ClType.of(dtype);
        k.fill(ClView.contiguous(b, t, length), 0); // the contract: new storage reads as zeros
        return tracked(new OpenClStorage(device, dtype, length, b));
    }

    @Override
    public Storage allocateUnfilled(DType dtype, int length) {
        return tracked(new OpenClStorage(device, dtype, length, ctx.allocate((long) length * dtype.bytes())));
    }

    @Override
    public Storage upload(float[] data) {
        return tracked(new OpenClStorage(device, DType.FLOAT32, data.length, ctx.upload(data)));
    }

    @Override
    public Storage upload(double[] data) {
        return tracked(new OpenClStorage(device, DType.FLOAT64, data.length, ctx.upload(data)));
    }

    /** Owned by the thread's current TensorScope, if any: its buffer goes back to the pool when the scope closes. */
    private static OpenClStorage tracked(OpenClStorage s) {
        TensorScope.track(s);
        return s;
    }

    @Override
    public void download(Tensor src, float[] dst) {
        try (Dense d = dense(view(src), ClType.FLOAT)) {
            if (dst.length > 0) d.view.buffer().read(d.view.offset(), dst, 0, dst.length);
        }
    }

    @Override
    public void download(Tensor src, double[] dst) {
        try (Dense d = dense(view(src), ClType.DOUBLE)) {
            if (dst.length > 0) d.view.buffer().read(d.view.offset(), dst, 0, dst.length);
        }
    }

    /** A contiguous view of {@code v}'s elements in type {@code t}: v itself, or a temporary device copy. */
    private Dense dense(ClView v, ClType t) {
        if (v.type() == t && v.isContiguous()) return new Dense(v, false);
        ClView tmp = ClView.allocate(ctx, t, v.shape());
        k.copy(v, tmp); // converts when the types differ
        return new Dense(tmp, true);
    }

    private record Dense(ClView view, boolean temporary) implements AutoCloseable {
        @Override
        public void close() {
            if (temporary) view.buffer().close();
        }
    }

    // ---- the primitives ------------------------------------------------------------------------------------------

    @Override
    public void map(UnaryOp op, double p, double q, Tensor a, Tensor out) {
        k.unary(op, view(a), view(out), p, q);
    }

    @Override
    public void zip(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        k.binary(op, view(a), view(b), view(out));
    }

    @Override
    public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        k.where(view(cond), view(a), view(b), view(out));
    }

    @Override
    public void copy(Tensor src, Tensor out) {
        k.copy(view(src), view(out));
    }

    @Override
    public void fill(Tensor out, double value) {
        k.fill(view(out), value);
    }

    /**
     * The contract reduces a block of trailing dimensions; the kernels reduce the last dimension of a
     * {@code [rows, cols]} view. Merging the leading dims into rows and the reduced ones into cols works whenever
     * the strides allow it; otherwise (e.g. a permuted block) the input is first copied to contiguous memory,
     * where the row-major order of the block, and so the argmax position within it, is preserved.
     */
    @Override
    public void reduce(ReduceOp op, Tensor a, int reducedRank, Tensor out) {
        ClView in = view(a), o = view(out);
        int r = in.rank(), lead = r - reducedRank;
        int rows = (int) ClView.count(Arrays.copyOf(in.shape(), lead));
        int cols = (int) ClView.count(Arrays.copyOfRange(in.shape(), lead, r));
        ClView out1 = new ClView(o.buffer(), o.type(), new int[] {rows}, new int[] {1}, o.offset()); // contiguous
        Layout.Packed rowDims = Layout.pack(Arrays.copyOf(in.shape(), lead), Arrays.copyOf(in.strides(), lead));
        Layout.Packed colDims = Layout.pack(Arrays.copyOfRange(in.shape(), lead, r),
                Arrays.copyOfRange(in.strides(), lead, r));
        if (rowDims.rank() <= 1 && colDims.rank() <= 1) {
            ClView in2 = new ClView(in.buffer(), in.type(), new int[] {rows, cols},
                    new int[] {last(rowDims.strides(0)), last(colDims.strides(0))}, in.offset());
            k.reduce(op, in2, 1, out1);
            return;
        }
        try (Dense d = dense(in, in.type())) {
            k.reduce(op, new ClView(d.view.buffer(), in.type(), new int[] {rows, cols}, new int[] {cols, 1},
                    d.view.offset()), 1, out1);
        }
    }

    @Override
    public void matmul(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        k.gemm(view(a), view(b), view(out), 1, accumulate ? 1 : 0);
    }

    @Override
    public void softmax(Tensor a, Tensor out, boolean log) {
        ClView x = view(a), y = view(out);
        if (x.rank() == 0) { // a single element is its own row
            x = new ClView(x.buffer(), x.type(), new int[] {1}, new int[] {1}, x.offset());
            y = new ClView(y.buffer(), y.type(), new int[] {1}, new int[] {1}, y.offset());
        }
        k.softmax(x, y, log);
    }

    // ---- neural-network kernels (ClNn: conv.cl, pool.cl, sampling.cl, norm.cl) ------------------------------------
    //
    // Inputs may be any strided views: the kernels read through offsets and strides, nothing is made contiguous
    // first. convUnfoldProduct, convFoldProduct and convUnfoldWeightProduct keep Backend's defaults
    // (ConvLowering: im2col/col2im below plus the tiled GEMM, per image and band of rows).

    @Override
    public void im2col(Tensor input, Window2d w, Tensor columns) {
        k.nn().im2col(view(input), w, view(columns));
    }

    @Override
    public void col2im(Tensor columns, Window2d w, Tensor image) {
        k.nn().col2im(view(columns), w, view(image));
    }

    @Override
    public void maxPool2d(Tensor input, Window2d w, Tensor out, Tensor indices) {
        k.nn().maxPool2d(view(input), w, view(out), view(indices));
    }

    @Override
    public void maxPool2dBackward(Tensor gradOut, Tensor indices, Tensor gradInput) {
        k.nn().maxPool2dBackward(view(gradOut), view(indices), view(gradInput));
    }

    @Override
    public void avgPool2d(Tensor input, Window2d w, boolean countIncludePad, int divisorOverride, Tensor out) {
        k.nn().avgPool2d(view(input), w, countIncludePad, divisorOverride, view(out));
    }

    @Override
    public void avgPool2dBackward(Tensor gradOut, Window2d w, boolean countIncludePad, int divisorOverride,
                                  Tensor gradInput) {
        k.nn().avgPool2dBackward(view(gradOut), w, countIncludePad, divisorOverride, view(gradInput));
    }

    @Override
    public void adaptiveAvgPool2d(Tensor input, Tensor out) {
        k.nn().adaptiveAvgPool2d(view(input), view(out));
    }

    @Override
    public void adaptiveAvgPool2dBackward(Tensor gradOut, Tensor gradInput) {
        k.nn().adaptiveAvgPool2dBackward(view(gradOut), view(gradInput));
    }

    @Override
    public void upsample2d(Tensor input, Interpolation mode, boolean alignCorners, double scaleH, double scaleW,
                           Tensor out) {
        k.nn().upsample2d(view(input), mode == Interpolation.NEAREST, alignCorners, scaleH, scaleW, view(out));
    }

    @Override
    public void upsample2dBackward(Tensor gradOut, Interpolation mode, boolean alignCorners, double scaleH,
                                   double scaleW, Tensor gradInput) {
        k.nn().upsample2dBackward(view(gradOut), mode == Interpolation.NEAREST, alignCorners, scaleH, scaleW,
                view(gradInput));
    }

    @Override
    public void gridSample2d(Tensor input, Tensor grid, Interpolation mode, GridPadding padding, boolean alignCorners,
                             Tensor out) {
        k.nn().gridSample2d(view(input), view(grid), mode == Interpolation.NEAREST, padding == GridPadding.BORDER,
                alignCorners, view(out));
    }

    @Override
    public void gridSample2dBackward(Tensor gradOut, Tensor input, Tensor grid, Interpolation mode,
                                     GridPadding padding, boolean alignCorners, Tensor gradInput, Tensor gradGrid) {
        k.nn().gridSample2dBackward(view(gradOut), view(input), view(grid), mode == Interpolation.NEAREST,
                padding == GridPadding.BORDER, alignCorners, viewOrNull(gradInput), viewOrNull(gradGrid));
    }

    @Override
    public void batchNorm(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
                          boolean training, double momentum, double eps, Tensor out, Tensor saveMean,
                          Tensor saveInvstd) {
        k.nn().batchNorm(view(x), viewOrNull(weight), viewOrNull(bias), viewOrNull(runningMean),
                viewOrNull(runningVar), training, momentum, eps, view(out), view(saveMean), view(saveInvstd));
    }

    @Override
    public void batchNormBackward(Tensor gradOut, Tensor x, Tensor weight, Tensor saveMean, Tensor saveInvstd,
                                  boolean training, Tensor gradInput, Tensor gradWeight, Tensor gradBias) {
        k.nn().batchNormBackward(view(gradOut), view(x), viewOrNull(weight), view(saveMean), view(saveInvstd),
                training, viewOrNull(gradInput), viewOrNull(gradWeight), viewOrNull(gradBias));
    }

    @Override
    public void groupNorm(Tensor x, Tensor weight, Tensor bias, int groups, double eps, Tensor out,
                          Tensor saveMean, Tensor saveInvstd) {
        k.nn().groupNorm(view(x), viewOrNull(weight), viewOrNull(bias), groups, eps, view(out), view(saveMean),
                view(saveInvstd));
    }

    @Override
    public void groupNormBackward(Tensor gradOut, Tensor x, Tensor weight, Tensor saveMean, Tensor saveInvstd,
                                  int groups, Tensor gradInput, Tensor gradWeight, Tensor gradBias) {
        k.nn().groupNormBackward(view(gradOut), view(x), viewOrNull(weight), view(saveMean), view(saveInvstd),
                groups, viewOrNull(gradInput), viewOrNull(gradWeight), viewOrNull(gradBias));
    }

    // ---- plumbing ------------------------------------------------------------------------------------------------

    /** The kernels' view of a tensor of this device. */
    private ClView view(Tensor t) {
        if (!(t.storage() instanceof OpenClStorage s) || s.device() != device)
            throw new IllegalArgumentException("OpenCL backend " + device + ": tensor lives on " + t.device()
                    + "; move it with .to(Device)");
        return new ClView(s.buffer(), ClType.of(t.dtype()), t.shape(), t.strides(), t.offset());
    }

    private ClView viewOrNull(Tensor t) {
        return t == null ? null : view(t);
    }

    private static int last(int[] packed8) {
        return packed8[Layout.MAX_RANK - 1];
    }

    @Override
    public String toString() {
        return "OpenClBackend[" + ctx.device().describe() + "]";
    }
}

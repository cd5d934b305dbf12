package gradwerk.ddanet.attention;

import gradwerk.autograd.Variable;
import gradwerk.nn.Module;
import gradwerk.nn.Parameter;
import gradwerk.nn.functional.F;
import gradwerk.nn.layers.Conv2d;
import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.TensorScope;
import gradwerk.tensor.nn.GridPadding;

/**
 * Deformable criss-cross attention (DDANet, Rajamani, Siebert and Heinrich 2021): criss-cross attention whose S
 * key/value positions per query pixel move by learned offsets.
 *
 * <p>For X [B,C,H,W], Q, K (C' = C/8 channels) and V (C channels) are 1×1 convolutions as in
 * {@link CrissCrossAttention}. A 3×3 convolution of X (padding 1) with 2S output channels predicts, for every query
 * pixel u and every slot s, an offset Δ_s(u) = (Δx, Δy) in pixels (channel 2s is Δx, 2s+1 is Δy); its weights and
 * bias start at zero. With base_s(u) the s-th criss-cross position of u ({@link CrissCross}):
 * <pre>
 *   p_s(u)   = base_s(u) + Δ_s(u)                       (pixel coordinates, (x, y) = (column, row))
 *   K̃_s(u)   = bilinear sample of K at p_s(u)           (grid_sample, border padding)
 *   Ṽ_s(u)   = bilinear sample of V at p_s(u)
 *   e(u,s)   = ⟨Q_u, K̃_s(u)⟩,  A(u,·) = softmax over s,  out(u) = Σ_s A(u,s) Ṽ_s(u)
 *   Y        = γ·out + X                                 γ initialised to 0
 * </pre>
 * applied {@code loops} times with shared weights; the offsets are recomputed from each loop's input. With zero
 * offsets every sample lands on a pixel centre, so the block equals {@link CrissCrossAttention} exactly (tested).
 *
 * <p>The offset convolution has 2(H+W−1) output channels, so the block is built for one feature-map size H×W.
 * After each forward pass the last loop's sample positions and attention weights are kept (detached) for
 * {@link #trace}.
 */
public final class DeformableCrissCrossAttention extends Module {
    private final int channels, keyChannels, height, width, slots, loops;
    private final boolean alignCorners;
    private final Conv2d query, key, value, offset;
    private final Parameter gamma;
    private Tensor lastPositions, lastAttention; // [B, H·W, S, 2] pixels and [B, H·W, S], of the last loop

    /**
     * @param height       H, the feature map the block will see
     * @param width        W
     * @param loops        R, how often the block is applied (shared weights)
     * @param alignCorners grid_sample's convention (pixel centres land exactly on samples either way)
     */
    public DeformableCrissCrossAttention(int channels, int height, int width, int loops, boolean alignCorners, Generator g) {
        if (channels < 1 || height < 1 || width < 1 || loops < 1)
            throw new IllegalArgumentException("DeformableCrissCrossAttention: channels " + channels + ", size " + height
                    + "x" + width + " and loops " + loops + " must be >= 1");
        this.channels = channels;
        this.keyChannels = CrissCross.keyChannels(channels);
        this.height = height;
        this.width = width;
        this.slots = CrissCross.slots(height, width);
        this.loops = loops;
        this.alignCorners = alignCorners;
        query = registerModule("query", new Conv2d(channels, keyChannels, 1, g));
        key = registerModule("key", new Conv2d(channels, keyChannels, 1, g));
        value = registerModule("value", new Conv2d(channels, channels, 1, g));
        offset = registerModule("offset", new Conv2d(channels, 2 * slots, 3, 1, 1, g));
        offset.weight().value().fill(0);
        offset.bias().value().fill(0);
        gamma = registerParameter("gamma", Tensor.zeros(1));
    }

    /** The block's weights as variables (the functional form takes them explicitly, for gradient checks). */
    public record Weights(Variable wq, Variable bq, Variable wk, Variable bk, Variable wv, Variable bv,
                          Variable wOffset, Variable bOffset, Variable gamma) {}

    public Weights weights() {
        return new Weights(query.weight().v(), query.bias().v(), key.weight().v(), key.bias().v(), value.weight().v(),
                value.bias().v(), offset.weight().v(), offset.bias().v(), gamma.v());
    }

    /** Applies the block {@code loops} times: [B,C,H,W] → [B,C,H,W]; remembers the last loop for {@link #trace}. */
    @Override
    public Variable forward(Variable x) {
        if (x.rank() != 4 || x.size(1) != channels || x.size(2) != height || x.size(3) != width)
            throw new IllegalArgumentException(describe() + ": input " + Shape.str(x.shape()) + " must be [B," + channels + ","
                    + height + "," + width + "] (the offset convolution predicts 2·(H+W−1) = " + 2 * slots
                    + " channels for this size)");
        Step last = null;
        Weights w = weights();
        for (int r = 0; r < loops; r++) {
            last = step(x, w, alignCorners);
            x = last.y();
        }
        if (lastPositions != null) { // the previous trace goes with the current scope (its arrays serve the next step)
            TensorScope.discard(lastPositions);
            TensorScope.discard(lastAttention);
        }
        lastPositions = TensorScope.persist(last.positions()); // read after the step, by the offset plots
        lastAttention = TensorScope.persist(last.attention());
        return x;
    }

    /** The functional form: the block with the given weights, applied {@code loops} times. */
    public static Variable apply(Variable x, Weights w, int loops, boolean alignCorners) {
        for (int r = 0; r < loops; r++) x = step(x, w, alignCorners).y();
        return x;
    }

    /**
     * One application and what it looked at: the output Y [B,C,H,W], the sample positions [B,H·W,S,2] (pixel
     * coordinates (x, y)) and the attention weights [B,H·W,S].
     */
    public record Step(Variable y, Tensor positions, Tensor attention) {}

    /** One application of the block. */
    public static Step step(Variable x, Weights w, boolean alignCorners) {
        int b = x.size(0), h = x.size(2), wd = x.size(3), s = CrissCross.slots(h, wd), n = h * wd;
        Variable q = CrissCrossAttention.conv1x1(x, w.wq(), w.bq());                          // [B,C',H,W]
        Variable k = CrissCrossAttention.conv1x1(x, w.wk(), w.bk());                          // [B,C',H,W]
        Variable v = CrissCrossAttention.conv1x1(x, w.wv(), w.bv());                          // [B,C,H,W]
        if (w.wOffset().size(0) != 2 * s)
            throw new IllegalArgumentException("DeformableCrissCrossAttention: offset weights " + Shape.str(w.wOffset().shape())
                    + " predict " + w.wOffset().size(0) / 2 + " slots, but a " + h + "x" + wd + " map has " + s);
        // offsets [B,2S,H,W] → [B,H·W,S,2]: per query pixel, per slot, (Δx, Δy) in pixels
        Variable delta = F.conv2d(x, w.wOffset(), w.bOffset(), 1, 1)
                .view(b, s, 2, h, wd).permute(0, 3, 4, 1, 2).reshape(b, n, s, 2);
        Tensor like = x.value();
        Tensor positions = delta.value().add(constant(CrissCross.basePositions(h, wd), like, n, s, 2).value()); // pixels
        // to grid_sample's normalised coordinates: base normalised + Δ · d(normalised)/d(pixel)
        double[] base = CrissCross.basePositions(h, wd);
        for (int i = 0; i < base.length; i += 2) {
            base[i] = CrissCross.normalised(base[i], wd, alignCorners);
            base[i + 1] = CrissCross.normalised(base[i + 1], h, alignCorners);
        }
        Tensor unit = Tensor.of(new double[] {CrissCross.unit(wd, alignCorners), CrissCross.unit(h, alignCorners)}, 2)
                .to(like.dtype()).to(like.device());
        Variable grid = delta.mul(unit).add(constant(base, like, n, s, 2));                     // [B,H·W,S,2]
        // e(u,s) = Σ_c Q_c(u)·K̃_c,s(u) and out(u) = Σ_s A(u,s)·Ṽ_s(u): grid_sample fused with the sums, so the sampled
        // keys [B,C',H·W,S] and values [B,C,H·W,S] are never materialised (the same numbers as gridSample, mul, sum)
        Variable e = F.gridSampleDot(q.reshape(b, q.size(1), n), k, grid, GridPadding.BORDER, alignCorners); // [B,H·W,S]
        Variable a = e.softmax(2);
        Variable out = F.gridSampleMix(a, v, grid, GridPadding.BORDER, alignCorners).reshape(b, v.size(1), h, wd); // [B,C,H,W]
        return new Step(CrissCross.residual(w.gamma(), out, x), positions, a.value());
    }

    private static Variable constant(double[] data, Tensor like, int... shape) {
        return Variable.constant(Tensor.of(data, shape).to(like.dtype()).to(like.device()));
    }

    /**
     * Where pixel (row, col) of image {@code batch} looked in the last loop of the last forward pass: its S base
     * positions, the offset sample positions and the attention weights (feature-map pixel coordinates).
     */
    public AttentionTrace trace(int batch, int row, int col) {
        if (lastPositions == null)
            throw new IllegalStateException(describe() + ".trace: run a forward pass first");
        if (batch < 0 || batch >= lastPositions.size(0) || row < 0 || row >= height || col < 0 || col >= width)
            throw new IllegalArgumentException(describe() + ".trace: (batch " + batch + ", row " + row + ", col " + col
                    + ") is outside the last batch of " + lastPositions.size(0) + " maps of " + height + "x" + width);
        int u = row * width + col;
        double[] p = lastPositions.select(0, batch).select(0, u).to(DType.FLOAT64).toDoubleArray();
        double[] a = lastAttention.select(0, batch).select(0, u).to(DType.FLOAT64).toDoubleArray();
        double[] base = CrissCross.basePositions(height, width);
        double[] bx = new double[slots], by = new double[slots], sx = new double[slots], sy = new double[slots];
        for (int i = 0; i < slots; i++) {
            bx[i] = base[(u * slots + i) * 2];
            by[i] = base[(u * slots + i) * 2 + 1];
            sx[i] = p[2 * i];
            sy[i] = p[2 * i + 1];
        }
        return new AttentionTrace(batch, row, col, height, width, loops, bx, by, sx, sy, a);
    }

    public Conv2d query() { return query; }
    public Conv2d key() { return key; }
    public Conv2d value() { return value; }
    /** The 3×3 offset convolution, C → 2S channels (channel 2s is Δx of slot s, 2s+1 its Δy). */
    public Conv2d offset() { return offset; }
    public Parameter gamma() { return gamma; }
    public int loops() { return loops; }
    public int channels() { return channels; }
    public int height() { return height; }
    public int width() { return width; }
    /** S = H + W − 1. */
    public int slots() { return slots; }
    public boolean alignCorners() { return alignCorners; }

    @Override
    protected String extraRepr() {
        return channels + ", C'=" + keyChannels + ", " + height + "x" + width + ", S=" + slots + ", loops=" + loops
                + (alignCorners ? ", align_corners" : "");
    }
}

package gradwerk.nn.functional;

import gradwerk.autograd.GradCheck.Problem;
import gradwerk.autograd.NoGrad;
import gradwerk.autograd.Node;
import gradwerk.autograd.Saves;
import gradwerk.autograd.OpFamily;
import gradwerk.autograd.OpRegistry.Entry;
import gradwerk.autograd.Sampler;
import gradwerk.autograd.Variable;
import gradwerk.tensor.DType;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.GridPadding;
import gradwerk.tensor.nn.Interpolation;
import gradwerk.tensor.nn.Sampling;

import java.util.List;

import static gradwerk.autograd.VjpRule.grads;
import static gradwerk.nn.functional.Rules.constant;
import static gradwerk.nn.functional.Rules.requireFirstOrder;

/**
 * Resizing and sampling as differentiable ops over the {@link Sampling} kernels: {@code upsample} (F.interpolate
 * for 4-d inputs), {@code gridSample} with gradients for the image AND the sampling grid (what makes deformable
 * attention and spatial transformers trainable), its two fused contractions for deformable attention
 * ({@code gridSampleDot}, {@code gridSampleMix}), and {@code affineGrid}.
 *
 * <p>affineGrid is linear in theta ({@code grid = base · θᵀ} with a constant base grid), so its rule is a matrix
 * product written in Variable ops and can be differentiated again; the other two are first-order only.
 */
public final class SamplingOps implements OpFamily {
    public SamplingOps() {}

    /** Resizes [N,C,H,W] to [N,C,outH,outW]; alignCorners only for BILINEAR. */
    public static Variable upsample(Variable x, int outH, int outW, Interpolation mode, boolean alignCorners) {
        int[] inShape = x.shape();
        return Node.record("upsample", Sampling.upsample(x.value(), outH, outW, mode, alignCorners), Saves.NOTHING, (n, g) -> {
            requireFirstOrder("upsample");
            return grads(Variable.constant(Sampling.upsampleBackward(g.value(), inShape, mode, alignCorners)));
        }, x);
    }

    /** Resizes by a scale factor (output floor(H·scale)), sampling positions from 1/scale as PyTorch does. */
    public static Variable upsample(Variable x, double scaleFactor, Interpolation mode, boolean alignCorners) {
        int[] inShape = x.shape();
        return Node.record("upsample", Sampling.upsample(x.value(), scaleFactor, mode, alignCorners), Saves.NOTHING, (n, g) -> {
            requireFirstOrder("upsample");
            return grads(Variable.constant(Sampling.upsampleBackward(g.value(), inShape, scaleFactor, mode, alignCorners)));
        }, x);
    }

    /**
     * PyTorch's {@code F.grid_sample} (4-d): input [N,C,H,W], grid [N,outH,outW,2] of normalised (x, y). Either may
     * require a gradient; the backward kernel computes only the ones needed.
     */
    public static Variable gridSample(Variable input, Variable grid, Interpolation mode, GridPadding padding,
                                      boolean alignCorners) {
        boolean needInput = input.requiresGrad(), needGrid = grid.requiresGrad();
        Tensor out = Sampling.gridSample(input.value(), grid.value(), mode, padding, alignCorners);
        return Node.record("gridSample", out, Saves.inputs(0, 1), (n, g) -> {
            requireFirstOrder("gridSample");
            Sampling.GridSampleGrads r = Sampling.gridSampleBackward(g.value(), n.input(0).value(), n.input(1).value(),
                    mode, padding, alignCorners, needInput, needGrid);
            return grads(constant(r.input()), constant(r.grid()));
        }, input, grid);
    }

    /**
     * Deformable attention's energies: {@code out[n,q,s] = Σ_c p[n,c,q] · bilinear(input[n,c], grid[n,q,s])}, the
     * same as {@code gridSample(input, grid).mul(p.unsqueeze(3)).sum(1)} (bilinear) without the [N,C,Q,S] samples,
     * which are neither computed nor kept for the backward pass. p [N,C,Q], input [N,C,H,W], grid [N,Q,S,2] →
     * [N,Q,S]. Differentiable in all three (first order).
     */
    public static Variable gridSampleDot(Variable p, Variable input, Variable grid, GridPadding padding,
                                         boolean alignCorners) {
        boolean needP = p.requiresGrad(), needInput = input.requiresGrad(), needGrid = grid.requiresGrad();
        Tensor out = Sampling.gridSampleDot(p.value(), input.value(), grid.value(), padding, alignCorners);
        return Node.record("gridSampleDot", out, Saves.inputs(0, 1, 2), (n, g) -> {
            requireFirstOrder("gridSampleDot");
            Tensor pv = n.input(0).value(), x = n.input(1).value(), gr = n.input(2).value();
            Tensor dp = needP ? Sampling.gridSampleMix(g.value(), x, gr, padding, alignCorners) : null;
            Sampling.GridSampleGrads r = Sampling.gridSampleContractBackward(pv, g.value(), x, gr, padding, alignCorners,
                    needInput, needGrid);
            return grads(constant(dp), constant(r.input()), constant(r.grid()));
        }, p, input, grid);
    }

    /**
     * Deformable attention's output: {@code out[n,c,q] = Σ_s w[n,q,s] · bilinear(input[n,c], grid[n,q,s])}, the
     * same as {@code gridSample(input, grid).mul(w.unsqueeze(1)).sum(3)} (bilinear) without the [N,C,Q,S] samples.
     * w [N,Q,S], input [N,C,H,W], grid [N,Q,S,2] → [N,C,Q]. Differentiable in all three (first order).
     */
    public static Variable gridSampleMix(Variable w, Variable input, Variable grid, GridPadding padding,
                                         boolean alignCorners) {
        boolean needW = w.requiresGrad(), needInput = input.requiresGrad(), needGrid = grid.requiresGrad();
        Tensor out = Sampling.gridSampleMix(w.value(), input.value(), grid.value(), padding, alignCorners);
        return Node.record("gridSampleMix", out, Saves.inputs(0, 1, 2), (n, g) -> {
            requireFirstOrder("gridSampleMix");
            Tensor wv = n.input(0).value(), x = n.input(1).value(), gr = n.input(2).value();
            Tensor dw = needW ? Sampling.gridSampleDot(g.value(), x, gr, padding, alignCorners) : null;
            Sampling.GridSampleGrads r = Sampling.gridSampleContractBackward(g.value(), wv, x, gr, padding, alignCorners,
                    needInput, needGrid);
            return grads(constant(dw), constant(r.input()), constant(r.grid()));
        }, w, input, grid);
    }

    /** PyTorch's {@code F.affine_grid} (4-d): theta [N,2,3], size [N,C,H,W] → grid [N,H,W,2]. */
    public static Variable affineGrid(Variable theta, int[] size, boolean alignCorners) {
        int[] s = size.clone();
        return Node.record("affineGrid", Sampling.affineGrid(theta.value(), s, alignCorners), Saves.NOTHING, (n, g) -> {
            if (!NoGrad.isGradEnabled()) return grads(Variable.constant(Sampling.affineGridBackward(g.value(), s, alignCorners)));
            // recorded: dθ[n] = g[n]ᵀ · base with base rows (x, y, 1), in differentiable ops
            Variable base = Variable.constant(baseGrid(g.value(), s, alignCorners));
            return grads(g.reshape(s[0], s[2] * s[3], 2).transpose(1, 2).matmul(base));
        }, theta);
    }

    /** The base grid [H·W, 3] of rows (x, y, 1): affineGrid of the identity transform, plus a column of ones. */
    private static Tensor baseGrid(Tensor like, int[] size, boolean alignCorners) {
        Tensor identity = Tensor.of(new double[] {1, 0, 0, 0, 1, 0}, 1, 2, 3).to(like.dtype()).to(like.device());
        Tensor xy = Sampling.affineGrid(identity, new int[] {1, 1, size[2], size[3]}, alignCorners).reshape(size[2] * size[3], 2);
        return Tensor.cat(1, xy, xy.newFull(1, size[2] * size[3], 1));
    }

    // ---------------------------------------------------------------- registry: gradient check cases

    @Override
    public List<Entry> ops() {
        return List.of(
                Entry.of("upsample", SamplingOps::upsampleCase).firstOrderOnly(),
                Entry.of("gridSample", s -> gridCase(s, Interpolation.BILINEAR), s -> gridCase(s, Interpolation.NEAREST))
                        .firstOrderOnly(),
                Entry.of("gridSampleDot", s -> contractionCase(s, true)).firstOrderOnly(),
                Entry.of("gridSampleMix", s -> contractionCase(s, false)).firstOrderOnly(),
                Entry.of("affineGrid", s -> {
                    int n = s.between(1, 2);
                    int[] size = {n, s.between(1, 3), s.between(1, 4), s.between(1, 4)};
                    boolean ac = s.coin();
                    return Problem.of("affineGrid " + Shape.str(size) + (ac ? " alignCorners" : ""),
                            v -> affineGrid(v[0], size, ac), s.normal(n, 2, 3));
                }));
    }

    private static Problem upsampleCase(Sampler s) {
        int[] shape = {s.between(1, 2), s.between(1, 2), s.between(1, 4), s.between(1, 4)};
        Interpolation mode = s.coin() ? Interpolation.BILINEAR : Interpolation.NEAREST;
        boolean ac = mode == Interpolation.BILINEAR && s.coin();
        String how = mode + (ac ? " alignCorners" : "");
        if (s.coin()) {
            double scale = new double[] {0.5, 1.5, 2, 3}[s.nextInt(4)];
            if (Math.floor(shape[2] * scale) < 1 || Math.floor(shape[3] * scale) < 1) scale = 2;
            double sc = scale;
            return Problem.of("upsample " + Shape.str(shape) + " ×" + sc + " " + how, v -> upsample(v[0], sc, mode, ac),
                    s.normal(shape));
        }
        int oh = s.between(1, 6), ow = s.between(1, 6);
        return Problem.of("upsample " + Shape.str(shape) + " → " + oh + "x" + ow + " " + how,
                v -> upsample(v[0], oh, ow, mode, ac), s.normal(shape));
    }

    /**
     * Sample points whose pixel coordinates stay away from where the op is not smooth: integers for bilinear
     * sampling (cell edges, and the border clamp at 0 and size-1), half-integers for nearest (rounding). Some
     * points fall outside the image.
     */
    private static Problem gridCase(Sampler s, Interpolation mode) {
        int n = s.between(1, 2), c = s.between(1, 2), h = s.between(2, 4), w = s.between(2, 4), oh = s.between(1, 3), ow = s.between(1, 3);
        boolean ac = s.coin();
        GridPadding padding = s.coin() ? GridPadding.ZEROS : GridPadding.BORDER;
        double shift = mode == Interpolation.NEAREST ? 0.5 : 0;
        double[] px = s.awayFromIntegers(-1.6, w - 0.4, n * oh * ow).toDoubleArray();
        double[] py = s.awayFromIntegers(-1.6, h - 0.4, n * oh * ow).toDoubleArray();
        double[] grid = new double[n * oh * ow * 2];
        for (int i = 0; i < px.length; i++) {
            grid[2 * i] = normalised(px[i] + shift, w, ac);
            grid[2 * i + 1] = normalised(py[i] + shift, h, ac);
        }
        String label = "gridSample " + mode + " " + padding + (ac ? " alignCorners" : "") + " input " + Shape.str(new int[] {n, c, h, w})
                + " grid " + Shape.str(new int[] {n, oh, ow, 2});
        return Problem.of(label, v -> gridSample(v[0], v[1], mode, padding, ac), s.normal(n, c, h, w),
                s.layout(Tensor.of(grid, n, oh, ow, 2).to(DType.FLOAT64)));
    }

    /** A contraction with points away from integer pixel coordinates, as {@link #gridCase}; bilinear only. */
    private static Problem contractionCase(Sampler s, boolean dot) {
        int n = s.between(1, 2), c = s.between(1, 3), h = s.between(2, 4), w = s.between(2, 4), q = s.between(1, 3), k = s.between(1, 3);
        boolean ac = s.coin();
        GridPadding padding = s.coin() ? GridPadding.ZEROS : GridPadding.BORDER;
        double[] px = s.awayFromIntegers(-1.6, w - 0.4, n * q * k).toDoubleArray();
        double[] py = s.awayFromIntegers(-1.6, h - 0.4, n * q * k).toDoubleArray();
        double[] grid = new double[n * q * k * 2];
        for (int i = 0; i < px.length; i++) {
            grid[2 * i] = normalised(px[i], w, ac);
            grid[2 * i + 1] = normalised(py[i], h, ac);
        }
        String label = (dot ? "gridSampleDot " : "gridSampleMix ") + padding + (ac ? " alignCorners" : "") + " input "
                + Shape.str(new int[] {n, c, h, w}) + " grid " + Shape.str(new int[] {n, q, k, 2});
        Tensor g = s.layout(Tensor.of(grid, n, q, k, 2).to(DType.FLOAT64));
        return dot ? Problem.of(label, v -> gridSampleDot(v[0], v[1], v[2], padding, ac), s.normal(n, c, q), s.normal(n, c, h, w), g)
                : Problem.of(label, v -> gridSampleMix(v[0], v[1], v[2], padding, ac), s.normal(n, q, k), s.normal(n, c, h, w), g);
    }

    /** The inverse of grid_sample's unnormalisation: pixel coordinate → normalised [-1, 1] coordinate. */
    private static double normalised(double pixel, int size, boolean alignCorners) {
        return alignCorners ? 2 * pixel / (size - 1) - 1 : (2 * pixel + 1) / size - 1;
    }
}

package gradwerk.nn.layers;

import gradwerk.autograd.Variable;
import gradwerk.nn.Module;
import gradwerk.nn.functional.SamplingOps;
import gradwerk.tensor.nn.Interpolation;

/**
 * Resizing, PyTorch's {@code nn.Upsample}: to a fixed size or by a scale factor, nearest or bilinear (with or
 * without aligned corners). {@code Upsample.scale(2, BILINEAR, false)} is the U-Net decoder's upsampling.
 */
public final class Upsample extends Module {
    private final int outH, outW;
    private final double scale;
    private final Interpolation mode;
    private final boolean alignCorners;

    private Upsample(int outH, int outW, double scale, Interpolation mode, boolean alignCorners) {
        if (mode == Interpolation.NEAREST && alignCorners)
            throw new IllegalArgumentException("Upsample: alignCorners only applies to bilinear interpolation");
        this.outH = outH;
        this.outW = outW;
        this.scale = scale;
        this.mode = mode;
        this.alignCorners = alignCorners;
    }

    /** Resizes to outH × outW. */
    public static Upsample size(int outH, int outW, Interpolation mode, boolean alignCorners) {
        return new Upsample(outH, outW, 0, mode, alignCorners);
    }

    /** Resizes by a factor: output floor(H·scale) × floor(W·scale). */
    public static Upsample scale(double scale, Interpolation mode, boolean alignCorners) {
        if (!(scale > 0)) throw new IllegalArgumentException("Upsample: scale " + scale + " must be positive");
        return new Upsample(0, 0, scale, mode, alignCorners);
    }

    @Override
    public Variable forward(Variable x) {
        return scale > 0 ? SamplingOps.upsample(x, scale, mode, alignCorners) : SamplingOps.upsample(x, outH, outW, mode, alignCorners);
    }

    @Override
    protected String extraRepr() {
        return (scale > 0 ? "scale_factor=" + scale : "size=" + outH + "x" + outW) + ", mode=" + mode.name().toLowerCase(java.util.Locale.ROOT)
                + (alignCorners ? ", align_corners=true" : "");
    }
}

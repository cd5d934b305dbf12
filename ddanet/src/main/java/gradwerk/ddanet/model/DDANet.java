package gradwerk.ddanet.model;

import gradwerk.ddanet.attention.AttentionTrace;
import gradwerk.ddanet.attention.DeformableCrissCrossAttention;
import gradwerk.tensor.Generator;

/**
 * {@code ddanet}: a {@link UNet} with {@link DeformableCrissCrossAttention} (R = attentionLoops, offsets recomputed
 * in each loop) on its bottleneck features. Built for {@code imageSize}² inputs (the offset convolution's channel
 * count depends on the bottleneck size).
 */
public final class DDANet extends UNet {
    public DDANet(ModelConfig cfg, Generator g) {
        super(cfg, g, c -> new DeformableCrissCrossAttention(c, cfg.bottleneckSize(), cfg.bottleneckSize(),
                cfg.attentionLoops(), cfg.alignCorners(), g));
    }

    @Override
    public DeformableCrissCrossAttention attention() { return (DeformableCrissCrossAttention) super.attention(); }

    /**
     * Where image pixel (row, col) of image {@code batch} of the last forward pass looked at the bottleneck, in the
     * last attention loop, in image pixel coordinates (the bottleneck pixel containing it, positions ×16).
     */
    public AttentionTrace attentionTrace(int batch, int row, int col) {
        int s = ModelConfig.BOTTLENECK_STRIDE;
        return attention().trace(batch, row / s, col / s).inImage(s);
    }
}

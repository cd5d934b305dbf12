package gradwerk.ddanet.model;

import gradwerk.ddanet.attention.CrissCrossAttention;
import gradwerk.tensor.Generator;

/** {@code cca}: a {@link UNet} with {@link CrissCrossAttention} (R = attentionLoops) on its bottleneck features. */
public final class CCANet extends UNet {
    public CCANet(ModelConfig cfg, Generator g) {
        super(cfg, g, c -> new CrissCrossAttention(c, cfg.attentionLoops(), g));
    }

    @Override
    public CrissCrossAttention attention() { return (CrissCrossAttention) super.attention(); }
}

package gradwerk.ddanet.model;

import gradwerk.autograd.ForwardScope;
import gradwerk.autograd.Variable;
import gradwerk.nn.Module;
import gradwerk.nn.functional.F;
import gradwerk.nn.layers.Conv2d;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Shape;
import gradwerk.tensor.nn.Interpolation;

import java.util.function.Function;

/**
 * U-Net (Ronneberger et al. 2015) for 2-d slices, with a hook at the bottleneck where {@link CCANet} and
 * {@link DDANet} insert their attention block. With base channels c (16 by default) and input [B,1,H,W]:
 * <pre>
 *   enc1        DoubleConv(1 → c)                       H      × W
 *   enc2        max-pool 2, DoubleConv(c → 2c)          H/2    × W/2
 *   enc3        max-pool 2, DoubleConv(2c → 4c)         H/4    × W/4
 *   enc4        max-pool 2, DoubleConv(4c → 8c)         H/8    × W/8
 *   bottleneck  max-pool 2, DoubleConv(8c → 16c)        H/16   × W/16
 *   attention   (cca / ddanet only) 16c → 16c, applied R times with shared weights
 *   dec4        bilinear ×2, concat [enc4, up], DoubleConv(8c+16c → 8c)
 *   dec3        bilinear ×2, concat [enc3, up], DoubleConv(4c+8c → 4c)
 *   dec2        bilinear ×2, concat [enc2, up], DoubleConv(2c+4c → 2c)
 *   dec1        bilinear ×2, concat [enc1, up], DoubleConv(c+2c → c)
 *   head        1×1 convolution c → classes (logits)
 * </pre>
 * DoubleConv is (3×3 conv → BatchNorm → ReLU) × 2. The bilinear upsampling uses the config's align_corners.
 * State dict names read like the table: {@code enc1.conv1.weight}, {@code bottleneck.bn2.running_var},
 * {@code attention.query.weight}, {@code head.bias}.
 */
public class UNet extends Module {
    private final ModelConfig cfg;
    private final DoubleConv enc1, enc2, enc3, enc4, bottleneck, dec4, dec3, dec2, dec1;
    private final Module attention;
    private final Conv2d head;

    /** A plain U-Net. */
    public UNet(ModelConfig cfg, Generator g) {
        this(cfg, g, null);
    }

    /**
     * A U-Net with {@code attention.apply(channels)} inserted after the bottleneck (null for none). The U-Net's own
     * weights are drawn first, so one generator state gives the same U-Net weights with or without attention.
     */
    protected UNet(ModelConfig cfg, Generator g, Function<Integer, Module> attention) {
        this.cfg = cfg;
        int c0 = cfg.channels(0), c1 = cfg.channels(1), c2 = cfg.channels(2), c3 = cfg.channels(3), c4 = cfg.channels(4);
        DoubleConv e1 = new DoubleConv(cfg.inChannels(), c0, g), e2 = new DoubleConv(c0, c1, g),
                e3 = new DoubleConv(c1, c2, g), e4 = new DoubleConv(c2, c3, g), bn = new DoubleConv(c3, c4, g);
        DoubleConv d4 = new DoubleConv(c3 + c4, c3, g), d3 = new DoubleConv(c2 + c3, c2, g),
                d2 = new DoubleConv(c1 + c2, c1, g), d1 = new DoubleConv(c0 + c1, c0, g);
        Conv2d h = new Conv2d(c0, cfg.classes(), 1, g);
        Module att = attention == null ? null : attention.apply(c4);
        // registered in the order of the forward pass (the state dict's order)
        enc1 = registerModule("enc1", e1);
        enc2 = registerModule("enc2", e2);
        enc3 = registerModule("enc3", e3);
        enc4 = registerModule("enc4", e4);
        bottleneck = registerModule("bottleneck", bn);
        this.attention = att == null ? null : registerModule("attention", att);
        dec4 = registerModule("dec4", d4);
        dec3 = registerModule("dec3", d3);
        dec2 = registerModule("dec2", d2);
        dec1 = registerModule("dec1", d1);
        head = registerModule("head", h);
    }

    /** Images [B, inChannels, H, W] (H, W divisible by 16) → logits [B, classes, H, W]. */
    @Override
    public Variable forward(Variable x) {
        int s = ModelConfig.BOTTLENECK_STRIDE;
        if (x.rank() != 4 || x.size(1) != cfg.inChannels() || x.size(2) % s != 0 || x.size(3) % s != 0 || x.size(2) == 0 || x.size(3) == 0)
            throw new IllegalArgumentException(describe() + ": input " + Shape.str(x.shape()) + " must be [B," + cfg.inChannels()
                    + ",H,W] with H and W positive multiples of " + s);
        // activations nobody saved are freed when the forward returns, saved ones as backward passes them
        try (ForwardScope f = ForwardScope.open(describe() + " forward")) {
            Variable e1 = enc1.forward(x);
            Variable e2 = enc2.forward(F.maxPool2d(e1, 2));
            Variable e3 = enc3.forward(F.maxPool2d(e2, 2));
            Variable e4 = enc4.forward(F.maxPool2d(e3, 2));
            Variable b = bottleneck.forward(F.maxPool2d(e4, 2));
            if (attention != null) b = attention.forward(b);
            Variable d = decode(dec4, e4, b);
            d = decode(dec3, e3, d);
            d = decode(dec2, e2, d);
            d = decode(dec1, e1, d);
            return f.result(head.forward(d));
        }
    }

    /** One decoder level; the up-sampled map, which the concatenation copied, is freed before the level returns. */
    private Variable decode(DoubleConv level, Variable skip, Variable below) {
        try (ForwardScope f = ForwardScope.open(describe() + " decoder")) {
            Variable up = F.interpolate(below, 2.0, Interpolation.BILINEAR, cfg.alignCorners());
            return f.result(level.forward(Variable.cat(1, skip, up)));
        }
    }

    public ModelConfig config() { return cfg; }

    /** The bottleneck attention block, or null for a plain U-Net. */
    public Module attention() { return attention; }

    /** Parameters of the U-Net alone (everything but the attention block). */
    public long unetParameterCount() {
        return parameterCount() - (attention == null ? 0 : attention.parameterCount());
    }

    @Override
    protected String extraRepr() {
        return "base=" + cfg.baseChannels() + ", classes=" + cfg.classes() + (cfg.alignCorners() ? ", align_corners" : "");
    }
}

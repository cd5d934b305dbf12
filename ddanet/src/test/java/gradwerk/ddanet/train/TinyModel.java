package gradwerk.ddanet.train;

import gradwerk.autograd.Variable;
import gradwerk.ddanet.model.ModelConfig;
import gradwerk.nn.Module;
import gradwerk.nn.functional.F;
import gradwerk.nn.layers.BatchNorm2d;
import gradwerk.nn.layers.Conv2d;
import gradwerk.tensor.Generator;
import gradwerk.tensor.nn.Interpolation;

/** A two-level U-Net in miniature for fast pipeline tests: [B,1,H,W] → [B,classes,H,W]. */
final class TinyModel extends Module {
    static final ModelFactory FACTORY = (name, cfg, g) -> new TinyModel(cfg, g);

    final Conv2d conv1, conv2, head;
    final BatchNorm2d bn1;

    TinyModel(ModelConfig cfg, Generator g) {
        int c = cfg.baseChannels();
        conv1 = registerModule("conv1", new Conv2d(cfg.inChannels(), c, 3, 1, 1, g));
        bn1 = registerModule("bn1", new BatchNorm2d(c));
        conv2 = registerModule("conv2", new Conv2d(c, c, 3, 1, 1, g));
        head = registerModule("head", new Conv2d(2 * c, cfg.classes(), 1, g));
    }

    @Override
    public Variable forward(Variable x) {
        Variable skip = bn1.forward(conv1.forward(x)).relu();
        Variable low = conv2.forward(F.maxPool2d(skip, 2)).relu();
        Variable up = F.interpolate(low, 2.0, Interpolation.BILINEAR, false);
        return head.forward(Variable.cat(1, skip, up));
    }
}

package gradwerk.ddanet.model;

import gradwerk.nn.Module;
import gradwerk.tensor.Generator;

import java.util.List;
import java.util.Locale;

/**
 * The model factory: {@code Models.create("ddanet", ModelConfig.defaults(), new Generator(42))}. Every model maps
 * images [B, inChannels, H, W] (H, W divisible by 16) to logits [B, classes, H, W] through
 * {@link Module#forward(gradwerk.autograd.Variable)}.
 */
public final class Models {
    private Models() {}

    /** The model names {@link #create} accepts. */
    public static final List<String> NAMES = List.of("unet", "cca", "ddanet");

    /**
     * Builds a model: {@code unet} (plain U-Net), {@code cca} (U-Net with criss-cross attention at the bottleneck) or
     * {@code ddanet} (U-Net with deformable criss-cross attention at the bottleneck). The same generator state gives
     * the same U-Net weights for all three.
     */
    public static Module create(String name, ModelConfig cfg, Generator g) {
        String n = name == null ? "" : name.toLowerCase(Locale.ROOT);
        if (!NAMES.contains(n))
            throw new IllegalArgumentException("Models.create: unknown model '" + name + "'; choose one of " + NAMES);
        return switch (n) {
            case "unet" -> new UNet(cfg, g);
            case "cca" -> new CCANet(cfg, g);
            default -> new DDANet(cfg, g);
        };
    }

    /**
     * One line for logs: the model's name and parameter count, e.g. {@code "DDANet: 7,876,531 parameters (U-Net
     * 7,762,243 + attention 114,288)"}.
     */
    public static String describe(Module model) {
        String line = String.format(Locale.ROOT, "%s: %,d parameters", model.getClass().getSimpleName(), model.parameterCount());
        if (model instanceof UNet u && u.attention() != null)
            line += String.format(Locale.ROOT, " (U-Net %,d + attention %,d)", u.unetParameterCount(), u.attention().parameterCount());
        return line;
    }
}

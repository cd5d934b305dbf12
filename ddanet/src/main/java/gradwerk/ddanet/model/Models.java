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
        // stub: the models follow in the next commits of branch ddmodels
        throw new UnsupportedOperationException("Models.create: '" + n + "' is not implemented yet (branch ddmodels)");
    }

    /** One line for logs: the model's name and parameter count. */
    public static String describe(Module model) {
        return String.format(Locale.ROOT, "%s: %,d parameters", model.getClass().getSimpleName(), model.parameterCount());
    }
}

package gradwerk.ddanet.train;

import gradwerk.ddanet.model.ModelConfig;
import gradwerk.ddanet.model.Models;
import gradwerk.nn.Module;
import gradwerk.tensor.Generator;

/** Builds a model by name; {@link #MODELS} is {@link Models#create}, tests may pass something smaller. */
@FunctionalInterface
public interface ModelFactory {
    Module create(String name, ModelConfig config, Generator g);

    /** The real models: {@code unet}, {@code cca}, {@code ddanet}. */
    ModelFactory MODELS = Models::create;
}

package gradwerk.nn.data;

import gradwerk.tensor.Tensor;

import java.util.Objects;

/** One training example: an input (e.g. an image [C,H,W]) and its target (e.g. a label map [H,W]). */
public record Sample(Tensor input, Tensor target) {
    public Sample {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(target, "target");
    }
}

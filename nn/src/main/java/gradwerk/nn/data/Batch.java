package gradwerk.nn.data;

import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

import java.util.List;

/** Samples stacked along a new first dim: inputs [N,...], targets [N,...]. */
public record Batch(Tensor inputs, Tensor targets) {
    /** Number of samples. */
    public int size() {
        return inputs.size(0);
    }

    /** The default collate function: stacks inputs and targets, which must each share one shape. */
    public static Batch stack(List<Sample> samples) {
        if (samples.isEmpty()) throw new IllegalArgumentException("Batch.stack: no samples");
        Tensor[] in = new Tensor[samples.size()], tg = new Tensor[samples.size()];
        for (int i = 0; i < in.length; i++) {
            in[i] = samples.get(i).input();
            tg[i] = samples.get(i).target();
            if (!in[i].hasShape(in[0].shape()) || !tg[i].hasShape(tg[0].shape()))
                throw new IllegalArgumentException("Batch.stack: sample " + i + " has input " + Shape.str(in[i].shape())
                        + " / target " + Shape.str(tg[i].shape()) + " but sample 0 has " + Shape.str(in[0].shape())
                        + " / " + Shape.str(tg[0].shape()) + " (resize or crop to one size first)");
        }
        return new Batch(Tensor.stack(0, in), Tensor.stack(0, tg));
    }
}

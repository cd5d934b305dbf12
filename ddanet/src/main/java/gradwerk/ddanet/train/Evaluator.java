package gradwerk.ddanet.train;

import gradwerk.autograd.NoGrad;
import gradwerk.autograd.Variable;
import gradwerk.ddanet.data.CtSlice;
import gradwerk.ddanet.data.Resize;
import gradwerk.nn.Module;
import gradwerk.nn.metrics.ConfusionMatrix;
import gradwerk.nn.metrics.PerImageScores;
import gradwerk.tensor.Device;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.TensorScope;
import gradwerk.tensor.nn.Interpolation;
import gradwerk.tensor.nn.Sampling;

import java.util.ArrayList;
import java.util.List;

/**
 * The evaluation protocol, shared by validation during training and by {@code ./gradwerk eval}:
 * <ol>
 *   <li>each slice is brought to the model's size S by area down-sampling and standardised with the training
 *       statistics;</li>
 *   <li>the model (in eval mode, no gradients) gives logits [3,S,S], which are up-sampled <b>bilinearly</b>
 *       (align_corners false) to the slice's native size (512×512 for MedSeg-100) and only then turned into classes
 *       by argmax;</li>
 *   <li>these native-resolution predictions are compared with the native-resolution masks: one confusion matrix
 *       over all pixels of the split (global Dice per class) and one Dice per slice averaged over slices (mean
 *       per-slice Dice; a class absent from both a slice's mask and its prediction scores 1 there, see
 *       {@link PerImageScores}).</li>
 * </ol>
 * Optionally also the training loss on the S×S data (masks resized by nearest neighbour), for the val loss curve.
 */
public final class Evaluator {
    private final Module model;
    private final Device device;
    private final Standardizer standardizer;
    private final int size, batch;

    public Evaluator(Module model, Device device, Standardizer standardizer, int size, int batch) {
        this.model = model;
        this.device = device;
        this.standardizer = standardizer;
        this.size = size;
        this.batch = Math.max(1, batch);
    }

    /** Runs the protocol over {@code slices} (native resolution); {@code withLoss} adds the S×S loss. */
    public EvalResult evaluate(String split, List<CtSlice> slices, boolean withLoss) {
        if (slices.isEmpty()) throw new IllegalArgumentException("evaluate: no slices in split " + split);
        boolean wasTraining = model.isTraining();
        model.eval();
        ConfusionMatrix global = new ConfusionMatrix(CtSlice.NUM_CLASSES);
        PerImageScores perImage = new PerImageScores(CtSlice.NUM_CLASSES);
        List<EvalResult.SliceScore> perSlice = new ArrayList<>();
        double lossSum = 0;
        try (var _ = NoGrad.enter()) {
            for (int from = 0; from < slices.size(); from += batch) {
                List<CtSlice> group = slices.subList(from, Math.min(slices.size(), from + batch));
                try (TensorScope batchMemory = TensorScope.open("eval batch")) { // only counts leave the batch
                    Tensor logits = logits(group);                                  // [B,3,S,S] on the CPU
                    if (withLoss) lossSum += TrainLoss.value(logits, labelsAtSize(group)) * group.size();
                    for (int i = 0; i < group.size(); i++) {
                        CtSlice s = group.get(i);
                        Tensor predicted = predictNative(logits.narrow(0, i, 1), s.height(), s.width()); // [H,W]
                        Tensor target = CtData.labels(s);
                        global.add(predicted, target);
                        perImage.addImage(predicted, target);
                        ConfusionMatrix one = new ConfusionMatrix(CtSlice.NUM_CLASSES).add(predicted, target);
                        perSlice.add(EvalResult.SliceScore.of(s.id(), one));
                    }
                }
            }
        } finally {
            model.train(wasTraining);
        }
        return new EvalResult(split, slices.size(), global.counts(), perImage.dice(), perSlice,
                withLoss ? lossSum / slices.size() : Double.NaN);
    }

    /** Logits [B,3,S,S] (on the CPU) for slices of any size: area/bilinear to S, standardised, forward. */
    public Tensor logits(List<CtSlice> slices) {
        Tensor[] inputs = new Tensor[slices.size()];
        for (int i = 0; i < inputs.length; i++) inputs[i] = input(slices.get(i));
        try (var _ = NoGrad.enter()) {
            Variable out = model.forward(Tensor.stack(0, inputs).to(device));
            return out.value().to(Device.CPU);
        }
    }

    /** One slice as a standardised model input [1,S,S]. */
    public Tensor input(CtSlice s) {
        float[] img = Resize.image(s.image(), s.height(), s.width(), size, size);
        return standardizer.apply(Tensor.of(img, 1, size, size));
    }

    /** Classes [H,W] at native resolution from logits [1,3,S,S]: bilinear up-sampling, then argmax. */
    public static Tensor predictNative(Tensor logits, int height, int width) {
        Tensor up = logits.size(2) == height && logits.size(3) == width ? logits
                : Sampling.upsample(logits.contiguous(), height, width, Interpolation.BILINEAR, false);
        return up.argmax(1, false).select(0, 0);
    }

    /** Predicted classes of one slice at its native resolution, as bytes (row-major). */
    public byte[] predict(CtSlice s) {
        model.eval();
        Tensor p = predictNative(logits(List.of(s)), s.height(), s.width());
        float[] v = p.toFloatArray();
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (byte) v[i];
        return out;
    }

    /** Label maps [B,S,S] of the slices resized (nearest) to S. */
    private Tensor labelsAtSize(List<CtSlice> slices) {
        Tensor[] t = new Tensor[slices.size()];
        for (int i = 0; i < t.length; i++) {
            CtSlice s = slices.get(i);
            byte[] l = s.height() == size && s.width() == size ? s.labels()
                    : Resize.nearest(s.labels(), s.height(), s.width(), size, size);
            float[] f = new float[l.length];
            for (int k = 0; k < f.length; k++) f[k] = l[k];
            t[i] = Tensor.of(f, size, size);
        }
        return Tensor.stack(0, t);
    }
}

package gradwerk.nn.e2e;

import gradwerk.autograd.NoGrad;
import gradwerk.autograd.Variable;
import gradwerk.nn.Module;
import gradwerk.nn.Sequential;
import gradwerk.nn.io.Checkpoint;
import gradwerk.nn.layers.Activation.ReLU;
import gradwerk.nn.layers.BatchNorm2d;
import gradwerk.nn.layers.Conv2d;
import gradwerk.nn.layers.ConvTranspose2d;
import gradwerk.nn.layers.Flatten;
import gradwerk.nn.layers.GroupNorm;
import gradwerk.nn.layers.Linear;
import gradwerk.nn.layers.MaxPool2d;
import gradwerk.nn.loss.CrossEntropy;
import gradwerk.nn.loss.Dice;
import gradwerk.nn.optim.Adam;
import gradwerk.nn.optim.AdamW;
import gradwerk.nn.optim.Optimizer;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proof that the pieces fit: small CNNs learn a toy image task from scratch (seeded, so the numbers are the
 * same on every run), and training stopped at a checkpoint resumes bit-identically.
 */
class TrainingTest {
    @TempDir
    Path dir;

    /** conv-bn-relu-pool ×2, then a linear classifier: [N,1,16,16] → [N,2]. */
    static Sequential classifier(Generator g) {
        return new Sequential(
                new Conv2d(1, 8, 3, 1, 1, g), new BatchNorm2d(8), new ReLU(), new MaxPool2d(2),
                new Conv2d(8, 16, 3, 1, 1, g), new BatchNorm2d(16), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(16 * 4 * 4, 2, g));
    }

    /** A tiny fully-convolutional segmenter: down by 2, up by 2 (transposed conv), per-pixel logits [N,2,16,16]. */
    static Sequential segmenter(Generator g) {
        return new Sequential(
                new Conv2d(1, 8, 3, 1, 1, g), new GroupNorm(2, 8), new ReLU(), new MaxPool2d(2),
                new Conv2d(8, 16, 3, 1, 1, g), new ReLU(),
                new ConvTranspose2d(16, 8, 2, 2, g), new ReLU(),
                new Conv2d(8, 2, 1, g));
    }

    @Test
    void aSmallCnnLearnsWhichHalfTheSquareIsIn() {
        Generator g = new Generator(42), data = new Generator(7);
        Sequential model = classifier(g);
        Optimizer opt = new Adam(model.parameters(), 0.01);
        double loss = Double.NaN;
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < 60; step++) {
            Squares b = Squares.batch(data, 16);
            Variable l = CrossEntropy.crossEntropy(model.forward(b.images()), b.halves());
            opt.zeroGrad();
            l.backward();
            opt.step();
            losses.add(loss = l.item());
        }
        System.out.println("classifier losses: first " + losses.get(0) + ", last " + loss);
        assertTrue(loss < 0.1, "loss after 60 steps " + loss + " (" + losses + ")");
        model.eval();
        Squares test = Squares.batch(new Generator(99), 64);
        try (var _ = NoGrad.enter()) {
            Tensor predicted = model.forward(test.images()).value().argmax(1, false);
            double correct = predicted.eq(test.halves()).sum().item();
            assertTrue(correct >= 62, "held-out accuracy " + correct + "/64");
        }
    }

    @Test
    void aTinySegmenterLearnsTheMask() {
        Generator g = new Generator(3), data = new Generator(8);
        Sequential model = segmenter(g);
        Optimizer opt = new AdamW(model.parameters(), 0.02);
        double loss = Double.NaN;
        for (int step = 0; step < 60; step++) {
            Squares b = Squares.batch(data, 8);
            Variable logits = model.forward(b.images());
            Variable l = CrossEntropy.crossEntropy(logits, b.masks()).add(Dice.diceLoss(logits, b.masks(), new int[] {1}, 1, -100));
            opt.zeroGrad();
            l.backward();
            opt.step();
            loss = l.item();
        }
        Squares test = Squares.batch(new Generator(100), 16);
        try (var _ = NoGrad.enter()) {
            Tensor predicted = model.forward(test.images()).value().argmax(1, false);
            double inter = predicted.mul(test.masks()).sum().item();
            double dice = 2 * inter / (predicted.sum().item() + test.masks().sum().item());
            System.out.println("segmenter: last loss " + loss + ", held-out Dice " + dice);
            assertTrue(dice > 0.9, "held-out Dice " + dice + ", last loss " + loss);
        }
    }

    /** k training steps; returns the losses. */
    private static List<Double> train(Module model, Optimizer opt, Generator data, int k) {
        List<Double> losses = new ArrayList<>();
        for (int step = 0; step < k; step++) {
            Squares b = Squares.batch(data, 8);
            Variable l = CrossEntropy.crossEntropy(model.forward(b.images()), b.halves());
            opt.zeroGrad();
            l.backward();
            opt.step();
            losses.add(l.item());
        }
        return losses;
    }

    @Test
    void aCheckpointResumesTrainingBitIdentically() throws Exception {
        // uninterrupted: 6 steps
        Module full = classifier(new Generator(5));
        List<Double> expected = train(full, new AdamW(full.parameters(), 0.01), new Generator(1), 6);

        // 3 steps, save model + optimiser + data RNG, then resume in fresh objects for 3 more
        Module first = classifier(new Generator(5));
        Optimizer opt = new AdamW(first.parameters(), 0.01);
        Generator data = new Generator(1);
        List<Double> losses = new ArrayList<>(train(first, opt, data, 3));
        Path file = dir.resolve("ckpt.safetensors");
        Checkpoint.builder().model(first.stateDict()).optimizer(opt.stateTensors(), opt.stateScalars())
                .epoch(0).step(3).rng("data", data.state()).build().save(file);

        Module resumed = classifier(new Generator(12345)); // other initial weights: all overwritten by the load
        Optimizer resumedOpt = new AdamW(resumed.parameters(), 0.5);
        Checkpoint c = Checkpoint.load(file);
        c.loadModelInto(resumed.stateDict(), true);
        resumedOpt.loadState(c.optimizerTensors(), c.optimizerScalars());
        Generator resumedData = new Generator(0);
        c.restoreRng("data", resumedData);
        for (var e : first.stateDict().entrySet())
            assertTrue(java.util.Arrays.equals(e.getValue().toFloatArray(), resumed.stateDict().get(e.getKey()).toFloatArray()), e.getKey());
        losses.addAll(train(resumed, resumedOpt, resumedData, 3));
        assertEquals(expected, losses); // exact equality of doubles: bit-identical
        assertEquals(3, c.step());
    }
}

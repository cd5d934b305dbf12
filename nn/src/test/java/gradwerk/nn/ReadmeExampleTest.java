package gradwerk.nn;

import gradwerk.autograd.NoGrad;
import gradwerk.autograd.Variable;
import gradwerk.nn.functional.F;
import gradwerk.nn.io.Checkpoint;
import gradwerk.nn.layers.BatchNorm2d;
import gradwerk.nn.layers.Conv2d;
import gradwerk.nn.loss.CrossEntropy;
import gradwerk.nn.loss.Dice;
import gradwerk.nn.optim.AdamW;
import gradwerk.nn.optim.GradClip;
import gradwerk.nn.optim.LrSchedule;
import gradwerk.nn.optim.Schedules;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.TensorScope;
import gradwerk.tensor.nn.Interpolation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The example of nn/README.md, verbatim between the markers. */
class ReadmeExampleTest {
    @TempDir
    Path dir;

    // README-BEGIN model
    /** conv-bn-relu, down by 2, up by 2, per-pixel logits: a U-Net in miniature. */
    static final class TinySeg extends Module {
        final Conv2d conv1, conv2, head;
        final BatchNorm2d bn1;

        TinySeg(int classes, Generator g) {
            conv1 = registerModule("conv1", new Conv2d(1, 8, 3, 1, 1, g));
            bn1 = registerModule("bn1", new BatchNorm2d(8));
            conv2 = registerModule("conv2", new Conv2d(8, 8, 3, 1, 1, g));
            head = registerModule("head", new Conv2d(16, classes, 1, g));
        }

        @Override
        public Variable forward(Variable x) {
            Variable skip = bn1.forward(conv1.forward(x)).relu();                    // [N,8,H,W]
            Variable low = conv2.forward(F.maxPool2d(skip, 2)).relu();               // [N,8,H/2,W/2]
            Variable up = F.interpolate(low, 2.0, Interpolation.BILINEAR, false);     // back to [N,8,H,W]
            return head.forward(Variable.cat(1, skip, up));                          // [N,classes,H,W]
        }
    }
    // README-END model

    /** Images with a bright square; the target marks it (class 1). */
    static Tensor[] batch(Generator g) {
        Tensor x = Tensor.randn(g, 8, 1, 16, 16).mul(0.2), y = Tensor.zeros(8, 16, 16);
        for (int i = 0; i < 8; i++) {
            int r = g.nextInt(12), c = g.nextInt(12);
            x.select(0, i).select(0, 0).narrow(0, r, 4).narrow(1, c, 4).addInPlace(1);
            y.select(0, i).narrow(0, r, 4).narrow(1, c, 4).fill(1);
        }
        return new Tensor[] {x, y};
    }

    @Test
    void theExampleRuns() throws Exception {
        Path file = dir.resolve("last.safetensors");
        // README-BEGIN train
        Generator init = new Generator(42), data = new Generator(7);
        TinySeg model = new TinySeg(2, init);
        AdamW opt = new AdamW(model.parameters(), 2e-2);
        LrSchedule lr = Schedules.warmupCosine(1e-3, 2e-2, 1e-3, 5, 80);  // warm up 5 steps, cosine to step 80
        double loss = 0;
        for (int step = 0; step < 80; step++) {
            try (TensorScope stepMemory = TensorScope.open("step")) {   // its tensors' memory serves the next step
                Tensor[] b = batch(data);                               // images [8,1,16,16], labels [8,16,16]
                Variable logits = model.forward(b[0]);
                Variable l = CrossEntropy.crossEntropy(logits, b[1]).add(Dice.diceLoss(logits, b[1]));
                opt.zeroGrad();
                l.backward();
                GradClip.clipGradNorm(model.parameters(), 5.0);
                opt.setLr(lr.lr(step));
                opt.step();
                loss = l.item();                                        // 1.24 at step 0, 0.07 at step 79
            }
        }
        Checkpoint.builder().model(model.stateDict()).optimizer(opt.stateTensors(), opt.stateScalars())
                .step(80).rng("data", data.state()).build().save(file);

        TinySeg restored = new TinySeg(2, new Generator(0));            // later, elsewhere:
        Checkpoint c = Checkpoint.load(file);
        c.loadModelInto(restored.stateDict(), true);
        restored.eval();
        Tensor[] test = batch(new Generator(1));
        double accuracy;
        try (var _ = NoGrad.enter()) {
            Tensor predicted = restored.forward(test[0]).value().argmax(1, false);           // [8,16,16]
            accuracy = predicted.eq(test[1]).mean().item();                                 // 0.996
        }
        // README-END train
        System.out.println("loss " + loss + ", accuracy " + accuracy);
        assertTrue(loss < 0.3, "loss " + loss);
        assertTrue(accuracy > 0.98, "accuracy " + accuracy);
        assertEquals(80, c.step());
        assertEquals(model.parameterCount(), restored.parameterCount());
    }

    /** The README shows exactly the code between the markers of this file. */
    @Test
    void theReadmeShowsThisCode() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        String source = Files.readString(Path.of("src/test/java/gradwerk/nn/ReadmeExampleTest.java"));
        for (String part : new String[] {"model", "train"}) {
            String mine = region(source, part), shown = region(readme, part);
            assertEquals(dedent(mine), dedent(shown), "README section " + part + " differs from ReadmeExampleTest");
        }
    }

    private static String region(String text, String part) {
        int from = text.indexOf("// README-BEGIN " + part), to = text.indexOf("// README-END " + part);
        assertTrue(from >= 0 && to > from, "markers for " + part);
        return text.substring(text.indexOf('\n', from) + 1, text.lastIndexOf('\n', to));
    }

    /** Removes the common indentation. */
    private static String dedent(String block) {
        String[] lines = block.split("\n", -1);
        int common = Integer.MAX_VALUE;
        for (String l : lines) if (!l.isBlank()) common = Math.min(common, l.length() - l.stripLeading().length());
        StringBuilder sb = new StringBuilder();
        for (String l : lines) sb.append(l.isBlank() ? "" : l.substring(common)).append('\n');
        return sb.toString();
    }
}

package gradwerk.ddanet.model;

import gradwerk.autograd.Variable;
import gradwerk.nn.Module;
import gradwerk.nn.loss.CrossEntropy;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;

import java.util.Locale;

/**
 * Not a test: times one training step's forward + backward (cross-entropy) per model, default configuration.
 * {@code java -cp ... gradwerk.ddanet.model.ModelStepTiming [batch] [size] [base] [repeats] [models...]}.
 */
public final class ModelStepTiming {
    public static void main(String[] args) throws Exception {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 4, size = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        int base = args.length > 2 ? Integer.parseInt(args[2]) : 16, repeats = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        String[] names = args.length > 4 ? java.util.Arrays.copyOfRange(args, 4, args.length) : Models.NAMES.toArray(String[]::new);
        ModelConfig cfg = ModelConfig.defaults().withBaseChannels(base).withImageSize(size);
        Tensor x = Tensor.randn(new Generator(1), batch, 1, size, size);
        Tensor y = Tensor.randint(new Generator(2), 0, 3, batch, size, size);
        for (String name : names) {
            Module m = Models.create(name, cfg, new Generator(0));
            System.out.println(Models.describe(m));
            for (int r = 0; r < repeats; r++) {
                long t0 = System.nanoTime();
                Variable logits = m.forward(x);
                long t1 = System.nanoTime();
                Variable loss = CrossEntropy.crossEntropy(logits, y);
                m.zeroGrad();
                loss.backward();
                long t2 = System.nanoTime();
                System.out.printf(Locale.ROOT, "  %s step %d: forward %.2f s, backward %.2f s, total %.2f s (load %s)%n", name, r,
                        (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t2 - t0) / 1e9, java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim());
            }
        }
    }
}

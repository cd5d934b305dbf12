package gradwerk.tutorials;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/** The runnable chapters, by number: {@code ./gradwerk tutorial N} runs chapter N with its full settings. */
public final class Chapters {
    private static final Map<Integer, Consumer<Path>> CHAPTERS = new TreeMap<>(Map.of(
            1, out -> Ch01ScalarAutograd.run(System.out, out, 300),
            2, out -> Ch02Tensors.run(System.out),
            3, out -> Ch03FastKernels.run(System.out, out, Ch03FastKernels.Settings.fromSystemProperties()),
            4, out -> Ch04TensorAutograd.run(System.out, out),
            5, out -> Ch05ModulesOptimisers.run(System.out, out, 400),
            6, out -> Ch06ConvUNet.run(System.out, out, Ch06ConvUNet.Settings.fromSystemProperties())
    ));

    private Chapters() {}

    /** Chapter numbers that have a program. */
    public static java.util.Set<Integer> available() {
        return CHAPTERS.keySet();
    }

    /** Runs chapter n, writing its files under {@code outRoot/tutorial-NN}. */
    public static void run(int n, Path outRoot) {
        Consumer<Path> ch = CHAPTERS.get(n);
        if (ch == null)
            throw new IllegalArgumentException("tutorial: no chapter " + n + " (available: " + available() + ")");
        ch.accept(outRoot.resolve(String.format("tutorial-%02d", n)));
    }
}

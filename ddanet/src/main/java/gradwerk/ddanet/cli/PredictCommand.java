package gradwerk.ddanet.cli;

import gradwerk.ddanet.data.CtSlice;
import gradwerk.ddanet.data.GrayPng;
import gradwerk.ddanet.data.MedSegFolder;
import gradwerk.ddanet.plot.Overlay;
import gradwerk.ddanet.train.Evaluator;
import gradwerk.ddanet.train.ModelFactory;
import gradwerk.ddanet.train.RunCheckpoint;
import gradwerk.nn.Module;
import gradwerk.tensor.Device;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code ./gradwerk predict}: segments one PNG slice and writes the overlay (with the true outlines if --mask). */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Segment one CT slice (PNG) with a checkpoint and write an overlay PNG.")
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "FILE")
    Path checkpoint;

    @Option(names = "--image", required = true, paramLabel = "PNG", description = "gray CT slice, windowed to 0..255")
    Path image;

    @Option(names = "--out", required = true, paramLabel = "PNG", description = "the overlay to write")
    Path out;

    @Option(names = "--mask", paramLabel = "PNG", description = "optional label map (0, 1, 2, 3) to outline")
    Path mask;

    @Option(names = "--labels-out", paramLabel = "PNG", description = "also write the predicted classes as a label PNG")
    Path labelsOut;

    @Option(names = "--device", paramLabel = "cpu|opencl[:N]", description = "default: cpu")
    String device = "cpu";

    @Override
    public Integer call() {
        Device dev = Device.get(device);
        RunCheckpoint.Loaded l = RunCheckpoint.read(checkpoint);
        GrayPng.Samples img = GrayPng.read(image, GrayPng.Mode.LUMINANCE);
        byte[] truth = null;
        if (mask != null) {
            GrayPng.Samples m = GrayPng.read(mask, GrayPng.Mode.EXACT);
            if (m.height() != img.height() || m.width() != img.width())
                throw new IllegalArgumentException("size mismatch: image " + image + " is " + img.height() + "x"
                        + img.width() + " but mask " + mask + " is " + m.height() + "x" + m.width());
            truth = labels(m);
        }
        String id = image.getFileName().toString().replaceFirst("\\.png$", "");
        CtSlice s = new CtSlice(id, img.height(), img.width(), img.toUnitRange(),
                truth != null ? truth : new byte[img.height() * img.width()]);
        Module model = RunCheckpoint.model(l, ModelFactory.MODELS, dev);
        byte[] p = new Evaluator(model, dev, l.standardizer(), l.config().size(), 1).predict(s);
        long ggo = 0, cons = 0;
        for (byte b : p) {
            if (b == CtSlice.GGO) ggo++;
            else if (b == CtSlice.CONSOLIDATION) cons++;
        }
        String title = String.format(Locale.ROOT, "%s  %s", id, l.config().model());
        Overlay.write(out, s.height(), s.width(), s.image(), p, truth, title);
        if (labelsOut != null) GrayPng.writeLabels(labelsOut, s.height(), s.width(), p);
        System.out.printf(Locale.ROOT, "%s: %dx%d, predicted GGO %d px, consolidation %d px; wrote %s%n", image,
                s.height(), s.width(), ggo, cons, out);
        return 0;
    }

    /** Mask samples to classes as in {@link MedSegFolder}: 0, 1, 2 stay, 3 is background, more is an error. */
    private static byte[] labels(GrayPng.Samples m) {
        int[] v = m.values();
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] > MedSegFolder.IGNORED_MASK_VALUE)
                throw new IllegalArgumentException(m.file() + ": mask value " + v[i] + " at (row " + i / m.width()
                        + ", col " + i % m.width() + ") is not a class (0 background, 1 GGO, 2 consolidation, 3 ignored)");
            out[i] = (byte) (v[i] == MedSegFolder.IGNORED_MASK_VALUE ? 0 : v[i]);
        }
        return out;
    }
}

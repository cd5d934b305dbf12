package gradwerk.ddanet.cli;

import gradwerk.autograd.NoGrad;
import gradwerk.ddanet.attention.AttentionTrace;
import gradwerk.ddanet.data.CtSlice;
import gradwerk.ddanet.data.GrayPng;
import gradwerk.ddanet.model.DDANet;
import gradwerk.ddanet.plot.AttentionMap;
import gradwerk.ddanet.plot.Overlay;
import gradwerk.ddanet.train.Evaluator;
import gradwerk.ddanet.train.ModelFactory;
import gradwerk.ddanet.train.RunCheckpoint;
import gradwerk.nn.Module;
import gradwerk.tensor.Device;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

/**
 * {@code ./gradwerk attention}: for one pixel of a slice, where DDANet's deformable criss-cross block sampled
 * (arrows from the criss-cross base positions to the offset positions) and with what attention weight, in the
 * last attention loop, drawn over the slice.
 */
@Command(name = "attention", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Draw where DDANet's deformable criss-cross attention samples for one pixel (offset arrows)",
                "and its attention weights, over the slice; prints the strongest slots."})
final class AttentionCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "FILE", description = "a ddanet checkpoint")
    Path checkpoint;

    @Option(names = "--image", required = true, paramLabel = "PNG", description = "gray CT slice, windowed to 0..255")
    Path image;

    @Option(names = "--pixel", paramLabel = "ROW,COL", split = ",",
            description = "the query pixel in image coordinates (default: the centre)")
    int[] pixel;

    @Option(names = "--out", required = true, paramLabel = "PNG")
    Path out;

    @Option(names = "--prediction-out", paramLabel = "PNG", description = "also write the prediction overlay")
    Path predictionOut;

    @Option(names = "--device", paramLabel = "cpu|opencl[:N]", description = "default: cpu")
    String device = "cpu";

    @Override
    public Integer call() {
        Device dev = Device.get(device);
        RunCheckpoint.Loaded l = RunCheckpoint.read(checkpoint);
        if (!l.config().model().equals("ddanet"))
            throw new IllegalArgumentException(checkpoint + " holds a '" + l.config().model()
                    + "' model; only ddanet has a deformable attention block to draw");
        GrayPng.Samples img = GrayPng.read(image, GrayPng.Mode.LUMINANCE);
        int h = img.height(), w = img.width();
        int row = pixel == null ? h / 2 : pixel[0], col = pixel == null ? w / 2 : pixel.length > 1 ? pixel[1] : -1;
        if (pixel != null && pixel.length != 2)
            throw new IllegalArgumentException("--pixel wants ROW,COL, got " + Arrays.toString(pixel));
        if (row < 0 || row >= h || col < 0 || col >= w)
            throw new IllegalArgumentException("--pixel " + row + "," + col + " is outside the " + h + "x" + w + " image " + image);
        String id = image.getFileName().toString().replaceFirst("\\.png$", "");
        CtSlice s = new CtSlice(id, h, w, img.toUnitRange(), new byte[h * w]);
        Module model = RunCheckpoint.model(l, ModelFactory.MODELS, dev);
        if (!(model instanceof DDANet dda))
            throw new IllegalStateException("model '" + l.config().model() + "' is not a DDANet");
        int size = l.config().size();
        Evaluator ev = new Evaluator(model, dev, l.standardizer(), size, 1);
        byte[] predicted = ev.predict(s); // one forward pass; the block remembers what it looked at
        int rowS = (int) ((long) row * size / h), colS = (int) ((long) col * size / w);
        AttentionTrace t;
        try (var _ = NoGrad.enter()) {
            t = dda.attentionTrace(0, rowS, colS);
        }
        // model-input coordinates (S×S) to image coordinates (pixel centres at integers)
        double sy = (double) h / size, sx = (double) w / size;
        int n = t.slots();
        double[] bx = new double[n], by = new double[n], px = new double[n], py = new double[n];
        for (int i = 0; i < n; i++) {
            bx[i] = (t.baseX()[i] + 0.5) * sx - 0.5;
            by[i] = (t.baseY()[i] + 0.5) * sy - 0.5;
            px[i] = (t.sampleX()[i] + 0.5) * sx - 0.5;
            py[i] = (t.sampleY()[i] + 0.5) * sy - 0.5;
        }
        String title = String.format(Locale.ROOT, "%s  pixel (row %d, col %d)  loop %d of %d  %d slots", id, row, col,
                t.loop(), l.config().modelConfig().attentionLoops(), n);
        Overlay.write(out, AttentionMap.render(h, w, s.image(), row, col, bx, by, px, py, t.weights(), title));
        if (predictionOut != null) Overlay.write(predictionOut, h, w, s.image(), predicted, null, id);
        System.out.printf(Locale.ROOT, "%s: pixel (row %d, col %d) -> bottleneck pixel (row %d, col %d) of %dx%d;"
                + " strongest of %d slots (image coordinates x=col, y=row):%n", image, row, col, t.row(), t.col(),
                t.height() / 16, t.width() / 16, n);
        int[] top = IntStream.range(0, n).boxed().sorted(Comparator.comparingDouble(i -> -t.weights()[i]))
                .limit(5).mapToInt(Integer::intValue).toArray();
        for (int i : top)
            System.out.printf(Locale.ROOT, "  slot %2d  weight %.4f  base (%.1f, %.1f) -> sampled (%.1f, %.1f), offset %.1f px%n",
                    i, t.weights()[i], bx[i], by[i], px[i], py[i], Math.hypot(px[i] - bx[i], py[i] - by[i]));
        System.out.println("wrote " + out);
        return 0;
    }
}

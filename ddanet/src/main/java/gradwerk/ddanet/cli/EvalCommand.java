package gradwerk.ddanet.cli;

import gradwerk.ddanet.data.CtSlice;
import gradwerk.ddanet.train.CtData;
import gradwerk.ddanet.train.EvalResult;
import gradwerk.ddanet.train.Evaluator;
import gradwerk.ddanet.train.ModelFactory;
import gradwerk.ddanet.train.RunCheckpoint;
import gradwerk.ddanet.train.TrainConfig;
import gradwerk.nn.Module;
import gradwerk.tensor.Device;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ./gradwerk eval}: the evaluation protocol (logits up-sampled bilinearly to the native 512×512 before the
 * argmax; global Dice per class over all pixels of the split; mean per-slice Dice) on one split, printed and
 * written as JSON.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a checkpoint: GGO and consolidation Dice (global over all pixels, and mean per slice)",
                "at the data's native resolution (logits up-sampled bilinearly before the argmax); writes JSON."})
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "FILE", description = "e.g. runs/x/best.safetensors")
    Path checkpoint;

    @Option(names = "--data", paramLabel = "synthetic|PATH",
            description = "data folder or 'synthetic' (default: what the checkpoint was trained on)")
    String data;

    @Option(names = "--split", paramLabel = "SPLIT", description = "train, val or test (default: test)")
    String split = "test";

    @Option(names = "--device", paramLabel = "cpu|opencl[:N]", description = "default: cpu")
    String device = "cpu";

    @Option(names = "--batch", paramLabel = "B", description = "slices per forward pass (default: 4)")
    int batch = 4;

    @Option(names = "--out", paramLabel = "FILE", description = "JSON output (default: eval-<split>.json next to the checkpoint)")
    Path out;

    @Override
    public Integer call() {
        if (!CtData.SPLITS.contains(split))
            throw new IllegalArgumentException("--split '" + split + "': choose one of " + CtData.SPLITS);
        Device dev = Device.get(device);
        RunCheckpoint.Loaded l = RunCheckpoint.read(checkpoint);
        TrainConfig c = l.config();
        CtData source;
        String dataName;
        if (data == null || TrainConfig.isSynthetic(data)) {
            if (!c.syntheticData() && data == null) {
                source = CtData.folder(c.data());
                dataName = c.data();
            } else if (c.syntheticData()) {
                source = CtData.of(c);
                dataName = TrainConfig.SYNTHETIC;
            } else {
                throw new IllegalArgumentException(checkpoint + " was trained on " + c.data()
                        + ", which has no synthetic test split; pass --data PATH");
            }
        } else {
            source = CtData.folder(data);
            dataName = data;
        }
        Module model = RunCheckpoint.model(l, ModelFactory.MODELS, dev);
        List<CtSlice> slices = source.load(split);
        long t0 = System.nanoTime();
        EvalResult r = new Evaluator(model, dev, l.standardizer(), c.size(), batch).evaluate(split, slices, false);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("checkpoint", checkpoint.toString());
        header.put("checkpoint_epoch", l.epoch());
        header.put("model", c.model());
        header.put("base_channels", c.baseChannels());
        header.put("data", dataName);
        header.put("input_size", c.size());
        header.put("eval_size", slices.getFirst().height() + "x" + slices.getFirst().width());
        header.put("protocol", "logits up-sampled bilinearly (align_corners=false) to the native size, argmax;"
                + " dice_global: one TP/FP/FN count over all pixels of the split; dice_per_slice_mean: mean over"
                + " slices of each slice's Dice (a class absent from both mask and prediction scores 1)");
        header.put("device", dev.name());
        header.put("seconds", Math.round(seconds * 1000) / 1000.0);
        Path json = out != null ? out : checkpoint.toAbsolutePath().resolveSibling("eval-" + split + ".json");
        try {
            if (json.toAbsolutePath().getParent() != null) Files.createDirectories(json.toAbsolutePath().getParent());
            Files.writeString(json, r.toJson(header), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(json + ": cannot write (" + e.getMessage() + ")", e);
        }
        System.out.printf(Locale.ROOT, "%s on %s split '%s' (%d slices, %s):%n", c.model(), dataName, split,
                r.slices(), header.get("eval_size"));
        System.out.printf(Locale.ROOT, "  GGO Dice            %.4f (global)   %.4f (mean per slice)%n",
                r.dice(CtSlice.GGO), r.perSliceDice()[CtSlice.GGO]);
        System.out.printf(Locale.ROOT, "  consolidation Dice  %.4f (global)   %.4f (mean per slice)%n",
                r.dice(CtSlice.CONSOLIDATION), r.perSliceDice()[CtSlice.CONSOLIDATION]);
        System.out.printf(Locale.ROOT, "  mean                %.4f (global)   %.4f (mean per slice)%n",
                r.meanDice(), r.meanPerSliceDice());
        System.out.println("wrote " + json);
        return 0;
    }
}

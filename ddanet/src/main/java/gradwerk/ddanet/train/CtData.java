package gradwerk.ddanet.train;

import gradwerk.ddanet.data.CtSlice;
import gradwerk.ddanet.data.MedSegFolder;
import gradwerk.ddanet.data.Resize;
import gradwerk.ddanet.data.SyntheticCt;
import gradwerk.nn.data.Dataset;
import gradwerk.nn.data.Sample;
import gradwerk.tensor.Tensor;

import java.io.FileNotFoundException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the slices of a run come from, split by split, at their <em>native</em> resolution (512×512 for
 * MedSeg-100; {@link TrainConfig.Synthetic#nativeSize} for the phantom): {@code train}, {@code val}, {@code test}.
 * {@link #atSize} brings slices to the training size S (area down-sampling for images, nearest for masks, see
 * {@link Resize#slice}) and {@link #dataset} turns them into samples: an image [1,S,S] in [0,1] and a label map
 * [S,S] (standardisation happens after augmentation, see {@link Standardizer}).
 */
public sealed interface CtData {
    /** The splits every source provides. */
    List<String> SPLITS = List.of("train", "val", "test");

    /** The slices of a split at native resolution. */
    List<CtSlice> load(String split);

    /** One line for logs. */
    String describe();

    /** Opens the data of a run: the phantom for {@code synthetic}, else the folder. */
    static CtData of(TrainConfig c) {
        return c.syntheticData() ? new Synthetic(c.synthetic()) : folder(c.data());
    }

    /** A MedSeg-100 style folder; a missing folder or a broken table is a one-line error naming the file. */
    static CtData folder(String path) {
        Path root = Path.of(path);
        if (!Files.isDirectory(root))
            throw new UncheckedIOException(new FileNotFoundException(root + ": no such data folder (give a MedSeg-100"
                    + " style folder with split.csv, images/, masks/, or 'synthetic')"));
        return new Folder(MedSegFolder.open(root));
    }

    private static void checkSplit(String split) {
        if (!SPLITS.contains(split))
            throw new IllegalArgumentException("unknown split '" + split + "'; choose one of " + SPLITS);
    }

    /** The seeded phantom: train, val and test are consecutive index ranges of one {@link SyntheticCt}. */
    record Synthetic(TrainConfig.Synthetic spec) implements CtData {
        @Override
        public List<CtSlice> load(String split) {
            checkSplit(split);
            SyntheticCt ct = new SyntheticCt(spec.seed());
            return switch (split) {
                case "train" -> ct.generate(0, spec.train(), spec.nativeSize());
                case "val" -> ct.generate(spec.train(), spec.val(), spec.nativeSize());
                default -> ct.generate(spec.train() + spec.val(), spec.test(), spec.nativeSize());
            };
        }

        @Override
        public String describe() {
            return "synthetic CT phantom (seed " + spec.seed() + ", " + spec.train() + " train / " + spec.val()
                    + " val / " + spec.test() + " test slices at " + spec.nativeSize() + "x" + spec.nativeSize() + ")";
        }
    }

    /** A MedSeg-100 folder. */
    record Folder(MedSegFolder folder) implements CtData {
        @Override
        public List<CtSlice> load(String split) {
            checkSplit(split);
            List<CtSlice> slices = folder.loadSet(split);
            if (slices.isEmpty())
                throw new IllegalArgumentException(folder.root().resolve("split.csv") + ": the " + split + " set is empty");
            return slices;
        }

        @Override
        public String describe() {
            return folder.root() + " (" + folder.slices("train").size() + " train / " + folder.slices("val").size()
                    + " val / " + folder.slices("test").size() + " test slices)";
        }
    }

    /** The slices resized to {@code size × size} (unchanged if already that size). */
    static List<CtSlice> atSize(List<CtSlice> slices, int size) {
        return slices.stream().map(s -> s.height() == size && s.width() == size ? s : Resize.slice(s, size, size)).toList();
    }

    /** Samples: image [1,H,W] in [0,1] and label map [H,W] (class numbers as floats). */
    static Dataset<Sample> dataset(List<CtSlice> slices) {
        return Dataset.of(slices).map(CtData::sample);
    }

    static Sample sample(CtSlice s) {
        return new Sample(Tensor.of(s.image(), 1, s.height(), s.width()), labels(s));
    }

    /** The label map as a float tensor [H,W]. */
    static Tensor labels(CtSlice s) {
        float[] l = new float[s.labels().length];
        for (int i = 0; i < l.length; i++) l[i] = s.labels()[i];
        return Tensor.of(l, s.height(), s.width());
    }
}

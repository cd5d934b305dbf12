package gradwerk.ddanet.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A folder of 2-D CT slices in the MedSeg-100 layout:
 * <pre>
 *   split.csv          slice,set,ggo_px,consolidation_px   (one row per slice)
 *   images/NNNN.png    8-bit gray CT slice, already windowed to 0..255
 *   masks/NNNN.png     8-bit gray label map: 0 background, 1 GGO, 2 consolidation, 3 "other" (read as 0)
 * </pre>
 * Sets are {@code train}, {@code val}, {@code test} and {@code excluded}; slices of the {@code excluded} set need
 * not have a mask. {@link #open} checks the whole table and that every listed file exists, so a broken folder
 * fails at once with the file and line at fault; {@link #load} then reads one slice.
 *
 * <p>Errors: a malformed table or file content is an {@link IllegalArgumentException}, a missing or unreadable
 * file an {@link UncheckedIOException}; both messages start with the path of the file at fault.
 */
public final class MedSegFolder {
    /** The header {@code split.csv} must start with. */
    public static final String HEADER = "slice,set,ggo_px,consolidation_px";
    /** The sets a row may name, in the order {@link #sets()} lists them. */
    public static final List<String> SETS = List.of("train", "val", "test", "excluded");
    /** Mask value 3 ("lesion without a multi-class label", where pleural effusion lies) is read as background. */
    public static final int IGNORED_MASK_VALUE = 3;

    /** One row of {@code split.csv}: the slice id, its set, and the expected lesion pixel counts. */
    public record Row(String slice, String set, long ggoPixels, long consolidationPixels, int line) {}

    private final Path root;
    private final Map<String, Row> rows; // in file order
    private final Map<String, List<String>> bySet;

    private MedSegFolder(Path root, Map<String, Row> rows) {
        this.root = root;
        this.rows = Collections.unmodifiableMap(rows);
        Map<String, List<String>> sets = new LinkedHashMap<>();
        for (String s : SETS) sets.put(s, new ArrayList<>());
        for (Row r : rows.values()) sets.get(r.set()).add(r.slice());
        sets.replaceAll((k, v) -> List.copyOf(v));
        this.bySet = Collections.unmodifiableMap(sets);
    }

    /** Opens {@code root}: parses {@code split.csv} and checks that every listed image (and mask) exists. */
    public static MedSegFolder open(Path root) {
        Path csv = root.resolve("split.csv");
        List<String> lines;
        try {
            lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(csv + ": cannot read the split table (" + e + ")", e);
        }
        Map<String, Row> rows = parse(csv, lines);
        for (Row r : rows.values()) {
            requireFile(csv, r, imagePath(root, r.slice()));
            if (!r.set().equals("excluded")) requireFile(csv, r, maskPath(root, r.slice()));
        }
        return new MedSegFolder(root, rows);
    }

    /** Parses the lines of a split table; {@code csv} only names the file in error messages. */
    static Map<String, Row> parse(Path csv, List<String> lines) {
        if (lines.isEmpty()) throw new IllegalArgumentException(csv + ": empty file, expected header " + HEADER);
        String header = lines.getFirst().replace("\uFEFF", "").strip(); // tolerate a byte-order mark
        if (!header.equals(HEADER)) {
            throw new IllegalArgumentException(csv + ":1: header is '" + header + "', expected '" + HEADER + "'");
        }
        Map<String, Row> rows = new LinkedHashMap<>();
        for (int i = 1; i < lines.size(); i++) {
            int line = i + 1; // 1-based, as editors count
            String text = lines.get(i).strip();
            if (text.isEmpty()) continue;
            String where = csv + ":" + line + ": ";
            String[] f = text.split(",", -1);
            if (f.length != 4) {
                throw new IllegalArgumentException(where + "expected 4 comma-separated fields, found " + f.length
                        + " in '" + text + "'");
            }
            String slice = f[0].strip(), set = f[1].strip();
            if (slice.isEmpty() || !slice.matches("[A-Za-z0-9_.-]+") || slice.startsWith(".")) {
                throw new IllegalArgumentException(where + "slice id '" + slice + "' is not a plain file name stem");
            }
            if (!SETS.contains(set)) {
                throw new IllegalArgumentException(where + "unknown set '" + set + "' for slice " + slice
                        + "; known sets are " + SETS);
            }
            Row row = new Row(slice, set, count(where, "ggo_px", f[2]), count(where, "consolidation_px", f[3]), line);
            Row before = rows.putIfAbsent(slice, row);
            if (before != null) {
                throw new IllegalArgumentException(where + "duplicate slice " + slice + " (first listed on line "
                        + before.line() + ")");
            }
        }
        return rows;
    }

    private static long count(String where, String column, String text) {
        try {
            long v = Long.parseLong(text.strip());
            if (v >= 0) return v;
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException(where + column + " '" + text.strip() + "' is not a non-negative integer");
    }

    private static void requireFile(Path csv, Row r, Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UncheckedIOException(new java.io.FileNotFoundException(file + ": missing (slice " + r.slice()
                    + " of set " + r.set() + ", listed at " + csv + ":" + r.line() + ")"));
        }
    }

    private static Path imagePath(Path root, String slice) {
        return root.resolve("images").resolve(slice + ".png");
    }

    private static Path maskPath(Path root, String slice) {
        return root.resolve("masks").resolve(slice + ".png");
    }

    /** The folder this was opened on. */
    public Path root() {
        return root;
    }

    /** The set names, in the fixed order of {@link #SETS}. */
    public Set<String> sets() {
        return bySet.keySet();
    }

    /** The slice ids of {@code set}, in table order; an unknown set name is an error, an empty set is not. */
    public List<String> slices(String set) {
        List<String> ids = bySet.get(set);
        if (ids == null) throw new IllegalArgumentException("unknown set '" + set + "'; known sets are " + SETS);
        return ids;
    }

    /** Every row of the table, in file order. */
    public List<Row> rows() {
        return List.copyOf(rows.values());
    }

    /** The table row of slice {@code id}. */
    public Row row(String id) {
        Row r = rows.get(id);
        if (r == null) throw new IllegalArgumentException(root.resolve("split.csv") + ": no slice '" + id + "'");
        return r;
    }

    /** Loads all slices of {@code set}, in table order. */
    public List<CtSlice> loadSet(String set) {
        return slices(set).stream().map(this::load).toList();
    }

    /**
     * Loads slice {@code id}: the image scaled to {@code [0, 1]} (colour converted by luminance) and the mask with
     * value 3 mapped to background. Errors name the files: a mask value above 3 (with its position), a mask whose
     * size differs from the image's, a missing mask.
     */
    public CtSlice load(String id) {
        Row r = row(id);
        Path imageFile = imagePath(root, id), maskFile = maskPath(root, id);
        if (!Files.isRegularFile(maskFile)) {
            throw new UncheckedIOException(new java.io.FileNotFoundException(maskFile + ": missing; slice " + id
                    + " (set " + r.set() + ") has no label"));
        }
        GrayPng.Samples image = GrayPng.read(imageFile, GrayPng.Mode.LUMINANCE);
        GrayPng.Samples mask = GrayPng.read(maskFile, GrayPng.Mode.EXACT);
        if (image.height() != mask.height() || image.width() != mask.width()) {
            throw new IllegalArgumentException("size mismatch: image " + imageFile + " is " + image.height() + "x"
                    + image.width() + " (HxW) but mask " + maskFile + " is " + mask.height() + "x" + mask.width());
        }
        return new CtSlice(id, image.height(), image.width(), image.toUnitRange(), toLabels(mask));
    }

    /** Mask samples to classes: 0, 1, 2 stay, 3 becomes background, anything else is an error. */
    static byte[] toLabels(GrayPng.Samples mask) {
        int[] v = mask.values();
        byte[] labels = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            int x = v[i];
            if (x > IGNORED_MASK_VALUE) {
                throw new IllegalArgumentException(mask.file() + ": mask value " + x + " at (row " + i / mask.width()
                        + ", col " + i % mask.width() + ") is not a class (expected 0 background, 1 GGO, "
                        + "2 consolidation, 3 ignored)");
            }
            labels[i] = (byte) (x == IGNORED_MASK_VALUE ? CtSlice.BACKGROUND : x);
        }
        return labels;
    }
}

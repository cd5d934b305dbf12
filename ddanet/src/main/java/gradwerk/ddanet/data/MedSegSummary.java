package gradwerk.ddanet.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Prints a summary of a MedSeg-layout folder and checks it against its own {@code split.csv}: per set, the
 * number of slices, the intensity mean/std, the class pixel fractions, and whether every slice's GGO and
 * consolidation pixel counts equal the table's. Exits with status 1 on a mismatch.
 *
 * <pre>java -cp ddanet/target/classes gradwerk.ddanet.data.MedSegSummary ../shared/data/medseg100</pre>
 */
public final class MedSegSummary {
    private MedSegSummary() {}

    public static void main(String[] args) {
        Path root = Path.of(args.length > 0 ? args[0] : "../shared/data/medseg100");
        MedSegFolder folder = MedSegFolder.open(root);
        int mismatches = 0;
        System.out.println("folder " + root.toAbsolutePath().normalize());
        for (String set : List.of("train", "val", "test")) {
            List<CtSlice> slices = folder.loadSet(set);
            for (CtSlice s : slices) {
                MedSegFolder.Row row = folder.row(s.id());
                if (s.count(CtSlice.GGO) != row.ggoPixels() || s.count(CtSlice.CONSOLIDATION) != row.consolidationPixels()) {
                    mismatches++;
                    System.out.printf(Locale.ROOT, "  MISMATCH %s: GGO %d (table %d), consolidation %d (table %d)%n",
                            s.id(), s.count(CtSlice.GGO), row.ggoPixels(), s.count(CtSlice.CONSOLIDATION),
                            row.consolidationPixels());
                }
            }
            DatasetStats st = DatasetStats.of(slices);
            long withGgo = slices.stream().filter(s -> s.count(CtSlice.GGO) > 0).count();
            long withCons = slices.stream().filter(s -> s.count(CtSlice.CONSOLIDATION) > 0).count();
            System.out.printf(Locale.ROOT, "%-5s %2d slices  mean %.4f  std %.4f  background %.4f  GGO %.4f"
                            + "  consolidation %.4f  (slices with GGO %d, with consolidation %d)%n",
                    set, slices.size(), st.mean(), st.std(), st.classFraction(0), st.classFraction(1),
                    st.classFraction(2), withGgo, withCons);
        }
        System.out.println(mismatches == 0 ? "all pixel counts match split.csv" : mismatches + " slices do not match");
        if (mismatches > 0) System.exit(1);
    }
}

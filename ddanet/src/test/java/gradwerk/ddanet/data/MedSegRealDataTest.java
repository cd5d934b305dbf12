package gradwerk.ddanet.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Checks the real MedSeg-100 folder, when present, against its own {@code split.csv}: set sizes, and for every
 * labelled slice the GGO and consolidation pixel counts. Skipped where the data is not there (it is never part
 * of the repository). Location: system property {@code gradwerk.medseg100}, else {@code ../shared/data/medseg100}
 * relative to the repository root (Surefire runs in the module folder, so {@code ../../shared/...} from here).
 */
class MedSegRealDataTest {
    static Path location() {
        String p = System.getProperty("gradwerk.medseg100");
        if (p != null) return Path.of(p);
        for (Path candidate : new Path[] {Path.of("../shared/data/medseg100"), Path.of("../../shared/data/medseg100")}) {
            if (Files.isDirectory(candidate)) return candidate;
        }
        return Path.of("../../shared/data/medseg100");
    }

    @Test
    void pixelCountsMatchSplitTable() {
        Path root = location();
        assumeTrue(Files.isRegularFile(root.resolve("split.csv")), "MedSeg-100 data not found at " + root.toAbsolutePath());
        MedSegFolder f = MedSegFolder.open(root);
        assertEquals(45, f.slices("train").size());
        assertEquals(5, f.slices("val").size());
        assertEquals(48, f.slices("test").size());
        assertEquals(2, f.slices("excluded").size());
        for (String set : new String[] {"train", "val", "test"}) {
            for (String id : f.slices(set)) {
                CtSlice s = f.load(id);
                assertEquals(512, s.height(), id);
                assertEquals(512, s.width(), id);
                assertEquals(f.row(id).ggoPixels(), s.count(CtSlice.GGO), "GGO pixels of " + id);
                assertEquals(f.row(id).consolidationPixels(), s.count(CtSlice.CONSOLIDATION), "consolidation of " + id);
            }
        }
    }
}

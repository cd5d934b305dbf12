package gradwerk.tensor.cpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Caches}: the L2 size from a sysfs-like directory, the property, the fallback; the block budgets. */
class CachesTest {

    private static void entry(Path dir, String name, String level, String type, String size) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        Files.writeString(d.resolve("level"), level + "\n");
        Files.writeString(d.resolve("type"), type + "\n");
        Files.writeString(d.resolve("size"), size + "\n");
    }

    @Test
    void readsTheUnifiedLevel2Entry(@TempDir Path sys) throws IOException {
        entry(sys, "index0", "1", "Data", "48K");
        entry(sys, "index1", "1", "Instruction", "32K");
        entry(sys, "index2", "2", "Unified", "2048K");
        entry(sys, "index3", "3", "Unified", "266240K");
        assertEquals(2048L << 10, Caches.l2(null, sys));
    }

    @Test
    void thePropertyWinsAndABadOneIsNamed(@TempDir Path sys) throws IOException {
        entry(sys, "index2", "2", "Unified", "2048K");
        assertEquals(1L << 20, Caches.l2("1M", sys));
        assertEquals(300_000L, Caches.l2("300000", sys));
        var e = assertThrows(IllegalArgumentException.class, () -> Caches.l2("lots", sys));
        assertTrue(e.getMessage().contains("gradwerk.cache.l2") && e.getMessage().contains("lots"), e.getMessage());
    }

    @Test
    void withoutAnL2EntryTheDefault(@TempDir Path sys) throws IOException {
        assertEquals(Caches.DEFAULT_L2, Caches.l2(null, sys.resolve("missing")));
        entry(sys, "index0", "1", "Data", "32K");
        entry(sys, "index2", "2", "Unified", "garbled");
        assertEquals(Caches.DEFAULT_L2, Caches.l2(null, sys));
    }

    @Test
    void parsesSizes() {
        assertEquals(512L << 10, Caches.parseSize(" 512k "));
        assertEquals(2L << 20, Caches.parseSize("2M"));
        assertEquals(-1, Caches.parseSize("2G"));
        assertEquals(-1, Caches.parseSize(null));
    }

    /** On the 512 KB L2 where they were measured the budgets are the original 64 K and 48 K floats. */
    @Test
    void budgetsScaleWithTheL2() {
        assertEquals(64 << 10, Winograd.productBudget(512 << 10));
        assertEquals(48 << 10, Winograd.inputBudget(512 << 10));
        assertEquals(256 << 10, Winograd.productBudget(2 << 20));
        assertEquals(192 << 10, Winograd.inputBudget(2 << 20));
    }
}

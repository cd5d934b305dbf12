package gradwerk.tensor.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The size of the per-core L2 cache, which sizes the Winograd convolutions' blocks ({@link Winograd},
 * {@link Winograd2x2}): read once from Linux's {@code /sys/devices/system/cpu/cpu0/cache} (the unified level-2
 * entry), overridden by the property {@code gradwerk.cache.l2} (e.g. {@code 2M}, {@code 512K}, or bytes), and
 * {@link #DEFAULT_L2} where neither says. The budgets were first measured on a Zen 3 (512 KB of L2); on a Xeon with
 * 2 MB, blocks four times larger made five U-Net layers 1.03-1.05× faster forward and backward together, and the
 * forward alone up to 1.16× (BENCHMARKS.md, 2026-11-28).
 */
final class Caches {
    /** The Zen 3's L2, on which the block budgets were first measured. */
    static final long DEFAULT_L2 = 512 << 10;
    private static final Path SYS = Path.of("/sys/devices/system/cpu/cpu0/cache");

    /** Bytes of L2 per core. */
    static final long L2 = l2(System.getProperty("gradwerk.cache.l2"), SYS);

    private Caches() {}

    /** The property's value if set, else what sysDir says, else {@link #DEFAULT_L2}. */
    static long l2(String property, Path sysDir) {
        if (property != null) {
            long bytes = parseSize(property);
            if (bytes <= 0) throw new IllegalArgumentException("gradwerk.cache.l2: expected a size such as 2M, 512K "
                    + "or a number of bytes, got '" + property + "'");
            return bytes;
        }
        try (var entries = Files.list(sysDir)) {
            return entries.filter(d -> d.getFileName().toString().startsWith("index"))
                    .filter(d -> "2".equals(read(d.resolve("level"))) && !"Instruction".equals(read(d.resolve("type"))))
                    .mapToLong(d -> parseSize(read(d.resolve("size"))))
                    .filter(b -> b > 0).findFirst().orElse(DEFAULT_L2);
        } catch (IOException | RuntimeException e) {
            return DEFAULT_L2;
        }
    }

    /** "2048K", "2M", "524288" → bytes; -1 if it is none of these. */
    static long parseSize(String s) {
        if (s == null) return -1;
        String t = s.trim().toUpperCase(Locale.ROOT);
        long unit = 1;
        if (t.endsWith("K")) unit = 1 << 10;
        else if (t.endsWith("M")) unit = 1 << 20;
        if (unit > 1) t = t.substring(0, t.length() - 1);
        try {
            return Long.parseLong(t) * unit;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p).trim();
        } catch (IOException e) {
            return "";
        }
    }
}

package gradwerk.ddanet.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input to train / eval / predict: exit code 2 and one line naming what is wrong. */
class CliErrorsTest {
    @TempDir
    Path dir;

    private static void assertOneLine(Cli r, String... fragments) {
        assertEquals(2, r.code(), r.err());
        String line = r.errorLine();
        for (String f : fragments) assertTrue(line.contains(f), "'" + f + "' not in: " + line);
    }

    @Test
    void missingDataFolder() {
        Path missing = dir.resolve("no-such-folder");
        assertOneLine(Cli.run("train", "--data", missing.toString(), "--out", dir.resolve("run").toString()),
                "gradwerk train:", missing.toString(), "no such data folder");
    }

    @Test
    void malformedSplitTable() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("split.csv"), "slice,set,ggo_px,consolidation_px\n0001,train,12\n");
        assertOneLine(Cli.run("train", "--model", "unet", "--data", data.toString(), "--out", dir.resolve("run").toString()),
                data.resolve("split.csv") + ":2:");
    }

    @Test
    void missingImageListedInTheTable() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("split.csv"), "slice,set,ggo_px,consolidation_px\n0001,train,1,2\n");
        assertOneLine(Cli.run("train", "--model", "unet", "--data", data.toString(), "--out", dir.resolve("run").toString()),
                data.resolve("images").resolve("0001.png").toString(), "missing");
    }

    @Test
    void badOptions() {
        assertOneLine(Cli.run("train", "--size", "40", "--out", dir.resolve("r").toString()), "--size 40", "multiple of 16");
        assertOneLine(Cli.run("train", "--model", "resnet", "--out", dir.resolve("r").toString()), "unknown model 'resnet'");
        assertOneLine(Cli.run("train", "--device", "tpu", "--out", dir.resolve("r").toString()), "tpu");
        assertOneLine(Cli.run("train", "--resume", "--out", dir.resolve("empty").toString()), "nothing to resume");
    }

    @Test
    void missingOrCorruptCheckpoint() throws Exception {
        Path missing = dir.resolve("nope.safetensors");
        assertOneLine(Cli.run("eval", "--checkpoint", missing.toString()), "gradwerk eval:", missing.toString());
        Path junk = dir.resolve("junk.safetensors");
        Files.write(junk, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        assertOneLine(Cli.run("eval", "--checkpoint", junk.toString()), junk.toString());
        assertOneLine(Cli.run("predict", "--checkpoint", junk.toString(), "--image", junk.toString(), "--out",
                dir.resolve("o.png").toString()), "gradwerk predict:", junk.toString());
    }
}

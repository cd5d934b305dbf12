package gradwerk.tutorials;

import gradwerk.ddanet.data.CtSlice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class Ch10TrainDdanetTest {
    @Test
    void chapterProgramRunsAndItsClaimsHold(@TempDir Path dir) throws Exception {
        var text = new ByteArrayOutputStream();
        var r = Ch10TrainDdanet.run(new PrintStream(text), dir, Ch10TrainDdanet.Settings.quick());

        assertTrue(r.classCounts()[CtSlice.GGO] > 0 && r.classCounts()[CtSlice.CONSOLIDATION] > 0, "the phantom has lesions");
        assertTrue(r.classCounts()[CtSlice.BACKGROUND] > r.classCounts()[CtSlice.GGO] + r.classCounts()[CtSlice.CONSOLIDATION],
                "lesions are the minority");
        assertEquals(0.75, r.dice()[0], 1e-12, "2·3 / (2·3 + 1 + 1)");
        assertEquals(r.dice()[0], r.dice()[1], 1e-12, "hand Dice = ConfusionMatrix.dice");
        assertEquals(3, r.runs().size());
        for (var run : r.runs()) {
            var h = run.history();
            assertEquals(Ch10TrainDdanet.Settings.quick().epochs(), h.size(), run.model());
            assertTrue(h.getLast().trainLoss() < h.getFirst().trainLoss(), run.model() + " learns: " + h.getFirst().trainLoss()
                    + " -> " + h.getLast().trainLoss());
            for (int k = 1; k < 3; k++) {
                double d = run.test().dice(k);
                assertTrue(d >= 0 && d <= 1, run.model() + " Dice " + d);
            }
            assertEquals(4, run.test().slices());
        }
        assertTrue(r.run("ddanet").parameters() > r.run("cca").parameters()
                && r.run("cca").parameters() > r.run("unet").parameters(), "each model adds a block to the previous");
        for (Path p : new Path[] {r.phantomPng(), r.lossPng(), r.overlayPng()}) assertTrue(Files.size(p) > 1000, p + " written");
    }
}

package gradwerk.tutorials;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class Ch05ModulesOptimisersTest {
    @Test
    void chapterProgramRunsAndItsClaimsHold(@TempDir Path dir) throws Exception {
        var text = new ByteArrayOutputStream();
        var r = Ch05ModulesOptimisers.run(new PrintStream(text), dir, 150);
        assertEquals(2 * 32 + 32 + 32 * 32 + 32 + 32 * 3 + 3, r.parameterCount());
        assertTrue(r.modelTree().contains("(fc1): Linear(2→32)"), r.modelTree());

        // Adam's first step is lr·g/(|g| + eps): every weight with a real gradient moves by (almost exactly) lr
        assertTrue(r.adamFirstStepMin() >= 0.0099 && r.adamFirstStepMax() <= 0.01 + 1e-7,
                r.adamFirstStepMin() + " .. " + r.adamFirstStepMax());

        var sgd = r.run("SGD lr 0.1");
        var momentum = r.run("SGD lr 0.1, momentum 0.9");
        var adam = r.run("Adam lr 0.01");
        for (var run : r.runs()) {
            double[] l = run.losses();
            assertEquals(sgd.losses()[0], l[0], 1e-6, "the same initial weights for every optimiser");
            assertTrue(l[l.length - 1] < l[0], run.name() + " reduces the loss");
        }
        assertTrue(last(momentum) < 0.5 * last(sgd), "momentum beats plain SGD: " + last(momentum) + " vs " + last(sgd));
        assertTrue(last(adam) < last(momentum), "Adam is fastest here: " + last(adam) + " vs " + last(momentum));
        assertTrue(adam.accuracy() >= 0.95, "Adam separates the spirals: " + adam.accuracy());
        assertTrue(sgd.accuracy() < 0.9, "plain SGD has not yet: " + sgd.accuracy());
        assertTrue(Files.size(r.plot()) > 1000 && Files.size(r.regions()) > 1000, "PNGs were written");
        assertTrue(text.toString().contains("3. full-batch training on 300 points"), text.toString());
    }

    private static double last(Ch05ModulesOptimisers.Run r) {
        return r.losses()[r.losses().length - 1];
    }
}

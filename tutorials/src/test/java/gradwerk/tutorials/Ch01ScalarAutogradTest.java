package gradwerk.tutorials;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class Ch01ScalarAutogradTest {
    @Test
    void chapterProgramRunsAndItsClaimsHold(@TempDir Path dir) throws Exception {
        var text = new ByteArrayOutputStream();
        var r = Ch01ScalarAutograd.run(new PrintStream(text), dir, 150);
        assertTrue(r.maxGradError() < 1e-8, "backward agrees with finite differences: " + r.maxGradError());
        assertEquals(24.0, r.reusedGrad(), 1e-12, "a node used twice gets both contributions");
        assertEquals(12.0, r.naiveReusedGrad(), 1e-12, "overwriting loses one");
        assertTrue(r.recursionOverflowed(), "the recursive order must overflow on a 200k chain");
        assertTrue(r.finalLoss() < 0.5 * r.firstLoss(), "training reduces the loss: " + r.firstLoss() + " -> " + r.finalLoss());
        assertTrue(r.accuracy() >= 0.85, "accuracy " + r.accuracy());
        assertTrue(Files.size(r.lossPlot()) > 1000, "a PNG was written");
        assertTrue(text.toString().contains("dc/da = 24.0"), text.toString());
    }

    @Test
    void iterativeOrderPutsParentsFirst() {
        Scalar a = new Scalar(2), b = new Scalar(3);
        Scalar c = a.mul(b), d = c.add(a), e = d.mul(c);
        var order = e.topologicalOrder();
        for (int i = 0; i < order.size(); i++)
            for (Scalar p : order.get(i).parents)
                assertTrue(order.indexOf(p) < i, "parent after child in " + order);
        e.backward();
        // e = (ab + a)·ab → de/da = (b + 1)·ab + (ab + a)·b
        assertEquals((3 + 1) * 6 + (6 + 2) * 3, a.grad, 1e-12);
    }
}

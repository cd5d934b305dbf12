package gradwerk.tutorials;

import gradwerk.tensor.opencl.OpenClPlatforms;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Without an OpenCL platform the chapter says so in one line and the test is skipped with the reason, except under
 * {@code CI=true}, where a missing platform fails (as in tensor's {@code OpenClTestSupport}): CI must prove that the
 * chapter really ran on a device (PoCL there).
 */
class Ch09OpenClTest {
    @Test
    void chapterProgramRunsAndItsClaimsHold() {
        var text = new ByteArrayOutputStream();
        var r = Ch09OpenCl.run(new PrintStream(text));
        if (!r.available()) {
            String out = text.toString().strip();
            assertFalse(out.contains("\n"), "no OpenCL: one line, got\n" + out);
            assertEquals(OpenClPlatforms.unavailableReason().orElseThrow(), r.reason());
            if ("true".equalsIgnoreCase(System.getenv("CI")))
                fail("CI=true, so OpenCL must work here, but: " + r.reason());
            Assumptions.abort("no OpenCL: " + r.reason());
        }
        assertEquals(4, r.ops().size());
        for (var op : r.ops()) assertTrue(op.maxError() < 1e-5, op.op() + ": OpenCL vs CPU " + op.maxError());
        assertEquals(2 * 3 * 10 * 12, r.kernelOutputs());
        assertTrue(r.kernelError() < 1e-4, "our kernel vs Sampling.gridSample: " + r.kernelError());
        assertTrue(text.toString().contains("our grid_sample kernel"), text.toString());
    }
}

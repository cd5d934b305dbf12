package gradwerk.tensor.cpu;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Aligned} recognises G1 with the default object layout, and only then skips elements. The test suite runs
 * the CPU kernels under the parallel collector (no skip) and GemmTest a second time under G1, as the launcher does
 * (skip 12 floats), so that the GEMM's offset packed B is checked too; see tensor/pom.xml.
 */
class AlignedTest {
    private static boolean g1() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().anyMatch(gc -> gc.getName().startsWith("G1"));
    }

    @Test
    void skipsToACacheLineUnderG1Only() {
        if (g1()) {
            assertEquals(12, Aligned.FLOAT_SKIP, "G1 with 16-byte array headers: 48 bytes to the next line");
            assertEquals(6, Aligned.DOUBLE_SKIP);
            assertEquals(Aligned.FLOAT_SKIP, GemmF32.B0);
            assertEquals(Aligned.DOUBLE_SKIP, GemmF64.B0);
            var vm = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            long region = Long.parseLong(vm.getVMOption("G1HeapRegionSize").getValue());
            assertTrue(16 + 4L * Aligned.floats(10).length >= region / 2, "a small buffer must still be humongous");
            assertTrue(16 + 8L * Aligned.doubles(10).length >= region / 2);
        } else {
            assertEquals(0, Aligned.FLOAT_SKIP, "alignment is only known under G1");
            assertEquals(0, Aligned.DOUBLE_SKIP);
            assertEquals(10, Aligned.floats(10).length);
            assertEquals(10, Aligned.doubles(10).length);
        }
    }

    @Test
    void fitsCountsTheSkip() {
        float[] f = Aligned.floats(1000);
        assertTrue(f.length >= 1000 + Aligned.FLOAT_SKIP);
        assertTrue(Aligned.fits(f, 1000));
        assertFalse(Aligned.fits(f, f.length - Aligned.FLOAT_SKIP + 1));
        double[] d = Aligned.doubles(1000);
        assertTrue(Aligned.fits(d, d.length - Aligned.DOUBLE_SKIP));
        assertFalse(Aligned.fits(d, d.length - Aligned.DOUBLE_SKIP + 1));
    }
}

package gradwerk.tensor.opencl;

import gradwerk.tensor.BinaryOp;
import static gradwerk.tensor.opencl.OpenClTestSupport.context;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The failures one can provoke: they must be exceptions with useful one-line messages, never crashes. */
class ErrorPathsTest {
    @Test
    void aCompileErrorCarriesTheBuildLog() {
        OpenClContext ctx = context();
        String source = "__kernel void broken(__global float* x) {\n  x[0] = undefined_thing;\n}\n";
        var e = assertThrows(OpenClBuildException.class,
                () -> ctx.buildProgram("broken.cl", source, ctx.baseBuildOptions()));
        assertTrue(e.getMessage().startsWith("building OpenCL program broken.cl with options '"), e.getMessage());
        assertTrue(e.getMessage().contains("CL_BUILD_PROGRAM_FAILURE"), e.getMessage());
        assertTrue(e.getMessage().contains("--- build log ---"), e.getMessage());
        assertTrue(e.buildLog().contains("undefined_thing"), e.buildLog());
        assertEquals(org.jocl.CL.CL_BUILD_PROGRAM_FAILURE, e.errorCode());
    }

    @Test
    void anImpossibleAllocationNamesTheSizes() {
        OpenClContext ctx = context();
        long tooBig = ctx.device().maxAllocBytes() + 1;
        var e = assertThrows(OpenClOutOfMemoryException.class, () -> ctx.allocate(tooBig));
        assertTrue(e.getMessage().contains("(" + tooBig + " bytes)"), e.getMessage());
        assertTrue(e.getMessage().contains(OpenClDevice.bytes(ctx.device().maxAllocBytes())), e.getMessage());
        assertTrue(e.getMessage().contains(OpenClDevice.bytes(ctx.device().globalMemBytes())), e.getMessage());
    }

    @Test
    void misuseIsReportedBeforeReachingTheDriver() {
        OpenClContext ctx = context();
        ClBuffer b = ctx.allocate(64);
        b.close();
        b.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> b.write(new float[4]));
        ClBuffer small = ctx.allocate(16);
        assertThrows(IndexOutOfBoundsException.class, () -> small.read(new float[5]));
        assertThrows(IllegalArgumentException.class, () -> ClView.contiguous(small, ClType.FLOAT, 5));
        ClView f = ClView.allocate(ctx, ClType.FLOAT, 3);
        if (ctx.device().fp64()) {
            ClView d = ClView.allocate(ctx, ClType.DOUBLE, 3);
            var e = assertThrows(IllegalArgumentException.class,
                    () -> ctx.kernels().binary(BinaryOp.ADD, f, d, f));
            assertTrue(e.getMessage().contains("cast first"), e.getMessage());
        }
        var e = assertThrows(IllegalArgumentException.class,
                () -> ctx.kernels().binary(BinaryOp.ADD, f, ClView.allocate(ctx, ClType.FLOAT, 4), f));
        assertTrue(e.getMessage().contains("cannot broadcast"), e.getMessage());
    }

    @Test
    void noPlatformIsAOneLineMessageInAFreshJvm(@TempDir Path emptyVendors) throws Exception {
        context(); // needs the ICD loader, which is what reads OCL_ICD_VENDORS
        Result r = runDevicesCommand(Map.of("OCL_ICD_VENDORS", emptyVendors.toString()));
        assertEquals(1, r.exit, r.output);
        assertTrue(r.output.contains("opencl: no OpenCL platform found"), r.output);
        assertTrue(r.output.contains("apt-get install ocl-icd-opencl-dev pocl-opencl-icd"), r.output);
        assertNoCrash(r);
    }

    @Test
    void anUnloadableOpenClLibraryIsAOneLineMessageInAFreshJvm(@TempDir Path dir) throws Exception {
        context();
        // JOCL dlopens "libOpenCL.so"; a broken file of that name earlier on the library path makes it fail
        // exactly as a missing library does.
        Files.writeString(dir.resolve("libOpenCL.so"), "not a shared library");
        Result r = runDevicesCommand(Map.of("LD_LIBRARY_PATH", dir.toString()));
        assertEquals(1, r.exit, r.output);
        assertTrue(r.output.contains("opencl: OpenCL is not available: the OpenCL library (libOpenCL.so)"), r.output);
        assertTrue(r.output.contains("apt-get install"), r.output);
        assertNoCrash(r);
    }

    private record Result(int exit, String output) {}

    /** Runs {@link OpenClPlatforms#main} (what {@code ./gradwerk devices} prints) in a new JVM. */
    private static Result runDevicesCommand(Map<String, String> env) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                OpenClPlatforms.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM hung");
        return new Result(p.exitValue(), out);
    }

    private static void assertNoCrash(Result r) {
        assertFalse(r.output.contains("Exception in thread"), r.output);
        assertFalse(r.output.contains("\tat "), r.output);
        assertFalse(r.output.contains("hs_err"), r.output);
    }
}

package gradwerk.ddanet.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark commands' output formats, at tiny sizes (timings are never asserted). */
class BenchCommandsTest {
    @Test
    void trainStepPrintsExactlyOneLine() {
        for (String model : new String[] {"unet", "cca", "ddanet"}) {
            Cli r = Cli.run("bench", "train-step", "--model", model, "--batch", "2", "--size", "32", "--base-channels", "4",
                    "--steps", "2", "--warmup", "1");
            assertEquals(0, r.code(), r.err());
            String out = r.out().strip();
            assertTrue(!out.contains("\n"), "expected one line, got:\n" + out);
            assertTrue(out.matches("train-step model=" + model + " batch=2 size=32 seconds=[0-9]+\\.[0-9]{4}"), out);
        }
    }

    @Test
    void trainStepMemoryLine() {
        Cli r = Cli.run("bench", "train-step", "--size", "32", "--base-channels", "2", "--steps", "1", "--warmup", "0",
                "--memory");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(2, lines.length, r.out());
        assertTrue(lines[0].startsWith("train-step model=unet batch=4 size=32 seconds="), lines[0]);
        assertTrue(lines[1].matches("# memory model=unet gradwerk heap_peak_mb=[0-9]+ rss_peak_mb=-?[0-9]+ rss_first_round_mb=-?[0-9]+ arrays_new=[0-9]+ arrays_reused=[0-9]+ pool_in_use_peak_mb=[0-9]+ pool_free_mb=[0-9]+ saved_mb=[0-9]+"), lines[1]);
    }

    @Test
    void trainStepRejectsBadSize() {
        Cli r = Cli.run("bench", "train-step", "--size", "40");
        assertEquals(2, r.code(), r.out());
        assertTrue(r.errorLine().contains("--size 40"), r.err());
    }

    @Test
    void gemmRoundsAlternateAndPrintOneLineEach() {
        Cli r = Cli.run("bench", "gemm", "--n", "64", "--threads", "1", "--reps", "2", "--rounds", "3", "--no-openblas");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(6, lines.length, r.out());
        for (int i = 0; i < 3; i++) {
            assertEquals("# round " + (i + 1) + "/3", lines[2 * i]);
            assertTrue(lines[2 * i + 1].matches("gemm n=64 threads=1 gflops=[0-9]+\\.[0-9]"), lines[2 * i + 1]);
        }
        Cli bad = Cli.run("bench", "gemm", "--rounds", "0", "--no-openblas");
        assertEquals(2, bad.code(), bad.out());
        assertTrue(bad.errorLine().contains("--rounds 0"), bad.err());
    }

    /** The suite passes --rounds to every benchmark that alternates with PyTorch (all but bandwidth). */
    @Test
    void theSuitePassesItsRoundsToEveryComparison() {
        BenchCommand suite = new BenchCommand();
        new picocli.CommandLine(suite).parseArgs("--compare-pytorch", "--rounds", "3", "--models", "unet,cca");
        java.util.List<java.util.List<String>> runs = suite.runs();
        assertEquals(java.util.List.of("gemm", "conv2d", "grid-sample", "attention", "train-step", "train-step"),
                runs.stream().map(r -> r.get(0)).filter(c -> !c.equals("bandwidth")).toList());
        for (java.util.List<String> r : runs) {
            boolean byDefault = r.get(0).equals("gemm") || r.get(0).equals("conv2d"); // compare unless told not to
            assertTrue(byDefault ? !r.contains("--no-openblas") && !r.contains("--no-pytorch")
                    : r.contains("--compare-pytorch"), r.toString());
            if (r.get(0).equals("bandwidth")) continue;
            int at = r.indexOf("--rounds");
            assertTrue(at > 0 && r.get(at + 1).equals("3"), r.toString());
        }
    }

    @Test
    void heapLineSaysWhetherTheHeapIsFixed() {
        String line = BenchTools.heapLine();
        assertTrue(line.matches("# jvm heap: initial [0-9]+ MB, max [0-9]+ MB, (fixed and pre-touched|grows on demand .*)"),
                line);
        // the test JVM is started without -Xms = -Xmx and AlwaysPreTouch (Surefire's argLine)
        assertTrue(line.endsWith("(rounds in which it grows are slower)"), line);
    }

    @Test
    void numberParsesKeyValues() {
        assertEquals(1.25, BenchTools.number("train-step model=unet seconds=1.25 maxrss_bytes=100", "seconds"));
        assertEquals(100, BenchTools.number("train-step model=unet seconds=1.25 maxrss_bytes=100", "maxrss_bytes"));
        assertEquals(3.5, BenchTools.number("attention cca fwd ms=3.5", "ms"));
        assertTrue(Double.isNaN(BenchTools.number("x gradwerk_ms=3.5", "ms")));
    }
}

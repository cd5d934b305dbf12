package gradwerk.ddanet.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code ./gradwerk tutorial N}: runs a tutorial chapter's program. The chapters live in the tutorials module,
 * which sits above this one, so they are looked up by name at run time.
 */
@Command(name = "tutorial", mixinStandardHelpOptions = true, description = "Run tutorial chapter N (see tutorials/).")
final class TutorialCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "N", description = "chapter number")
    int chapter;

    @Option(names = "--out", description = "output folder (default: ${DEFAULT-VALUE})", defaultValue = "out")
    Path out;

    @Override
    public Integer call() throws Exception {
        Class<?> chapters;
        try {
            chapters = Class.forName("gradwerk.tutorials.Chapters");
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("the tutorials module is not on the class path (build it with ./gradwerk)");
        }
        try {
            chapters.getMethod("run", int.class, Path.class).invoke(null, chapter, out);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Exception cause) throw cause;
            throw e;
        }
        return 0;
    }
}

package gradwerk.ddanet.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every command's {@code --help} prints its usage and nothing on standard error. Picocli formats option descriptions
 * with {@code String.format}, so a lone '%' (as in "5-10 %)") makes it print warnings instead of the text.
 */
class CliHelpTest {
    @Test
    void everyCommandsHelpIsClean() {
        List<List<String>> paths = new ArrayList<>();
        collect(new CommandLine(new Main()), new ArrayList<>(), paths);
        assertTrue(paths.size() > 10, "expected the whole command tree, found " + paths);
        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            Cli r = Cli.run(args.toArray(String[]::new));
            String what = "gradwerk " + String.join(" ", args);
            assertEquals(0, r.code(), what + ": " + r.err());
            assertEquals("", r.err(), what + " wrote to standard error");
            assertTrue(r.out().contains("Usage:"), what + " printed no usage:\n" + r.out());
            assertFalse(r.out().contains("%n"), what + " printed an unformatted description:\n" + r.out());
        }
    }

    private static void collect(CommandLine cl, List<String> path, List<List<String>> out) {
        out.add(path);
        cl.getSubcommands().forEach((name, sub) -> {
            if (name.equals("help") || !sub.getCommandName().equals(name)) return;     // skip aliases and 'help'
            List<String> p = new ArrayList<>(path);
            p.add(name);
            collect(sub, p, out);
        });
    }
}

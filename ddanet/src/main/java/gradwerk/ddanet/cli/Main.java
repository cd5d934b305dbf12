package gradwerk.ddanet.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ./gradwerk} command line. Each subcommand is a small class in this package; this one only lists them.
 */
@Command(name = "gradwerk", mixinStandardHelpOptions = true, version = "gradwerk 0.1.0",
        description = "A from-scratch tensor and autograd library, and DDANet trained with it.",
        subcommands = {TrainCommand.class, EvalCommand.class, PredictCommand.class, AttentionCommand.class, DevicesCommand.class, GradCheckCommand.class, BenchCommand.class, TutorialCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code (tests call this instead of main). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parse) -> {
            // a failure while loading a batch arrives wrapped; what matters is the cause
            if (ex instanceof gradwerk.nn.data.DataLoaderException && ex.getCause() instanceof Exception cause) ex = cause;
            // bad input and missing hardware are explained in one line, never a stack trace
            if (ex instanceof IllegalArgumentException || ex instanceof IllegalStateException
                    || ex instanceof java.io.UncheckedIOException || ex instanceof java.io.IOException) {
                String m = String.valueOf(ex.getMessage());
                int nl = m.indexOf('\n');
                cmd.getErr().println("gradwerk " + cmd.getCommandName() + ": " + (nl < 0 ? m : m.substring(0, nl)));
                return 2;
            }
            throw ex;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}

package gradwerk.ddanet.cli;

import gradwerk.autograd.GradCheckAll;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/**
 * {@code ./gradwerk gradcheck}: gradient-checks every registered differentiable op (tensor, nn and ddanet ops
 * alike) in float64 against finite differences; one line per op, last line {@code gradient-checked N/N ops}.
 */
@Command(name = "gradcheck", mixinStandardHelpOptions = true,
        description = "Check every differentiable op's gradient against finite differences (float64).")
final class GradCheckCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return GradCheckAll.run(System.out);
    }
}

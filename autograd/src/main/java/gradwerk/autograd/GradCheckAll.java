package gradwerk.autograd;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Gradient-checks every registered op (see {@link OpRegistry}): each of its check cases at a few fixed seeds,
 * first order, and second order (gradient of the gradient) unless the op opts out. Prints one line per op and a
 * last line {@code gradient-checked N/N ops}. {@code ./gradwerk gradcheck} runs this.
 */
public final class GradCheckAll {
    private GradCheckAll() {}

    /** Seeds per check case: each draws other shapes, values and layouts. */
    public static final int SEEDS = 3;

    public static void main(String[] args) {
        System.exit(run(System.out));
    }

    /** Checks all ops, printing a report; returns 0 when all pass, 1 otherwise. */
    public static int run(PrintStream out) {
        int passed = 0, total = 0;
        for (OpRegistry.Entry op : OpRegistry.all()) {
            total++;
            GradCheck.Result worst = null;
            for (int seed = 0; seed < SEEDS && (worst == null || worst.passed()); seed++) {
                GradCheck.Result r = checkOp(op.name(), seed);
                if (worst == null || !r.passed() || r.maxError() > worst.maxError()) worst = r;
            }
            if (worst.passed()) {
                passed++;
                out.printf(Locale.ROOT, "gradcheck %s ok (max error %.1e; %d cases x %d seeds%s)%n", op.name(),
                        worst.maxError(), op.cases().size(), SEEDS, op.secondOrder() ? ", also second order" : "");
            } else {
                out.println("gradcheck " + op.name() + " FAILED: " + worst.message());
            }
        }
        out.println("gradient-checked " + passed + "/" + total + " ops");
        return passed == total ? 0 : 1;
    }

    /**
     * Runs every case of one op with one seed: the first failure, or a pass with the largest error seen. An
     * exception thrown by the op or its rule counts as a failure and is reported.
     */
    public static GradCheck.Result checkOp(String name, long seed) {
        return checkOp(name, seed, gradwerk.tensor.Device.CPU);
    }

    /**
     * The same with every case's inputs moved to {@code device} before the check (see {@link GradCheck.Problem#to}):
     * gradient checks of the device's kernels, in float64 (on OpenCL: where the device has cl_khr_fp64).
     */
    public static GradCheck.Result checkOp(String name, long seed, gradwerk.tensor.Device device) {
        OpRegistry.Entry op = OpRegistry.get(name);
        GradCheck.Result worst = new GradCheck.Result(name, "", true, 0, "");
        for (int c = 0; c < op.cases().size(); c++) {
            long caseSeed = seed * 1_000_003L + c * 7919L + name.hashCode();
            GradCheck.Problem p = null;
            try {
                p = op.cases().get(c).sample(new Sampler(caseSeed));
                if (!device.isCpu()) p = p.to(device);
                GradCheck.Result r = GradCheck.check(name, p, GradCheck.Mode.AUTO, caseSeed);
                if (r.passed() && op.secondOrder())
                    r = GradCheck.check(name, GradCheck.secondOrder(p, caseSeed), GradCheck.Mode.AUTO, caseSeed);
                if (!r.passed()) return r;
                if (r.maxError() > worst.maxError()) worst = r;
            } catch (RuntimeException e) {
                String label = p == null ? "case " + c : p.label();
                return new GradCheck.Result(name, label, false, Double.NaN, "gradcheck '" + name + "' [" + label
                        + "] threw " + e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
        return worst;
    }
}

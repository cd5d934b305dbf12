package gradwerk.autograd;

import net.jqwik.api.*;


import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The coverage contract: every op in the registry (whoever registered it: this module, nn, ddanet) is
 * gradient-checked, first and second order, through its registered cases at random seeds; every case really
 * exercises its op; and every differentiable tensor op is registered.
 */
class RegisteredOpsProperties {

    /** The differentiable ops this module must provide (the tensor ops with a gradient; see the issue). */
    static final Set<String> EXPECTED = Set.of(
            "neg", "abs", "exp", "log", "sqrt", "rsqrt", "sin", "cos", "tanh", "sigmoid", "relu", "square",
            "reciprocal", "gelu", "leakyRelu", "powScalar", "clamp", "addScalar", "mulScalar",
            "add", "sub", "mul", "div", "pow", "maximum", "minimum", "where",
            "sum", "mean", "max", "min", "var",
            "matmul", "softmax", "logSoftmax", "logSumExp",
            "view", "reshape", "squeeze", "unsqueeze", "contiguous", "permute", "transpose", "expand", "slice",
            "select", "embedSlice", "cat", "stack", "to");

    @Provide
    Arbitrary<String> registeredOps() {
        return Arbitraries.of(OpRegistry.all().stream().map(OpRegistry.Entry::name).toList());
    }

    @Property(tries = 250)
    void everyRegisteredOpPassesItsGradientChecks(@ForAll("registeredOps") String op, @ForAll long seed) {
        GradCheck.Result r = GradCheckAll.checkOp(op, seed);
        assertTrue(r.passed(), r.message());
    }

    @Example
    void everyDifferentiableTensorOpIsRegisteredAndHasCases() {
        Set<String> registered = new TreeSet<>();
        for (OpRegistry.Entry e : OpRegistry.all()) {
            registered.add(e.name());
            assertFalse(e.cases().isEmpty(), e.name());
        }
        Set<String> missing = new TreeSet<>(EXPECTED);
        missing.removeAll(registered);
        assertEquals(Set.of(), missing, "differentiable ops without a registry entry");
    }

    @Example
    void everyCaseRecordsTheOpItChecks() {
        for (OpRegistry.Entry e : OpRegistry.all())
            for (int c = 0; c < e.cases().size(); c++) {
                GradCheck.Problem p = e.cases().get(c).sample(new Sampler(c));
                Variable[] leaves = new Variable[p.inputs().length];
                for (int i = 0; i < leaves.length; i++) leaves[i] = Variable.param(p.inputs()[i]);
                Set<String> ops = opsIn(p.function().apply(leaves));
                assertTrue(ops.contains(e.name()), "case " + c + " of '" + e.name() + "' records only " + ops);
            }
    }

    private static Set<String> opsIn(Variable y) {
        Set<String> ops = new HashSet<>();
        Deque<Node> todo = new ArrayDeque<>();
        if (y.gradFn() != null) todo.push(y.gradFn());
        Set<Node> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            Node n = todo.pop();
            if (!seen.add(n)) continue;
            ops.add(n.op());
            for (int i = 0; i < n.inputCount(); i++) if (n.producer(i) != null) todo.push(n.producer(i));
        }
        return ops;
    }

    @Example
    void gradCheckAllPrintsOneLinePerOpAndTheTotal() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = GradCheckAll.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        int n = OpRegistry.all().size();
        assertEquals(0, status, String.join("\n", lines));
        assertEquals(n + 1, lines.size());
        assertEquals("gradient-checked " + n + "/" + n + " ops", lines.getLast());
        for (String line : lines.subList(0, n)) assertTrue(line.matches("gradcheck \\w+ ok \\(max error .*"), line);
    }
}

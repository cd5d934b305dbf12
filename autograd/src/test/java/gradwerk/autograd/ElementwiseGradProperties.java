package gradwerk.autograd;

import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;
import net.jqwik.api.*;

import java.util.List;
import java.util.Map;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;

import static java.util.Map.entry;

/**
 * Gradient checks of the elementwise ops over jqwik-chosen shapes, values (away from each op's kinks), broadcast
 * pairs and memory layouts. Complements {@link RegisteredOpsProperties}, which runs each op's registered cases.
 */
class ElementwiseGradProperties {

    /** An op, the domain its inputs are drawn from, and its kinks. */
    record Unary(UnaryOperator<Variable> f, double low, double high, double... kinks) {}

    static final Map<String, Unary> UNARY = Map.ofEntries(
            entry("neg", new Unary(Variable::neg, -3, 3)),
            entry("abs", new Unary(Variable::abs, -3, 3, 0)),
            entry("exp", new Unary(Variable::exp, -3, 3)),
            entry("log", new Unary(Variable::log, 0.2, 3)),
            entry("sqrt", new Unary(Variable::sqrt, 0.2, 3)),
            entry("rsqrt", new Unary(Variable::rsqrt, 0.2, 3)),
            entry("sin", new Unary(Variable::sin, -3, 3)),
            entry("cos", new Unary(Variable::cos, -3, 3)),
            entry("tanh", new Unary(Variable::tanh, -3, 3)),
            entry("sigmoid", new Unary(Variable::sigmoid, -3, 3)),
            entry("relu", new Unary(Variable::relu, -3, 3, 0)),
            entry("square", new Unary(Variable::square, -3, 3)),
            entry("reciprocal", new Unary(Variable::reciprocal, -3, 3, 0)),
            entry("gelu", new Unary(Variable::gelu, -3, 3)),
            entry("leakyRelu", new Unary(x -> x.leakyRelu(0.2), -3, 3, 0)),
            entry("clamp", new Unary(x -> x.clamp(-1, 0.5), -3, 3, -1, 0.5)),
            entry("powScalar", new Unary(x -> x.pow(1.7), 0.2, 3)),
            entry("addScalar", new Unary(x -> x.add(2), -3, 3)),
            entry("subScalar", new Unary(x -> x.sub(2), -3, 3)),
            entry("mulScalar", new Unary(x -> x.mul(3), -3, 3)),
            entry("divScalar", new Unary(x -> x.div(4), -3, 3)));

    static final Map<String, BinaryOperator<Variable>> BINARY = Map.of(
            "add", Variable::add, "sub", Variable::sub, "mul", Variable::mul, "div", Variable::div,
            "pow", Variable::pow, "maximum", Variable::maximum, "minimum", Variable::minimum);

    record Case(String name, List<GradGen.Input> inputs) {
        @Override
        public String toString() { return name + " " + inputs.stream().map(i -> Shape.str(i.leaf().shape()) + " " + i.layout()).toList(); }
    }

    @Provide
    Arbitrary<Case> unaryCases() {
        return Combinators.combine(Arbitraries.of(UNARY.keySet()), GradGen.shapes(0, 3, 4), GradGen.layouts())
                .flatAs((name, shape, layout) -> {
                    Unary op = UNARY.get(name);
                    return GradGen.between(shape, op.low(), op.high(), op.kinks())
                            .map(values -> new Case(name, List.of(GradGen.input(layout, values))));
                });
    }

    @Property(tries = 80)
    void unaryOpsPassGradCheck(@ForAll("unaryCases") Case c) {
        GradGen.check(c.name(), c.inputs(), v -> UNARY.get(c.name()).f().apply(v[0]));
    }

    @Provide
    Arbitrary<Case> binaryCases() {
        return Combinators.combine(Arbitraries.of(BINARY.keySet()), GradGen.broadcastPairs(3, 3), GradGen.layouts(), GradGen.layouts())
                .flatAs((name, shapes, la, lb) -> {
                    Arbitrary<Tensor> a = switch (name) {
                        case "pow" -> GradGen.between(shapes[0], 0.3, 2.5);
                        case "maximum", "minimum" -> GradGen.values(shapes[0]).map(t -> t.mul(10).add(0.5));
                        default -> GradGen.values(shapes[0]);
                    };
                    Arbitrary<Tensor> b = switch (name) {
                        case "div" -> GradGen.awayFrom(shapes[1], 0);
                        case "maximum", "minimum" -> GradGen.values(shapes[1]).map(t -> t.mul(10));
                        default -> GradGen.values(shapes[1]);
                    };
                    return Combinators.combine(a, b).as((x, y) -> new Case(name, List.of(GradGen.input(la, x), GradGen.input(lb, y))));
                });
    }

    @Property(tries = 80)
    void binaryOpsPassGradCheckWithBroadcasting(@ForAll("binaryCases") Case c) {
        if (c.name().equals("maximum") || c.name().equals("minimum")) {
            // a and b are spread over [-30, 30] and a is shifted by 0.5; the rare near-ties are skipped
            Tensor a = c.inputs().get(0).leaf(), b = c.inputs().get(1).leaf();
            int[] full = Shape.broadcast("test", a.shape(), b.shape());
            Assume.that(noTies(a.contiguous(), b.contiguous(), full));
        }
        BinaryOperator<Variable> f = BINARY.get(c.name());
        GradGen.check(c.name(), c.inputs(), v -> f.apply(v[0], v[1]));
    }

    private static boolean noTies(Tensor a, Tensor b, int[] full) {
        double[] d = a.expand(full).sub(b.expand(full)).abs().toDoubleArray();
        for (double x : d) if (x < Sampler.MARGIN / 2) return false;
        return true;
    }

    record WhereCase(Tensor cond, Tensor a, Tensor b) {}

    @Provide
    Arbitrary<WhereCase> whereCases() {
        return GradGen.broadcastPairs(3, 3).flatMap(p -> GradGen.broadcastable(Shape.broadcast("where", p[0], p[1]))
                .flatMap(condShape -> Combinators.combine(GradGen.values(condShape), GradGen.values(p[0]), GradGen.values(p[1]))
                        .as((c, a, b) -> new WhereCase(c.gt(c.newZeros()), a, b))));
    }

    @Property(tries = 30)
    void whereRoutesGradientsToBothBranches(@ForAll("whereCases") WhereCase w) {
        GradGen.check("where", List.of(GradGen.input(GradGen.Layout.SLICED, w.a()), GradGen.input(GradGen.Layout.EXPANDED, w.b())),
                v -> Variable.where(w.cond(), v[0], v[1]));
    }
}

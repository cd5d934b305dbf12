package gradwerk.tensor.opencl;

import gradwerk.tensor.BinaryOp;
import gradwerk.tensor.UnaryOp;
import static gradwerk.tensor.opencl.OpenClTestSupport.*;

import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every elementwise kernel against its plain-Java definition ({@link UnaryOp#apply}, {@link BinaryOp#apply}), on
 * contiguous and strided operands, float and double.
 */
class ElementwiseTest {
    /** Odd sizes, so nothing lines up with work-group sizes; rank 3 so that strides really matter. */
    private static final int[] SHAPE = {3, 37, 5};

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void unary(UnaryOp op) {
        OpenClContext ctx = context();
        Random rnd = new Random(op.ordinal());
        boolean positive = switch (op) {
            case LOG, SQRT, RSQRT, RECIPROCAL, POW -> true;
            default -> false;
        };
        boolean kinks = switch (op) { // ops with a kink or jump at 0: test exact zeros too
            case RELU, LEAKY_RELU, STEP, SIGN, ABS -> true;
            default -> false;
        };
        DoubleSupplier gen = positive ? uniform(rnd, 0.1, 4) : kinks ? ties(rnd) : uniform(rnd, -4, 4);
        double p = op == UnaryOp.CLAMP ? -1.25 : op == UnaryOp.POW ? 1.7 : 0.75; // clamp: [p, q]
        double q = op == UnaryOp.CLAMP ? 2.5 : 0;
        for (ClType t : types(ctx))
            for (Kind in : Kind.values())
                for (Kind outKind : new Kind[] {Kind.CONTIGUOUS, Kind.STEPPED}) {
                    Sample x = sample(ctx, t, in, gen, SHAPE);
                    Sample out = output(ctx, t, outKind, SHAPE);
                    ctx.kernels().unary(op, x.view(), out.view(), p, q);
                    double[] xs = x.values(), want = new double[xs.length];
                    for (int i = 0; i < xs.length; i++) want[i] = round(t, op.apply(xs[i], round(t, p), round(t, q)));
                    assertOutput(op + " " + t + " in=" + in + " out=" + outKind, out, want, tolerance(t));
                }
    }

    @ParameterizedTest
    @EnumSource(BinaryOp.class)
    void binary(BinaryOp op) {
        OpenClContext ctx = context();
        Random rnd = new Random(100 + op.ordinal());
        DoubleSupplier genA = switch (op) {
            case POW -> uniform(rnd, 0.1, 3);
            case ADD, SUB, MUL, DIV -> uniform(rnd, -4, 4);
            default -> ties(rnd); // comparisons, max, min: exact ties must be handled too
        };
        DoubleSupplier genB = switch (op) {
            case POW -> uniform(rnd, -2, 2);
            case DIV -> () -> (rnd.nextBoolean() ? 1 : -1) * (0.25 + 3 * rnd.nextDouble());
            case ADD, SUB, MUL -> uniform(rnd, -4, 4);
            default -> ties(rnd);
        };
        // b's shapes: the same, broadcast along the middle, a trailing column, a scalar
        int[][] bShapes = {SHAPE, {3, 1, 5}, {37, 1}, {}};
        for (ClType t : types(ctx))
            for (Kind ka : Kind.values())
                for (int[] bShape : bShapes) {
                    Kind kb = Kind.values()[(ka.ordinal() + bShape.length) % Kind.values().length];
                    Kind ko = ka == Kind.TRANSPOSED ? Kind.STEPPED : Kind.CONTIGUOUS;
                    Sample a = sample(ctx, t, ka, genA, SHAPE);
                    Sample b = sample(ctx, t, kb, genB, bShape);
                    Sample out = output(ctx, t, ko, SHAPE);
                    ctx.kernels().binary(op, a.view(), b.view(), out.view());
                    double[] av = a.values(), bv = b.values(), want = new double[av.length];
                    for (int i = 0; i < av.length; i++)
                        want[i] = round(t, op.apply(av[i], bv[index(bShape, coords(SHAPE, i))]));
                    assertOutput(op + " " + t + " a=" + ka + " b=" + kb + str(bShape) + " out=" + ko, out, want,
                            tolerance(t));
                }
    }

    @Test
    void binaryBroadcastsBothSides() {
        OpenClContext ctx = context();
        Random rnd = new Random(7);
        for (ClType t : types(ctx)) {
            Sample a = sample(ctx, t, Kind.CONTIGUOUS, uniform(rnd, -1, 1), 4, 1);
            Sample b = sample(ctx, t, Kind.STEPPED, uniform(rnd, -1, 1), 1, 9);
            Sample out = output(ctx, t, Kind.CONTIGUOUS, 4, 9);
            ctx.kernels().binary(BinaryOp.SUB, a.view(), b.view(), out.view());
            double[] av = a.values(), bv = b.values(), want = new double[36];
            for (int i = 0; i < 36; i++) want[i] = round(t, av[i / 9] - bv[i % 9]);
            assertOutput("outer difference " + t, out, want, tolerance(t));
        }
    }

    @Test
    void where() {
        OpenClContext ctx = context();
        Random rnd = new Random(11);
        for (ClType t : types(ctx))
            for (Kind k : Kind.values()) {
                Sample cond = sample(ctx, t, k, () -> rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(2) + 1, SHAPE);
                Sample a = sample(ctx, t, Kind.TRANSPOSED, uniform(rnd, -3, 3), SHAPE);
                Sample b = sample(ctx, t, Kind.CONTIGUOUS, uniform(rnd, -3, 3), 37, 1); // broadcast
                Sample out = output(ctx, t, k == Kind.REVERSED ? Kind.STEPPED : Kind.CONTIGUOUS, SHAPE);
                ctx.kernels().where(cond.view(), a.view(), b.view(), out.view());
                double[] c = cond.values(), av = a.values(), bv = b.values(), want = new double[c.length];
                for (int i = 0; i < c.length; i++) want[i] = c[i] != 0 ? av[i] : bv[index(new int[] {37, 1}, coords(SHAPE, i))];
                assertOutput("where " + t + " " + k, out, want, 0);
            }
        // all contiguous: the fast path
        for (ClType t : types(ctx)) {
            Sample cond = sample(ctx, t, Kind.CONTIGUOUS, () -> rnd.nextInt(2), 1001);
            Sample a = sample(ctx, t, Kind.CONTIGUOUS, uniform(rnd, -3, 3), 1001);
            Sample b = sample(ctx, t, Kind.CONTIGUOUS, uniform(rnd, -3, 3), 1001);
            Sample out = output(ctx, t, Kind.CONTIGUOUS, 1001);
            ctx.kernels().where(cond.view(), a.view(), b.view(), out.view());
            double[] c = cond.values(), av = a.values(), bv = b.values(), want = new double[c.length];
            for (int i = 0; i < c.length; i++) want[i] = c[i] != 0 ? av[i] : bv[i];
            assertOutput("where contiguous " + t, out, want, 0);
        }
    }

    @Test
    void inPlace() {
        OpenClContext ctx = context();
        for (ClType t : types(ctx)) {
            Sample x = sample(ctx, t, Kind.STEPPED, uniform(new Random(3), -2, 2), 5, 11);
            double[] before = x.values();
            ctx.kernels().unary(UnaryOp.MUL_SCALAR, x.view(), x.view(), 3, 0);
            ctx.kernels().binary(BinaryOp.ADD, x.view(), x.view(), x.view());
            double[] want = new double[before.length];
            for (int i = 0; i < want.length; i++) want[i] = round(t, 6 * before[i]);
            assertClose("in place " + t, want, x.view().toDoubleArray(), tolerance(t));
        }
    }

    @Test
    void sigmoidAndExpAtTheExtremes() {
        OpenClContext ctx = context();
        for (ClType t : types(ctx)) {
            double[] xs = {-1000, -100, -20, 0, 20, 100, 1000};
            ClView x = ClView.contiguous(upload(ctx, t, xs), t, xs.length);
            ClView out = ClView.allocate(ctx, t, xs.length);
            ctx.kernels().unary(UnaryOp.SIGMOID, x, out);
            double[] want = new double[xs.length];
            for (int i = 0; i < xs.length; i++) want[i] = round(t, 1 / (1 + Math.exp(-xs[i])));
            assertClose("sigmoid extremes " + t, want, out.toDoubleArray(), tolerance(t));
        }
    }
}

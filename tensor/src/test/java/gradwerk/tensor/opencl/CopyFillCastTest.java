package gradwerk.tensor.opencl;

import gradwerk.tensor.UnaryOp;
import static gradwerk.tensor.opencl.OpenClTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** copy (strided to contiguous and back), contiguous(), fill and float/double casts. */
class CopyFillCastTest {
    @Test
    void copyAnyLayoutToAnyLayout() {
        OpenClContext ctx = context();
        Random rnd = new Random(1);
        for (ClType t : types(ctx))
            for (Kind in : Kind.values())
                for (Kind out : Kind.values()) {
                    Sample x = sample(ctx, t, in, uniform(rnd, -5, 5), 4, 3, 7, 2, 3);
                    Sample y = output(ctx, t, out, 4, 3, 7, 2, 3);
                    ctx.kernels().copy(x.view(), y.view());
                    assertOutput("copy " + t + " " + in + " -> " + out, y, x.values(), 0);
                }
    }

    @Test
    void contiguousMakesARowMajorCopyOnlyWhenNeeded() {
        OpenClContext ctx = context();
        for (ClType t : types(ctx)) {
            Sample x = sample(ctx, t, Kind.TRANSPOSED, uniform(new Random(2), -1, 1), 9, 13);
            ClView c = ctx.kernels().contiguous(x.view());
            assertTrue(c.isContiguous());
            assertArrayEquals(x.values(), download(c.buffer(), t));
            Sample dense = sample(ctx, t, Kind.CONTIGUOUS, uniform(new Random(2), -1, 1), 9, 13);
            assertTrue(ctx.kernels().contiguous(dense.view()) == dense.view());
        }
    }

    @Test
    void rankEightWithUnmergeableDimensions() {
        OpenClContext ctx = context();
        // Every dimension stepped: nothing merges, so the kernel sees all 8 dimensions.
        int[] shape = {2, 3, 2, 2, 3, 2, 2, 3};
        int[] phys = Arrays.stream(shape).map(s -> 2 * s).toArray();
        int[] strides = ClView.rowMajorStrides(phys);
        for (int d = 0; d < 8; d++) strides[d] *= 2;
        for (ClType t : types(ctx)) {
            double[] data = new double[(int) ClView.count(phys)];
            Random rnd = new Random(5);
            for (int i = 0; i < data.length; i++) data[i] = round(t, rnd.nextGaussian());
            ClView x = new ClView(upload(ctx, t, data), t, shape, strides, 1);
            ClView y = ClView.allocate(ctx, t, shape);
            ctx.kernels().unary(UnaryOp.NEG, x, y);
            double[] want = Arrays.stream(gather(data, x)).map(v -> -v).toArray();
            assertClose("rank 8 " + t, want, y.toDoubleArray(), 0);
        }
    }

    @Test
    void fill() {
        OpenClContext ctx = context();
        for (ClType t : types(ctx))
            for (Kind k : Kind.values()) {
                Sample y = output(ctx, t, k, 6, 1, 17);
                ctx.kernels().fill(y.view(), -2.5);
                double[] want = new double[y.view().numel()];
                Arrays.fill(want, -2.5);
                assertOutput("fill " + t + " " + k, y, want, 0);
            }
    }

    @Test
    void castFloatToDoubleAndBack() {
        OpenClContext ctx = context();
        Assumptions.assumeTrue(ctx.device().fp64(), "device has no fp64");
        Random rnd = new Random(3);
        for (Kind in : Kind.values())
            for (Kind out : new Kind[] {Kind.CONTIGUOUS, Kind.STEPPED}) {
                Sample f = sample(ctx, ClType.FLOAT, in, uniform(rnd, -1e3, 1e3), 5, 9, 4);
                Sample d = output(ctx, ClType.DOUBLE, out, 5, 9, 4);
                ctx.kernels().cast(f.view(), d.view());
                assertOutput("float -> double " + in + " -> " + out, d, f.values(), 0);

                Sample d2 = sample(ctx, ClType.DOUBLE, in, uniform(rnd, -1e3, 1e3), 5, 9, 4);
                Sample f2 = output(ctx, ClType.FLOAT, out, 5, 9, 4);
                ctx.kernels().copy(d2.view(), f2.view()); // copy across types casts
                double[] want = Arrays.stream(d2.values()).map(v -> (float) v).toArray();
                assertOutput("double -> float " + in + " -> " + out, f2, want, 0);
            }
    }
}

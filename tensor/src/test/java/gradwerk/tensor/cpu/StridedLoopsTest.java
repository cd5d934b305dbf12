package gradwerk.tensor.cpu;

import gradwerk.tensor.Erf;
import gradwerk.tensor.cpu.StridedLoops.Layout;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pieces under the kernels: dim collapsing, run iteration, and the float32 erf approximation. */
class StridedLoopsTest {

    static void assertLayout(Layout l, int[] shape, int[]... strides) {
        assertArrayEquals(shape, l.shape());
        for (int k = 0; k < strides.length; k++) assertArrayEquals(strides[k], l.strides()[k], "operand " + k);
    }

    @Test
    void contiguousTensorsCollapseToOneDim() {
        assertLayout(StridedLoops.collapse(new int[] {2, 3, 4}, new int[] {12, 4, 1}, new int[] {12, 4, 1}),
                new int[] {24}, new int[] {1}, new int[] {1});
    }

    @Test
    void sizeOneDimsDisappearAndScalarsBecomeOneElement() {
        assertLayout(StridedLoops.collapse(new int[] {1, 5, 1}, new int[] {99, 1, 7}), new int[] {5}, new int[] {1});
        assertLayout(StridedLoops.collapse(new int[] {}, new int[] {}), new int[] {1}, new int[] {0});
    }

    @Test
    void rowBroadcastKeepsTwoDims() {
        // [B,C] + bias [C] expanded: the bias has stride 0 along B, so B and C cannot merge
        assertLayout(StridedLoops.collapse(new int[] {4, 3, 5}, new int[] {15, 5, 1}, new int[] {0, 5, 1}),
                new int[] {4, 15}, new int[] {15, 1}, new int[] {0, 1});
        // a whole-tensor broadcast merges fine: 0 == 0 * size
        assertLayout(StridedLoops.collapse(new int[] {4, 3}, new int[] {3, 1}, new int[] {0, 0}),
                new int[] {12}, new int[] {1}, new int[] {0});
    }

    @Test
    void transposedOperandStopsMerging() {
        assertLayout(StridedLoops.collapse(new int[] {3, 4}, new int[] {1, 3}, new int[] {4, 1}),
                new int[] {3, 4}, new int[] {1, 3}, new int[] {4, 1});
    }

    @Test
    void segmentsVisitEveryElementOnceInOrder() {
        // a [3, 5000] layout whose second operand is a transposed-like stride; runs are at most BLOCK long
        Layout l = StridedLoops.collapse(new int[] {3, 5000}, new int[] {5000, 1}, new int[] {1, 3});
        List<int[]> runs = new ArrayList<>();
        StridedLoops.forEachSegment(l, new int[] {10, 20}, (at, n, s) -> {
            synchronized (runs) {
                runs.add(new int[] {at[0], at[1], n});
            }
        });
        runs.sort((x, y) -> Integer.compare(x[0], y[0]));
        int next = 10, total = 0;
        for (int[] r : runs) {
            assertEquals(next, r[0], "runs must tile operand 0 in order");
            int row = (r[0] - 10) / 5000, col = (r[0] - 10) % 5000;
            assertEquals(20 + row + 3 * col, r[1], "operand 1 index");
            assertTrue(r[2] <= StridedLoops.BLOCK);
            next += r[2];
            total += r[2];
        }
        assertEquals(15000, total);
    }

    @Test
    void kernelsRunAtTheRequestedWidth() {
        String bits = System.getProperty("gradwerk.simd.bits");
        System.out.println("kernel tests: " + Simd.describe());
        if (bits != null && !bits.isBlank()) assertEquals(Integer.parseInt(bits.trim()), Simd.BITS);
        if (!Simd.SCALAR) assertEquals(Simd.BITS / 32, Simd.F.length());
    }

    @Test
    void float32ErfIsWithin1e7() {
        if (Simd.SCALAR) return; // the vector erf only exists with the Vector API
        int lanes = Simd.F.length();
        float[] x = new float[lanes], y = new float[lanes];
        double worst = 0;
        for (int i = -60000; i < 60000; i += lanes) {
            for (int l = 0; l < lanes; l++) x[l] = (i + l) * 1e-4f;
            VectorMath.erf(FloatVector.fromArray(Simd.F, x, 0)).intoArray(y, 0);
            for (int l = 0; l < lanes; l++) worst = Math.max(worst, Math.abs(y[l] - Erf.erf(x[l])));
        }
        assertTrue(worst <= 1e-7, "erf max abs error " + worst);
    }

    @Test
    void float32GeluIsWithinFloatTolerance() {
        int n = 200001;
        float[] x = new float[n], g = new float[n];
        for (int i = 0; i < n; i++) x[i] = (i - n / 2) * 1e-4f;
        MapKernels.map(gradwerk.tensor.UnaryOp.GELU, 0, 0, x, 0, g, 0, n);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double e = gradwerk.tensor.UnaryOp.GELU.apply(x[i], 0, 0);
            worst = Math.max(worst, Math.abs(g[i] - e) / (1e-7 + Math.abs(e)));
        }
        assertTrue(worst <= 2e-6, "gelu max relative error " + worst);
    }
}

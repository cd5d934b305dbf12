package gradwerk.autograd;

import gradwerk.tensor.DType;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;
import net.jqwik.api.*;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** The samplers keep their promises: values away from kinks, no ties, the same values in any layout. */
class SamplerProperties {

    @Property(tries = 100)
    void valuesKeepAwayFromKinksAndTies(@ForAll long seed) {
        Sampler s = new Sampler(seed);
        int[] shape = s.shape(0, 3, 4);
        for (double x : s.awayFrom(shape, 0, 0.75).toDoubleArray())
            assertTrue(Math.abs(x) >= Sampler.MARGIN && Math.abs(x - 0.75) >= Sampler.MARGIN, "near a kink: " + x);
        for (double x : s.awayFromIntegers(-2, 5, shape).toDoubleArray())
            assertTrue(x - Math.floor(x) >= Sampler.MARGIN && Math.ceil(x) - x >= Sampler.MARGIN, "near an integer: " + x);
        double[] d = s.distinct(shape).toDoubleArray();
        Arrays.sort(d);
        for (int i = 1; i < d.length; i++) assertTrue(d[i] - d[i - 1] >= Sampler.MARGIN, "tie: " + d[i - 1] + ", " + d[i]);
        int[][] pair = s.broadcastPair(3, 3);
        Shape.broadcast("test", pair[0], pair[1]); // throws if they do not broadcast
        double[] a = s.onGrid(0.25, pair[0]).expand(Shape.broadcast("t", pair[0], pair[1])).toDoubleArray();
        double[] b = s.onGrid(0, pair[1]).expand(Shape.broadcast("t", pair[0], pair[1])).toDoubleArray();
        for (int i = 0; i < a.length; i++) assertTrue(Math.abs(a[i] - b[i]) >= 0.25);
    }

    @Property(tries = 100)
    void layoutsKeepValuesAndDtypeAndNeverOverlap(@ForAll long seed) {
        Sampler s = new Sampler(seed);
        Tensor t = Tensor.randn(DType.FLOAT64, new gradwerk.tensor.Generator(seed), s.shape(0, 4, 3));
        Tensor l = s.layout(t);
        assertArrayEquals(t.toDoubleArray(), l.toDoubleArray(), 0.0);
        assertEquals(DType.FLOAT64, l.dtype());
        for (int d = 0; d < l.rank(); d++) assertFalse(l.stride(d) == 0 && l.size(d) > 1);
    }

    @Example
    void someLayoutsAreNonContiguous() {
        Sampler s = new Sampler(1);
        int nonContiguous = 0;
        for (int i = 0; i < 30; i++) if (!s.layout(Tensor.zeros(DType.FLOAT64, 2, 3)).isContiguous()) nonContiguous++;
        assertTrue(nonContiguous >= 10, nonContiguous + " of 30");
    }
}

package gradwerk.tensor.nn;

import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static gradwerk.tensor.nn.NnTesting.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Constant and replicate padding against an index-by-index definition, and their backward passes. */
class PaddingTest {

    /** out[idx] = in[clamp(idx - before)] (replicate) or in[idx - before] if inside, else value (constant). */
    static Tensor definition(Tensor in, int[] pads, Padding.Mode mode, double value) {
        int r = in.rank();
        int[] shape = in.shape(), out = shape.clone(), before = new int[r];
        for (int k = 0; k < pads.length / 2; k++) {
            before[r - 1 - k] = pads[2 * k];
            out[r - 1 - k] += pads[2 * k] + pads[2 * k + 1];
        }
        double[] v = new double[Arrays.stream(out).reduce(1, (a, b) -> a * b)];
        int i = 0;
        for (int[] idx : gradwerk.tensor.Gen.indices(out)) {
            int[] src = new int[r];
            boolean inside = true;
            for (int d = 0; d < r; d++) {
                src[d] = idx[d] - before[d];
                if (mode == Padding.Mode.REPLICATE) src[d] = Math.max(0, Math.min(shape[d] - 1, src[d]));
                inside &= src[d] >= 0 && src[d] < shape[d];
            }
            v[i++] = inside ? in.get(src) : value;
        }
        return Tensor.of(v, out);
    }

    @Property(tries = 150)
    void padMatchesItsDefinition(@ForAll long seed) {
        Generator g = new Generator(seed);
        int r = 1 + g.nextInt(4);
        int[] shape = new int[r];
        for (int d = 0; d < r; d++) shape[d] = 1 + g.nextInt(4);
        Padding.Mode mode = g.nextInt(2) == 0 ? Padding.Mode.CONSTANT : Padding.Mode.REPLICATE;
        int[] pads = new int[2 * (1 + g.nextInt(Math.min(r, 3)))];
        for (int k = 0; k < pads.length; k++) {
            int size = shape[r - 1 - k / 2];
            pads[k] = mode == Padding.Mode.REPLICATE ? g.nextInt(4) : g.nextInt(4) - Math.min(2, size / 2); // crops too
        }
        DType dt = g.nextInt(2) == 0 ? DType.FLOAT32 : DType.FLOAT64;
        Tensor x = strided(randn(dt, seed, shape), seed);
        double value = mode == Padding.Mode.CONSTANT ? 1.5 : 0;
        Tensor y = Padding.pad(x, pads, mode, value);
        String what = mode + " " + Arrays.toString(shape) + " pads " + Arrays.toString(pads);
        assertClose(definition(x, pads, mode, value), y, 0, what);
        Tensor x64 = x.to(DType.FLOAT64), go = randn(DType.FLOAT64, ~seed, y.shape());
        checkVjp(t -> Padding.pad(t, pads, mode, value), x64, go, Padding.padBackward(go, pads, mode, shape), what);
    }

    @Test
    void examples() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        assertValues(new double[] {0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0}, Padding.pad(x, 1, 1, 1, 0), 0, "zeros");
        assertValues(new double[] {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4},
                Padding.pad(x, new int[] {1, 1, 1, 0}, Padding.Mode.REPLICATE, 0), 0, "replicate");
        assertValues(new double[] {2, 4}, Padding.pad(x, -1, 0), 0, "negative constant pads crop");
        assertValues(new double[] {3, 2}, Padding.padBackward(Tensor.ones(1, 5), new int[] {2, 1}, Padding.Mode.REPLICATE,
                new int[] {1, 2}), 0, "replicate backward folds the border onto the edges");
        var e = assertThrows(IllegalArgumentException.class, () -> Padding.pad(x, 1, 1, 1));
        assertEquals("pad: pads [1,1,1] must be (before, after) pairs for at most 2 dims of input [2,2]", e.getMessage());
    }
}

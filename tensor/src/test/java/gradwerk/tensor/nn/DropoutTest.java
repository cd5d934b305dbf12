package gradwerk.tensor.nn;

import gradwerk.tensor.DType;
import gradwerk.tensor.Device;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class DropoutTest {

    @Test
    void theMaskIsSeededScaledAndKeepsAboutOneMinusP() {
        Tensor m1 = Dropout.mask(new Generator(42), 0.3, new int[] {100, 100}, DType.FLOAT32, Device.CPU);
        Tensor m2 = Dropout.mask(new Generator(42), 0.3, new int[] {100, 100}, DType.FLOAT32, Device.CPU);
        assertArrayEquals(m1.toFloatArray(), m2.toFloatArray(), "same seed, same mask");
        int kept = 0;
        for (float v : m1.toFloatArray()) {
            assertTrue(v == 0 || Math.abs(v - 1 / 0.7f) < 1e-6, "mask values are 0 or 1/(1-p): " + v);
            if (v != 0) kept++;
        }
        assertEquals(7000, kept, 150, "about 70% kept");
        assertEquals(0.0, Dropout.mask(new Generator(1), 1, new int[] {5}, DType.FLOAT64, Device.CPU).abs().sum().item());
    }

    @Test
    void forwardAndBackwardUseTheSameMask() {
        Tensor x = Tensor.randn(new Generator(1), 4, 8);
        var r = Dropout.dropout(x, 0.5, true, new Generator(7));
        assertTrue(r.output().allClose(x.mul(r.mask())));
        Tensor g = Tensor.randn(new Generator(2), 4, 8);
        assertTrue(Dropout.dropoutBackward(g, r.mask()).allClose(g.mul(r.mask())));
        var eval = Dropout.dropout(x, 0.5, false, new Generator(7));
        assertSame(x, eval.output());
        assertNull(eval.mask());
        assertSame(g, Dropout.dropoutBackward(g, eval.mask()));
    }

    @Test
    void dropout2dDropsWholeChannels() {
        Tensor x = Tensor.ones(3, 6, 4, 4);
        var r = Dropout.dropout2d(x, 0.5, true, new Generator(3));
        assertArrayEquals(new int[] {3, 6, 1, 1}, r.mask().shape());
        Tensor perChannel = r.output().sum(2, 3);
        for (double v : perChannel.toDoubleArray()) assertTrue(v == 0 || v == 32, "a channel is all kept or all dropped: " + v);
    }
}

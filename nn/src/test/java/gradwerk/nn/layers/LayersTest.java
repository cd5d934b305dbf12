package gradwerk.nn.layers;

import gradwerk.autograd.Engine;
import gradwerk.autograd.Variable;
import gradwerk.nn.functional.F;
import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.Interpolation;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Layer behaviour beyond the PyTorch goldens: shapes, modes, parameter layout, and error messages. */
class LayersTest {
    private final Generator g = new Generator(1);

    @Test
    void shapesAndParameterLayoutsAreTorchs() {
        Conv2d conv = new Conv2d(4, 8, 3, 2, 1, 1, 2, true, g);
        assertArrayEquals(new int[] {8, 2, 3, 3}, conv.weight().shape());
        assertArrayEquals(new int[] {2, 8, 16, 16}, conv.forward(Tensor.zeros(2, 4, 32, 32)).shape());
        ConvTranspose2d up = new ConvTranspose2d(8, 4, 2, 2, g);
        assertArrayEquals(new int[] {8, 4, 2, 2}, up.weight().shape());
        assertArrayEquals(new int[] {2, 4, 32, 32}, up.forward(Tensor.zeros(2, 8, 16, 16)).shape());
        assertArrayEquals(new int[] {1, 3, 4, 6}, new MaxPool2d(2).forward(Tensor.zeros(1, 3, 8, 12)).shape());
        assertArrayEquals(new int[] {1, 3, 4, 6}, new AvgPool2d(2).forward(Tensor.zeros(1, 3, 8, 12)).shape());
        assertArrayEquals(new int[] {1, 3, 1, 1}, new AdaptiveAvgPool2d(1, 1).forward(Tensor.zeros(1, 3, 7, 5)).shape());
        assertArrayEquals(new int[] {1, 3, 14, 10}, Upsample.scale(2, Interpolation.BILINEAR, true).forward(Tensor.zeros(1, 3, 7, 5)).shape());
        assertEquals(List.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked"),
                List.copyOf(new BatchNorm2d(3).stateDict().keySet()));
    }

    @Test
    void errorsNameTheLayerAndTheShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Conv2d(3, 16, 3, g).forward(Tensor.zeros(2, 4, 32, 32)));
        assertEquals("Conv2d(3→16, k=3): input [2,4,32,32] has 4 channels, expected 3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Conv2d(3, 16, 3, g).forward(Tensor.zeros(4, 32, 32)));
        assertEquals("Conv2d(3→16, k=3): input [4,32,32] must be 4-d [N,C,H,W]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new BatchNorm2d(16).forward(Tensor.zeros(2, 8, 4, 4)));
        assertEquals("BatchNorm2d(16): input [2,8,4,4] has 8 channels, expected 16", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ConvTranspose2d(8, 4, 2, 2, g).forward(Tensor.zeros(1, 4, 2, 2)));
        assertEquals("ConvTranspose2d(8→4, k=2, stride=2): input [1,4,2,2] has 4 channels, expected 8", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new GroupNorm(3, 8));
        assertTrue(e.getMessage().contains("8 channels cannot be split into 3 groups"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Conv2d(3, 4, 5, g).forward(Tensor.zeros(1, 3, 3, 3)));
        assertTrue(e.getMessage().startsWith("conv2d: input [1,3,3,3]"), e.getMessage());
    }

    @Test
    void batchNormTrainsOnBatchStatsAndEvaluatesOnRunningOnes() {
        BatchNorm2d bn = new BatchNorm2d(2);
        Tensor x = Tensor.randn(g, 4, 2, 3, 3).mul(3).add(5);
        Tensor y = bn.forward(x).value();
        assertEquals(0, y.mean().item(), 1e-5);             // normalised with the batch's own statistics
        assertEquals(1, bn.stateDict().get("num_batches_tracked").item());
        double m = x.select(1, 0).mean().item();
        assertEquals(0.1 * m, bn.runningMean().get(0), 1e-5); // 0.9·0 + 0.1·mean
        bn.eval();
        Tensor z = bn.forward(x).value();                    // running stats: far from normalised yet
        assertTrue(z.mean().item() > 1, "eval output mean " + z.mean().item());
        assertEquals(1, bn.stateDict().get("num_batches_tracked").item()); // eval does not count
    }

    @Test
    void dropoutIsSeededAndTheIdentityInEval() {
        Tensor x = Tensor.ones(1000);
        Dropout a = new Dropout(0.3, new Generator(5)), b = new Dropout(0.3, new Generator(5));
        Tensor ya = a.forward(x).value();
        assertArrayEquals(ya.toFloatArray(), b.forward(x).value().toFloatArray());
        double kept = ya.gt(ya.zerosLike()).sum().item();
        assertEquals(700, kept, 60);
        assertEquals(1 / 0.7, ya.max().item(), 1e-6);
        a.eval();
        Variable v = Variable.param(x);
        assertSame(v, a.forward(v));
        Tensor channels = Dropout.channels(0.5, new Generator(1)).forward(Tensor.ones(2, 8, 3, 3)).value();
        for (int n = 0; n < 2; n++)
            for (int c = 0; c < 8; c++) {
                Tensor plane = channels.select(0, n).select(0, c);
                assertEquals(plane.max().item(), plane.min().item()); // whole channels kept or dropped
            }
    }

    @Test
    void kernelBackedOpsRefuseSecondOrderInsteadOfBeingSilentlyWrong() {
        Variable x = Variable.param(Tensor.randn(DType.FLOAT64, g, 1, 1, 4, 4));
        Variable w = Variable.param(Tensor.randn(DType.FLOAT64, g, 1, 1, 3, 3));
        Variable y = F.conv2d(x, w, null, 1, 1).square().sum();
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> Engine.grad(y, Variable.constant(y.value().fullLike(1)), new Variable[] {x}, false, true));
        assertTrue(e.getMessage().startsWith("conv2d: gradients of gradients are not supported"), e.getMessage());
    }

    @Test
    void onlyNeededGradientsAreComputed() {
        Conv2d conv = new Conv2d(2, 3, 3, g);
        conv.forward(Tensor.randn(g, 1, 2, 5, 5)).sum().backward(); // data needs no gradient: only dW and db
        assertArrayEquals(new int[] {3, 2, 3, 3}, conv.weight().grad().shape());
        assertArrayEquals(new int[] {3}, conv.bias().grad().shape());
    }

    @Test
    void aWholeConvNetGradChecksInFloat64() {
        var net = LayerGoldenTest.convNet(new Generator(4)).to(DType.FLOAT64);
        Tensor x = Tensor.randn(DType.FLOAT64, g, 2, 3, 8, 8);
        gradwerk.autograd.GradCheck.Result r = gradwerk.autograd.GradCheck.check("convNet", v -> net.forward(v[0]), x);
        assertTrue(r.passed(), r.message());
    }

    @Test
    void printsLikeTorch() {
        assertEquals("Conv2d(3→16, k=3, stride=2, padding=1, bias=false)", new Conv2d(3, 16, 3, 2, 1, 1, 1, false, g).toString());
        assertEquals("BatchNorm2d(16, momentum=None)", new BatchNorm2d(16, 1e-5, Double.NaN, true, true).toString());
        assertEquals("Upsample(scale_factor=2.0, mode=bilinear)", Upsample.scale(2, Interpolation.BILINEAR, false).toString());
        assertEquals("MaxPool2d(k=2)", new MaxPool2d(2).toString());
    }
}

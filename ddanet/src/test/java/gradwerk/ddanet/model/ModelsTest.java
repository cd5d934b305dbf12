package gradwerk.ddanet.model;

import com.google.gson.JsonObject;
import gradwerk.autograd.Variable;
import gradwerk.ddanet.DdaGoldens;
import gradwerk.ddanet.attention.AttentionTrace;
import gradwerk.ddanet.data.CtSlice;
import gradwerk.ddanet.data.SyntheticCt;
import gradwerk.nn.Module;
import gradwerk.nn.loss.CrossEntropy;
import gradwerk.nn.optim.Adam;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The three models: shapes, names, parameter counts, γ = 0 at init, and that each one learns. */
class ModelsTest {
    private static final ModelConfig SMALL = ModelConfig.defaults().withBaseChannels(4).withImageSize(32);

    @ParameterizedTest
    @ValueSource(strings = {"unet", "cca", "ddanet"})
    void mapsImagesToLogits(String name) {
        Module m = Models.create(name, SMALL, new Generator(1));
        Tensor x = Tensor.randn(new Generator(2), 2, 1, 32, 32);
        assertArrayEquals(new int[] {2, 3, 32, 32}, m.forward(x).value().shape());
        m.eval();
        assertArrayEquals(new int[] {2, 3, 32, 32}, m.forward(x).value().shape());
    }

    @Test
    void createsTheRightClasses() {
        Generator g = new Generator(0);
        assertEquals(UNet.class, Models.create("unet", SMALL, g).getClass());
        assertInstanceOf(CCANet.class, Models.create("CCA", SMALL, g));
        assertInstanceOf(DDANet.class, Models.create("ddanet", SMALL, g));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Models.create("danet", SMALL, g));
        assertTrue(e.getMessage().contains("[unet, cca, ddanet]"), e.getMessage());
    }

    /** Default configuration (base 16, 256²): the counts agree with the PyTorch reference models. */
    @Test
    void parameterCountsMatchTheReference() {
        JsonObject expected = DdaGoldens.json("param_counts.json");
        for (String name : Models.NAMES) {
            Module m = Models.create(name, ModelConfig.defaults(), new Generator(0));
            System.out.println(Models.describe(m));
            assertEquals(expected.get(name).getAsLong(), m.parameterCount(), name);
        }
        UNet d = (UNet) Models.create("ddanet", ModelConfig.defaults(), new Generator(0));
        assertEquals(Models.create("unet", ModelConfig.defaults(), new Generator(0)).parameterCount(), d.unetParameterCount());
        assertTrue(Models.describe(d).startsWith("DDANet: 2,188,994 parameters (U-Net 1,963,843 + attention 225,151)"), Models.describe(d));
    }

    @Test
    void stateDictNamesReadLikeTheArchitecture() {
        List<String> names = List.copyOf(Models.create("ddanet", SMALL, new Generator(0)).stateDict().keySet());
        assertEquals("enc1.conv1.weight", names.get(0));
        assertEquals(List.of("enc1.conv1.weight", "enc1.bn1.weight", "enc1.bn1.bias", "enc1.bn1.running_mean",
                "enc1.bn1.running_var", "enc1.bn1.num_batches_tracked", "enc1.conv2.weight"), names.subList(0, 7));
        assertTrue(names.indexOf("bottleneck.bn2.running_var") < names.indexOf("attention.query.weight"));
        assertTrue(names.indexOf("attention.gamma") < names.indexOf("dec4.conv1.weight"));
        assertTrue(names.containsAll(List.of("attention.offset.weight", "attention.offset.bias", "head.weight", "head.bias")));
        assertEquals("head.bias", names.getLast());
    }

    /** With γ = 0 the attention is the identity, and the same generator gives the same U-Net weights: same logits. */
    @Test
    void attentionModelsStartAsTheirUNet() {
        Tensor x = Tensor.randn(new Generator(5), 2, 1, 32, 32);
        Module unet = Models.create("unet", SMALL, new Generator(42));
        Map<String, Tensor> unetState = unet.stateDict();
        for (String name : List.of("cca", "ddanet")) {
            Module m = Models.create(name, SMALL, new Generator(42));
            unetState.forEach((k, t) -> assertEquals(0, DdaGoldens.maxAbsDiff(t, m.stateDict().get(k)), name + " " + k));
        }
        Tensor expected = unet.forward(x).value();
        for (String name : List.of("cca", "ddanet")) {
            Module m = Models.create(name, SMALL, new Generator(42));
            assertEquals(0, DdaGoldens.maxAbsDiff(expected, m.forward(x).value()), name);
        }
    }

    @Test
    void ddanetIsBuiltForItsImageSize() {
        Module m = Models.create("ddanet", SMALL, new Generator(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.forward(Tensor.zeros(1, 1, 64, 64)));
        assertTrue(e.getMessage().contains("offset convolution"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.forward(Tensor.zeros(1, 1, 40, 40)));
        // unet and cca take any multiple of 16
        assertArrayEquals(new int[] {1, 3, 48, 64}, Models.create("cca", SMALL, new Generator(0)).forward(Tensor.zeros(1, 1, 48, 64)).value().shape());
        assertThrows(IllegalArgumentException.class, () -> ModelConfig.defaults().withImageSize(100));
    }

    @Test
    void ddanetTracesImagePixels() {
        DDANet m = (DDANet) Models.create("ddanet", SMALL.withImageSize(64), new Generator(0));
        m.forward(Tensor.randn(new Generator(1), 2, 1, 64, 64));
        AttentionTrace t = m.attentionTrace(1, 40, 10);   // bottleneck pixel (2, 0) of a 4x4 map
        assertEquals(7, t.slots());
        assertEquals(64, t.height());
        assertEquals(2 * 16 + 7.5, t.baseY()[0]);
        assertEquals(7.5, t.baseX()[0]);
        assertEquals(t.baseX()[5], t.sampleX()[5], 1e-6);   // zero offsets at init
    }

    /** A few Adam steps on one synthetic CT slice lower the loss clearly, for each model. */
    @ParameterizedTest
    @ValueSource(strings = {"unet", "cca", "ddanet"})
    void overfitsOneImage(String name) {
        CtSlice slice = new SyntheticCt(7).generate(0, 32);
        float[] img = slice.image();
        double[] labels = new double[slice.labels().length];
        for (int i = 0; i < labels.length; i++) labels[i] = slice.labels()[i];
        Tensor x = Tensor.of(img, 1, 1, 32, 32).sub(0.5).mul(4);
        Tensor y = Tensor.of(labels, 1, 32, 32).to(x.dtype());
        Module m = Models.create(name, SMALL, new Generator(3));
        Adam opt = new Adam(m.parameters(), 5e-2);
        double first = 0, last = 0;
        for (int step = 0; step < 15; step++) {
            Variable loss = CrossEntropy.crossEntropy(m.forward(x), y);
            opt.zeroGrad();
            loss.backward();
            opt.step();
            if (step == 0) first = loss.item();
            last = loss.item();
        }
        assertTrue(last < 0.25 * first, name + ": loss " + first + " → " + last);
        if (m instanceof UNet u && u.attention() != null) {
            // γ moved away from 0: the attention took part in training
            double gamma = u.attention().namedParameters().get("gamma").value().item();
            assertTrue(gamma != 0, name + ": γ stayed 0");
        }
    }

    /**
     * Once γ ≠ 0 the offsets learn, except where PyTorch's border padding has no gradient: grid_sample treats a
     * sample exactly on the map's edge as clamped (clip_coordinates_set_grad: derivative 0 at 0 and size−1), and
     * zero-initialised offsets put samples exactly on pixel centres. So Δx of row slots 0 and W−1 (x = 0 and W−1
     * for every query pixel) never gets a gradient and stays 0; on a 2×2 bottleneck (32×32 input) every sample is
     * on an edge and no offset moves at all. Here a 64×64 input (4×4 bottleneck): all other offsets move.
     */
    @Test
    void offsetsLearnExceptOnTheEdges() {
        ModelConfig cfg = SMALL.withImageSize(64);
        DDANet m = (DDANet) Models.create("ddanet", cfg, new Generator(3));
        m.attention().gamma().value().fill(0.5);
        Tensor x = Tensor.randn(new Generator(1), 2, 1, 64, 64);
        Tensor y = Tensor.randint(new Generator(2), 0, 3, 2, 64, 64);
        Adam opt = new Adam(m.parameters(), 1e-2);
        for (int step = 0; step < 2; step++) {
            Variable loss = CrossEntropy.crossEntropy(m.forward(x), y);
            opt.zeroGrad();
            loss.backward();
            opt.step();
        }
        int w = cfg.bottleneckSize(), slots = m.attention().slots();
        Tensor bias = m.attention().offset().bias().value(), weight = m.attention().offset().weight().value();
        for (int ch = 0; ch < 2 * slots; ch++) {
            boolean dead = ch == 0 || ch == 2 * (w - 1);  // Δx of row slot 0 and of row slot W−1
            double moved = weight.select(0, ch).abs().max().item() + Math.abs(bias.get(ch));
            assertEquals(dead, moved == 0, "offset channel " + ch + " moved by " + moved);
        }
    }
}

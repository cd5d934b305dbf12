package gradwerk.nn.metrics;

import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsProperties {
    /** Random labels [n,h,w] in 0..k-1, biased so that some classes are often missing from an image. */
    private static Tensor randomLabels(Generator g, int k, int n, int h, int w) {
        int present = 1 + g.nextInt(k);
        float[] d = new float[n * h * w];
        for (int i = 0; i < d.length; i++) d[i] = g.nextInt(present);
        return Tensor.of(d, n, h, w);
    }

    @Property(tries = 150)
    void invariants(@ForAll long seed, @ForAll @IntRange(min = 1, max = 5) int k, @ForAll @IntRange(min = 1, max = 3) int n,
                    @ForAll @IntRange(min = 1, max = 6) int h, @ForAll @IntRange(min = 1, max = 6) int w) {
        Generator g = new Generator(seed);
        Tensor t = randomLabels(g, k, n, h, w), p = randomLabels(g, k, n, h, w);
        ConfusionMatrix cm = new ConfusionMatrix(k).add(p, t);
        PerImageScores per = new PerImageScores(k).addBatch(p, t);
        double[] dice = cm.dice(), iou = cm.iou(), pd = per.dice(), pi = per.iou();
        for (int c = 0; c < k; c++) {
            assertTrue(dice[c] >= 0 && dice[c] <= 1 && iou[c] >= 0 && iou[c] <= 1);
            assertTrue(pd[c] >= 0 && pd[c] <= 1 && pi[c] >= 0 && pi[c] <= 1);
            assertEquals(2 * iou[c] / (1 + iou[c]), dice[c], 1e-12, "Dice = 2 IoU / (1 + IoU)");
            assertTrue(iou[c] <= dice[c] + 1e-12);
            assertEquals(cm.falsePositives(c) + cm.truePositives(c), count(p, c), "column sum = predicted count");
            assertEquals(cm.falseNegatives(c) + cm.truePositives(c), count(t, c), "row sum = true count");
        }
        assertEquals((long) n * h * w, cm.total());
        // symmetric: swapping prediction and target swaps FP and FN, which Dice and IoU treat alike
        assertArrayEquals(dice, new ConfusionMatrix(k).add(t, p).dice(), 1e-12);
        assertArrayEquals(pd, new PerImageScores(k).addBatch(t, p).dice(), 1e-12);
        // a perfect prediction scores 1 everywhere, present classes or not
        assertArrayEquals(ones(k), new ConfusionMatrix(k).add(t, t).dice(), 0);
        assertArrayEquals(ones(k), new PerImageScores(k).addBatch(t, t).iou(), 0);
        // accumulating image by image equals one pass
        ConfusionMatrix byImage = new ConfusionMatrix(k);
        for (int i = 0; i < n; i++) byImage.add(p.select(0, i), t.select(0, i));
        assertArrayEquals(cm.counts(), byImage.counts());
    }

    private static long count(Tensor labels, int c) {
        long s = 0;
        for (float v : labels.toFloatArray()) if (v == c) s++;
        return s;
    }

    private static double[] ones(int k) {
        double[] o = new double[k];
        java.util.Arrays.fill(o, 1);
        return o;
    }
}

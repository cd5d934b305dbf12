package gradwerk.nn.metrics;

import gradwerk.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsTest {
    private static final double EPS = 1e-12;

    private static Tensor labels(int h, int w, float... v) {
        return Tensor.of(v, h, w);
    }

    // target          prediction
    // 0 0 1 1         0 1 1 1
    // 0 2 2 1         0 2 0 1
    private static final Tensor T = labels(2, 4, 0, 0, 1, 1, 0, 2, 2, 1);
    private static final Tensor P = labels(2, 4, 0, 1, 1, 1, 0, 2, 0, 1);

    @Test
    void confusionMatrixByHand() {
        ConfusionMatrix cm = new ConfusionMatrix(3).add(P, T);
        assertArrayEquals(new long[][] {{2, 1, 0}, {0, 3, 0}, {1, 0, 1}}, cm.counts());
        // class 0: tp 2, fp 1 (the 2 predicted as 0), fn 1 (the 0 predicted as 1)
        assertEquals(2, cm.truePositives(0));
        assertEquals(1, cm.falsePositives(0));
        assertEquals(1, cm.falseNegatives(0));
        assertArrayEquals(new double[] {4.0 / 6, 6.0 / 7, 2.0 / 3}, cm.dice(), EPS);
        assertArrayEquals(new double[] {2.0 / 4, 3.0 / 4, 1.0 / 2}, cm.iou(), EPS);
        assertEquals(6.0 / 8, cm.accuracy(), EPS);
        assertEquals((6.0 / 7 + 2.0 / 3) / 2, cm.meanDice(1), EPS);
        assertEquals(8, cm.total());
    }

    @Test
    void emptyEmptyScoresOne() {
        ConfusionMatrix cm = new ConfusionMatrix(4).add(P, T); // class 3 appears nowhere
        assertEquals(1.0, cm.dice(3));
        assertEquals(1.0, cm.iou(3));
        // absent from the target but predicted: 0
        Tensor t = labels(1, 3, 0, 0, 0), p = labels(1, 3, 0, 3, 0);
        ConfusionMatrix cm2 = new ConfusionMatrix(4).add(p, t);
        assertEquals(0.0, cm2.dice(3));
        assertEquals(0.0, cm2.iou(3));
        assertEquals(1.0, cm2.dice(1));
    }

    @Test
    void accumulatesAcrossBatchesLikeOneBigBatch() {
        Tensor t2 = labels(2, 4, 1, 1, 1, 1, 2, 2, 0, 0), p2 = labels(2, 4, 1, 2, 1, 1, 2, 0, 0, 0);
        ConfusionMatrix split = new ConfusionMatrix(3).add(P, T).add(p2, t2);
        ConfusionMatrix whole = new ConfusionMatrix(3).add(Tensor.stack(0, P, p2), Tensor.stack(0, T, t2));
        assertArrayEquals(whole.counts(), split.counts());
        ConfusionMatrix merged = new ConfusionMatrix(3).add(P, T).merge(new ConfusionMatrix(3).add(p2, t2));
        assertArrayEquals(whole.counts(), merged.counts());
    }

    @Test
    void perImageAveragesOverImagesNotPixels() {
        // image A: all class 1, predicted perfectly (Dice 1). image B: class 1 is one pixel, missed (Dice 0).
        // Per image, class 1 scores (1 + 0) / 2 = 0.5; pooled, it is 8 tp, 0 fp, 1 fn -> 16/17.
        Tensor ta = labels(2, 4, 1, 1, 1, 1, 1, 1, 1, 1), pa = ta;
        Tensor tb = labels(2, 4, 0, 0, 0, 0, 0, 0, 0, 1), pb = labels(2, 4, 0, 0, 0, 0, 0, 0, 0, 0);
        PerImageScores per = new PerImageScores(2).addImage(pa, ta).addImage(pb, tb);
        assertEquals(2, per.images());
        assertEquals(0.5, per.dice()[1], EPS);
        // class 0: absent from A entirely (both) -> 1; in B: tp 7, fp 1 -> 14/15
        assertEquals((1 + 14.0 / 15) / 2, per.dice()[0], EPS);
        assertEquals((1 + 7.0 / 8) / 2, per.iou()[0], EPS);
        ConfusionMatrix global = new ConfusionMatrix(2).add(pa, ta).add(pb, tb);
        assertEquals(16.0 / 17, global.dice(1), EPS);
        // the batch form gives the same as adding the images one by one
        PerImageScores batch = new PerImageScores(2).addBatch(Tensor.stack(0, pa, pb), Tensor.stack(0, ta, tb));
        assertArrayEquals(per.dice(), batch.dice(), EPS);
        assertArrayEquals(per.iou(), batch.iou(), EPS);
    }

    @Test
    void logitsGoThroughArgmax() {
        // logits [N=1,K=3,H=2,W=4] whose argmax over dim 1 is P
        float[] p = P.toFloatArray();
        float[] logits = new float[3 * 8];
        for (int i = 0; i < 8; i++) for (int k = 0; k < 3; k++) logits[k * 8 + i] = k == (int) p[i] ? 2f : -1f + k * 0.1f;
        Tensor l = Tensor.of(logits, 1, 3, 2, 4);
        assertArrayEquals(P.toFloatArray(), Labels.argmax(l).toFloatArray());
        ConfusionMatrix a = new ConfusionMatrix(3).addLogits(l, T.unsqueeze(0));
        ConfusionMatrix b = new ConfusionMatrix(3).addLogits(l.squeeze(0), T); // [K,H,W] vs [H,W]
        assertArrayEquals(new ConfusionMatrix(3).add(P, T).counts(), a.counts());
        assertArrayEquals(a.counts(), b.counts());
        PerImageScores per = new PerImageScores(3).addBatchLogits(l, T.unsqueeze(0));
        assertArrayEquals(new PerImageScores(3).addImage(P, T).dice(), per.dice(), EPS);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ConfusionMatrix(4).addLogits(l, T.unsqueeze(0)));
        assertTrue(e.getMessage().contains("have 3 classes, expected 4"), e.getMessage());
    }

    @Test
    void ignoreIndexIsSkipped() {
        Tensor t = labels(1, 4, 0, 255, 1, 255), p = labels(1, 4, 0, 1, 1, 0);
        ConfusionMatrix cm = new ConfusionMatrix(2, 255).add(p, t);
        assertEquals(2, cm.total());
        assertEquals(1.0, cm.dice(0));
        PerImageScores per = new PerImageScores(2, 255).addImage(p, t).addImage(p, labels(1, 4, 255, 255, 255, 255));
        assertEquals(1, per.images(), "an image with nothing labelled is not counted");
        assertArrayEquals(new double[] {1, 1}, per.dice(), EPS);
        assertThrows(IllegalArgumentException.class, () -> new ConfusionMatrix(3, 2));
        // predictions may not use the ignore index
        assertThrows(IllegalArgumentException.class, () -> cm.add(labels(1, 1, 255), labels(1, 1, 0)));
    }

    @Test
    void invalidLabelsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ConfusionMatrix(3).add(P, labels(2, 4, 0, 0, 1, 1, 0, 2, 3, 1)));
        assertEquals("ConfusionMatrix.add: target has 3.0 at flat index 6 of shape [2,4]; expected a whole number"
                + " in 0..2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ConfusionMatrix(3).add(labels(1, 1, 0.5f), labels(1, 1, 0)));
        assertTrue(e.getMessage().startsWith("ConfusionMatrix.add: prediction has 0.5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ConfusionMatrix(3).add(P, T.t()));
        assertTrue(e.getMessage().contains("prediction [2,4] and target [4,2] differ"), e.getMessage());
    }

    @Test
    void emptyStates() {
        assertTrue(Double.isNaN(new ConfusionMatrix(2).accuracy()));
        assertTrue(Double.isNaN(new PerImageScores(2).dice()[0]));
        assertArrayEquals(new double[] {1, 1}, new ConfusionMatrix(2).dice(), EPS); // nothing seen, nothing wrong
        assertTrue(new ConfusionMatrix(2).add(P.clamp(0, 1), T.clamp(0, 1)).toString().startsWith("true\\pred"));
    }
}

/**
 * Segmentation metrics from label maps or logits: a {@link gradwerk.nn.metrics.ConfusionMatrix} for pooled
 * ("global") Dice/IoU and {@link gradwerk.nn.metrics.PerImageScores} for the mean over images. A class absent from
 * both prediction and target scores 1 ({@link gradwerk.nn.metrics.Overlap} explains why).
 */
package gradwerk.nn.metrics;

/**
 * The two bottleneck attention blocks of the DDANet family, composed from library ops (1×1 and 3×3 convolutions,
 * batched matrix products, grid_sample, softmax), so autograd and every backend apply and no new primitive op is
 * needed: {@link gradwerk.ddanet.attention.CrissCrossAttention} (CCNet) and
 * {@link gradwerk.ddanet.attention.DeformableCrissCrossAttention} (DDANet), whose last forward pass can be inspected
 * per pixel through an {@link gradwerk.ddanet.attention.AttentionTrace}. The slot layout they share is described in
 * {@code CrissCross}.
 */
package gradwerk.ddanet.attention;

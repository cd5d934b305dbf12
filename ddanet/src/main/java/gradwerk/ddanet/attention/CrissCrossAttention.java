package gradwerk.ddanet.attention;

import gradwerk.autograd.Variable;
import gradwerk.nn.Module;
import gradwerk.nn.Parameter;
import gradwerk.nn.layers.Conv2d;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

/**
 * Criss-cross attention (CCNet, Huang et al. 2019), built from library ops so that autograd and every backend apply.
 *
 * <p>For X [B,C,H,W]: Q = W_q X + b_q and K = W_k X + b_k are 1×1 convolutions to C' = C/8 channels, V = W_v X + b_v a
 * 1×1 convolution to C channels. Every pixel u attends over its S = H+W−1 criss-cross positions p (its row, and its
 * column without itself; see {@link CrissCross} for the slot order):
 * <pre>
 *   e(u,p) = ⟨Q_u, K_p⟩          (no scaling)
 *   A(u,·) = softmax over the S slots of e(u,·)
 *   out(u) = Σ_p A(u,p) V_p
 *   Y      = γ·out + X           γ a learnable scalar, initialised to 0 (the block starts as the identity)
 * </pre>
 * The block is applied {@code loops} times (R = 2 in CCNet: two hops reach every pixel) with the same weights.
 *
 * <p>Computed with batched matrix products: row energies [B,H,W,W] = Q [B,H,W,C'] · K [B,H,C',W]; column energies
 * [B,W,H,H] = Q [B,W,H,C'] · K [B,W,C',H] with −∞ on the diagonal (the centre, already counted in the row); one
 * softmax over the concatenated W + H slots (the masked one gets weight exactly 0); two more products aggregate V.
 */
public final class CrissCrossAttention extends Module {
    private final int channels, keyChannels, loops;
    private final Conv2d query, key, value;
    private final Parameter gamma;

    /** @param loops R, how often the block is applied (shared weights) */
    public CrissCrossAttention(int channels, int loops, Generator g) {
        if (channels < 1 || loops < 1)
            throw new IllegalArgumentException("CrissCrossAttention: channels " + channels + " and loops " + loops + " must be >= 1");
        this.channels = channels;
        this.keyChannels = CrissCross.keyChannels(channels);
        this.loops = loops;
        query = registerModule("query", new Conv2d(channels, keyChannels, 1, g));
        key = registerModule("key", new Conv2d(channels, keyChannels, 1, g));
        value = registerModule("value", new Conv2d(channels, channels, 1, g));
        gamma = registerParameter("gamma", Tensor.zeros(1));
    }

    /** The block's weights as variables: the functional form below takes them explicitly (gradient checks). */
    public record Weights(Variable wq, Variable bq, Variable wk, Variable bk, Variable wv, Variable bv, Variable gamma) {}

    /** This module's parameters as {@link Weights}. */
    public Weights weights() {
        return new Weights(query.weight().v(), query.bias().v(), key.weight().v(), key.bias().v(), value.weight().v(),
                value.bias().v(), gamma.v());
    }

    /** Applies the block {@code loops} times: [B,C,H,W] → [B,C,H,W]. */
    @Override
    public Variable forward(Variable x) {
        requireInput(x);
        return apply(x, weights(), loops);
    }

    /** The functional form: the block with the given weights, applied {@code loops} times. */
    public static Variable apply(Variable x, Weights w, int loops) {
        for (int r = 0; r < loops; r++) x = once(x, w);
        return x;
    }

    /** One application: {@code Y = γ·attend(Q, K, V) + X}. */
    public static Variable once(Variable x, Weights w) {
        Variable q = conv1x1(x, w.wq(), w.bq()), k = conv1x1(x, w.wk(), w.bk()), v = conv1x1(x, w.wv(), w.bv());
        return CrissCross.residual(w.gamma(), attend(q, k, v), x);
    }

    /**
     * The attention itself: Q, K [B,C',H,W] and V [B,C,H,W] → out [B,C,H,W] with
     * {@code out(u) = Σ_p softmax_p(⟨Q_u, K_p⟩) V_p} over the criss-cross positions p of u.
     */
    public static Variable attend(Variable q, Variable k, Variable v) {
        int h = q.size(2), w = q.size(3);
        // energies along the row: eRow[b,i,j,j'] = ⟨Q(i,j), K(i,j')⟩, slots 0..W-1
        Variable eRow = q.permute(0, 2, 3, 1).matmul(k.permute(0, 2, 1, 3));                 // [B,H,W,W]
        // energies along the column: eCol[b,j,i,i'] = ⟨Q(i,j), K(i',j)⟩, −∞ where i' = i
        Variable eCol = q.permute(0, 3, 2, 1).matmul(k.permute(0, 3, 1, 2))                  // [B,W,H,H]
                .add(CrissCross.centreMask(h, q.value()));
        Variable e = Variable.cat(3, eRow, eCol.permute(0, 2, 1, 3));                         // [B,H,W,W+H]
        Variable a = e.softmax(3);
        Variable aRow = a.narrow(3, 0, w);                                                     // [B,H,W,W]
        Variable aCol = a.narrow(3, w, h).permute(0, 2, 1, 3);                                 // [B,W,H,H]
        Variable outRow = aRow.matmul(v.permute(0, 2, 3, 1));                                  // [B,H,W,C]
        Variable outCol = aCol.matmul(v.permute(0, 3, 2, 1)).permute(0, 2, 1, 3);              // [B,W,H,C] → [B,H,W,C]
        return outRow.add(outCol).permute(0, 3, 1, 2);                                         // [B,C,H,W]
    }

    /** A 1×1 convolution as a product over channels: W [O,C,1,1], b [O]. */
    static Variable conv1x1(Variable x, Variable weight, Variable bias) {
        return gradwerk.nn.functional.F.conv2d(x, weight, bias, 1, 0);
    }

    private void requireInput(Variable x) {
        if (x.rank() != 4 || x.size(1) != channels)
            throw new IllegalArgumentException(describe() + ": input " + Shape.str(x.shape()) + " must be [B," + channels + ",H,W]");
    }

    public Conv2d query() { return query; }
    public Conv2d key() { return key; }
    public Conv2d value() { return value; }
    public Parameter gamma() { return gamma; }
    public int loops() { return loops; }
    public int channels() { return channels; }

    @Override
    protected String extraRepr() {
        return channels + ", C'=" + keyChannels + ", loops=" + loops;
    }
}

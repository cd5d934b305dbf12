package gradwerk.ddanet.attention;

import gradwerk.autograd.Variable;
import gradwerk.tensor.Tensor;

/**
 * What the two criss-cross blocks share: the slot layout, the constant tensors built from it, and the residual step.
 *
 * <h2>Slot layout</h2>
 * A query pixel u = (i, j) of an H×W map attends over its S = H + W − 1 criss-cross positions: its whole row, then
 * its column without itself (the centre is already in the row):
 * <pre>
 *   slot s = 0 .. W-1          →  (i, s)                          the row, centre included (slot j)
 *   slot s = W + k, k < H-1    →  (k, j)  if k < i,  (k+1, j)  otherwise    the column, centre skipped
 *
 *   H = 3, W = 4, u = (1, 2):       . . 6 .          slots 0..3 on row 1, slots 4, 5 on column 2
 *                                   0 1 2 3          (slot 2 is u itself)
 *                                   . . 5 .
 * </pre>
 * {@link CrissCrossAttention} computes row and column energies with batched matrix products and masks the
 * column's centre with −∞ (its slot gets weight exactly 0), which is the same softmax over the same S slots;
 * {@link DeformableCrissCrossAttention} samples the S positions (plus learned offsets) explicitly, in this order.
 */
final class CrissCross {
    private CrissCross() {}

    /** S = H + W − 1: the number of positions a pixel attends to. */
    static int slots(int h, int w) { return h + w - 1; }

    /** Channels of the query and key maps: C/8 (at least 1), as in CCNet. */
    static int keyChannels(int channels) { return Math.max(1, channels / 8); }

    /**
     * The criss-cross base positions in pixel coordinates, as (x, y) = (column, row) pairs in grid_sample's
     * order: [H·W, S, 2], row-major over the query pixels, slots as in the class comment.
     */
    static double[] basePositions(int h, int w) {
        int s = slots(h, w);
        double[] p = new double[h * w * s * 2];
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) {
                int at = (i * w + j) * s * 2;
                for (int c = 0; c < w; c++) {          // the row
                    p[at + 2 * c] = c;
                    p[at + 2 * c + 1] = i;
                }
                for (int k = 0; k < h - 1; k++) {      // the column without the centre
                    p[at + 2 * (w + k)] = j;
                    p[at + 2 * (w + k) + 1] = k < i ? k : k + 1;
                }
            }
        return p;
    }

    /** grid_sample's normalised coordinate of pixel coordinate {@code p} along an axis of {@code size} pixels. */
    static double normalised(double p, int size, boolean alignCorners) {
        if (alignCorners) return size > 1 ? 2 * p / (size - 1) - 1 : 0;
        return (2 * p + 1) / size - 1;
    }

    /** d(normalised)/d(pixel) along an axis of {@code size} pixels (0 for a single aligned pixel: all points are it). */
    static double unit(int size, boolean alignCorners) {
        if (alignCorners) return size > 1 ? 2.0 / (size - 1) : 0;
        return 2.0 / size;
    }

    /** [H, H] with −∞ on the diagonal, 0 elsewhere: added to column energies [B, W, H, H] it drops the centre. */
    static Tensor centreMask(int h, Tensor like) {
        double[] m = new double[h * h];
        for (int i = 0; i < h; i++) m[i * h + i] = Double.NEGATIVE_INFINITY;
        return Tensor.of(m, h, h).to(like.dtype()).to(like.device());
    }

    /** The residual step of both blocks: {@code Y = γ·out + X}. */
    static Variable residual(Variable gamma, Variable out, Variable x) {
        return out.mul(gamma).add(x);
    }
}

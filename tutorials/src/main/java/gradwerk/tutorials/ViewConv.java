package gradwerk.tutorials;

import gradwerk.autograd.Variable;
import gradwerk.tensor.Tensor;

/**
 * Chapter 6's convolution, built only from ops chapters 2 and 4 already have: views (slice, reshape, expand),
 * {@code stack}, {@code cat} and a batched {@code matmul}. Autograd differentiates it without a single new rule.
 * Slow next to a dedicated kernel, and exactly as correct.
 */
public final class ViewConv {
    private ViewConv() {}

    /**
     * im2col: every k x k window of x [N, C, H, W] (no padding, stride 1) as one column, giving
     * [N, C·k·k, H'·W'] with H' = H - k + 1. Row (c, ky, kx) of the result is channel c shifted by (ky, kx): one
     * slice of x per kernel offset, stacked.
     */
    public static Variable im2col(Variable x, int k) {
        int n = x.size(0), c = x.size(1), ho = x.size(2) - k + 1, wo = x.size(3) - k + 1;
        Variable[] shifted = new Variable[k * k];
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++)
                shifted[ky * k + kx] = x.slice(2, ky, ky + ho, 1).slice(3, kx, kx + wo, 1); // [N, C, H', W']
        return Variable.stack(2, shifted).reshape(n, c * k * k, ho * wo);             // [N, C, k², H', W'] → ...
    }

    /** Zero padding of p pixels on every side of the last two dims. */
    public static Variable pad(Variable x, int p) {
        if (p == 0) return x;
        int n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        Variable rows = Variable.constant(Tensor.zeros(x.dtype(), n, c, p, w));
        x = Variable.cat(2, rows, x, rows);
        Variable cols = Variable.constant(Tensor.zeros(x.dtype(), n, c, h + 2 * p, p));
        return Variable.cat(3, cols, x, cols);
    }

    /**
     * A 2-d convolution (cross-correlation, as in every deep-learning library), stride 1: x [N, C, H, W], weight
     * [O, C, k, k], bias [O]. It is one matrix product: weights as a matrix [O, C·k·k] times the columns.
     */
    public static Variable conv2d(Variable x, Variable weight, Variable bias, int padding) {
        int o = weight.size(0), k = weight.size(2);
        Variable cols = im2col(pad(x, padding), k);                          // [N, C·k·k, H'·W']
        Variable y = weight.reshape(o, -1).matmul(cols).add(bias.reshape(o, 1)); // [N, O, H'·W']
        int ho = x.size(2) + 2 * padding - k + 1, wo = x.size(3) + 2 * padding - k + 1;
        return y.reshape(x.size(0), o, ho, wo);
    }

    /** 2 x 2 max pooling, stride 2: each 2 x 2 block becomes its own two dims, then max over them. */
    public static Variable maxPool2(Variable x) {
        int n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        return x.reshape(n, c, h / 2, 2, w / 2, 2).max(3, 5);
    }

    /** Nearest-neighbour upsampling by 2: every pixel becomes a 2 x 2 block (an expand, then a copy). */
    public static Variable upsample2(Variable x) {
        int n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        return x.reshape(n, c, h, 1, w, 1).expand(n, c, h, 2, w, 2).reshape(n, c, 2 * h, 2 * w);
    }
}

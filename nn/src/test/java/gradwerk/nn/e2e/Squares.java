package gradwerk.nn.e2e;

import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;

/**
 * A toy image task: a bright 4×4 square on a noisy 16×16 background. Labels: which half the square is in (class
 * 0 left, 1 right), and the per-pixel mask (1 inside the square).
 */
record Squares(Tensor images, Tensor halves, Tensor masks) {
    static final int SIZE = 16, SQUARE = 4;

    /** A batch of n samples drawn from g. */
    static Squares batch(Generator g, int n) {
        float[] img = new float[n * SIZE * SIZE], mask = new float[n * SIZE * SIZE], half = new float[n];
        for (int i = 0; i < n; i++) {
            int r = g.nextInt(SIZE - SQUARE + 1), c;
            half[i] = g.nextInt(2);
            c = half[i] == 0 ? g.nextInt(SIZE / 2 - SQUARE + 1) : SIZE / 2 + g.nextInt(SIZE / 2 - SQUARE + 1);
            for (int p = 0; p < SIZE * SIZE; p++) img[i * SIZE * SIZE + p] = (float) (0.2 * g.nextGaussian());
            for (int y = r; y < r + SQUARE; y++)
                for (int x = c; x < c + SQUARE; x++) {
                    img[i * SIZE * SIZE + y * SIZE + x] += 1;
                    mask[i * SIZE * SIZE + y * SIZE + x] = 1;
                }
        }
        return new Squares(Tensor.of(img, n, 1, SIZE, SIZE), Tensor.of(half, n), Tensor.of(mask, n, SIZE, SIZE));
    }
}

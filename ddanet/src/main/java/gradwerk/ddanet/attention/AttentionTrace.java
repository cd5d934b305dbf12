package gradwerk.ddanet.attention;

/**
 * Where one query pixel looked, in the last loop of a {@link DeformableCrissCrossAttention} forward pass: for each of
 * its S = H+W−1 slots the criss-cross base position, the sampled position (base + learned offset) and the attention
 * weight (the weights sum to 1). Positions are pixel coordinates of the H×W feature map, x along the width (column),
 * y along the height (row); slot order as in the block ({@code 0..W-1} the row, then the column without the centre).
 */
public record AttentionTrace(int batch, int row, int col, int height, int width, int loop,
                             double[] baseX, double[] baseY, double[] sampleX, double[] sampleY, double[] weights) {

    /** S. */
    public int slots() { return weights.length; }

    /** The offset of slot s: (Δx, Δy) = sample − base. */
    public double[] offset(int s) { return new double[] {sampleX[s] - baseX[s], sampleY[s] - baseY[s]}; }

    /**
     * The same trace in the coordinates of an image {@code stride} times larger (16 for a U-Net bottleneck): a
     * feature pixel p covers image pixels [p·stride, (p+1)·stride), so it maps to its centre p·stride + (stride−1)/2.
     */
    public AttentionTrace inImage(int stride) {
        double c = (stride - 1) / 2.0;
        return new AttentionTrace(batch, row, col, height * stride, width * stride, loop, scale(baseX, stride, c),
                scale(baseY, stride, c), scale(sampleX, stride, c), scale(sampleY, stride, c), weights.clone());
    }

    private static double[] scale(double[] p, int stride, double c) {
        double[] out = new double[p.length];
        for (int i = 0; i < p.length; i++) out[i] = p[i] * stride + c;
        return out;
    }

    /** One line per slot: base → sample, weight. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(String.format(java.util.Locale.ROOT,
                "AttentionTrace(batch %d, pixel (row %d, col %d) of %dx%d, loop %d, %d slots)", batch, row, col, height, width, loop, slots()));
        for (int s = 0; s < slots(); s++)
            sb.append(String.format(java.util.Locale.ROOT, "%n  slot %2d: (%.2f, %.2f) → (%.3f, %.3f)  weight %.4f", s,
                    baseX[s], baseY[s], sampleX[s], sampleY[s], weights[s]));
        return sb.toString();
    }
}

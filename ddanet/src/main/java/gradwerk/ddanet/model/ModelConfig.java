package gradwerk.ddanet.model;

/**
 * The settings shared by the three segmentation models ({@code unet}, {@code cca}, {@code ddanet}); build them with
 * {@link Models#create}.
 *
 * @param inChannels     image channels (1 for CT slices)
 * @param classes        output classes: 3 (background, ground-glass opacity, consolidation)
 * @param baseChannels   channels of the first U-Net level; level k has {@code baseChannels·2^k} (16 → 16,32,64,128,256)
 * @param attentionLoops R, how often the bottleneck attention block is applied (shared weights); 2 in CCNet/DDANet
 * @param alignCorners   the one align_corners convention of the model: the decoder's bilinear ×2 upsampling and the
 *                       deformable block's grid sampling both use it
 * @param imageSize      the (square) input size the model is built for; must be divisible by 16. Only {@code ddanet}
 *                       depends on it (its offset convolution predicts 2·(H+W−1) channels for the H×W bottleneck);
 *                       {@code unet} and {@code cca} accept any size divisible by 16
 */
public record ModelConfig(int inChannels, int classes, int baseChannels, int attentionLoops, boolean alignCorners,
                          int imageSize) {

    /** Down-sampling steps of the U-Net: the bottleneck is {@code imageSize / 16}. */
    public static final int DOWNSAMPLINGS = 4;
    /** How much smaller the bottleneck is than the input: 2^{@link #DOWNSAMPLINGS}. */
    public static final int BOTTLENECK_STRIDE = 1 << DOWNSAMPLINGS;

    public ModelConfig {
        if (inChannels < 1 || classes < 1 || baseChannels < 1 || attentionLoops < 1)
            throw new IllegalArgumentException("ModelConfig: inChannels " + inChannels + ", classes " + classes
                    + ", baseChannels " + baseChannels + " and attentionLoops " + attentionLoops + " must all be >= 1");
        if (imageSize < BOTTLENECK_STRIDE || imageSize % BOTTLENECK_STRIDE != 0)
            throw new IllegalArgumentException("ModelConfig: imageSize " + imageSize + " must be a positive multiple of "
                    + BOTTLENECK_STRIDE + " (the U-Net halves it " + DOWNSAMPLINGS + " times)");
    }

    /** inChannels 1, classes 3, baseChannels 16, attentionLoops 2, alignCorners true, imageSize 256. */
    public static ModelConfig defaults() {
        return new ModelConfig(1, 3, 16, 2, true, 256);
    }

    public ModelConfig withInChannels(int v) { return new ModelConfig(v, classes, baseChannels, attentionLoops, alignCorners, imageSize); }
    public ModelConfig withClasses(int v) { return new ModelConfig(inChannels, v, baseChannels, attentionLoops, alignCorners, imageSize); }
    public ModelConfig withBaseChannels(int v) { return new ModelConfig(inChannels, classes, v, attentionLoops, alignCorners, imageSize); }
    public ModelConfig withAttentionLoops(int v) { return new ModelConfig(inChannels, classes, baseChannels, v, alignCorners, imageSize); }
    public ModelConfig withAlignCorners(boolean v) { return new ModelConfig(inChannels, classes, baseChannels, attentionLoops, v, imageSize); }
    public ModelConfig withImageSize(int v) { return new ModelConfig(inChannels, classes, baseChannels, attentionLoops, alignCorners, v); }

    /** Channels of U-Net level {@code level} (0 = full resolution, 4 = bottleneck). */
    public int channels(int level) { return baseChannels << level; }

    /** Side of the bottleneck feature map: {@code imageSize / 16}. */
    public int bottleneckSize() { return imageSize / BOTTLENECK_STRIDE; }
}

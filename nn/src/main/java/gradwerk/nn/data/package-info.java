/**
 * Feeding training: a {@link gradwerk.nn.data.Dataset} of samples, a {@link gradwerk.nn.data.DataLoader} that
 * shuffles per epoch (reproducibly, so resumed runs see the same batches) and prefetches on a background thread,
 * and {@link gradwerk.nn.data.Transforms} for segmentation augmentation (flips, intensity jitter, random affine
 * warps in PyTorch's affine_grid convention).
 */
package gradwerk.nn.data;

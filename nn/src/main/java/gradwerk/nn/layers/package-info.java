/**
 * Layers as {@link gradwerk.nn.Module}s, with PyTorch's parameter names, shapes and default initialisation:
 * convolutions, normalisations, pooling, resizing, dropout, linear, activations.
 */
package gradwerk.nn.layers;

/**
 * The differentiable nn ops, PyTorch's {@code torch.nn.functional}: {@link gradwerk.nn.functional.F} names them
 * all; the op families ({@code ConvOps}, {@code PoolOps}, {@code SamplingOps}, {@code NormOps}, {@code PadOps}) wrap
 * the tensor module's forward and backward kernels ({@code gradwerk.tensor.nn}) as autograd nodes and register each
 * op with a gradient-check case.
 */
package gradwerk.nn.functional;

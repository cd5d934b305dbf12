/**
 * Neural-network building blocks on top of autograd, PyTorch's {@code torch.nn}: {@link gradwerk.nn.Module} (a tree
 * of named {@link gradwerk.nn.Parameter}s, buffers and children, with state dicts and train/eval mode),
 * {@link gradwerk.nn.Sequential}, and the sub-packages: {@code layers}, {@code functional} (the differentiable ops,
 * {@code F}), {@code loss}, {@code optim}, {@code init}, {@code io} (safetensors, checkpoints), {@code data},
 * {@code metrics}. See nn/README.md.
 */
package gradwerk.nn;

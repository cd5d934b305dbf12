/**
 * Optimisation: {@link gradwerk.nn.optim.SGD}, {@link gradwerk.nn.optim.Adam} and {@link gradwerk.nn.optim.AdamW}
 * (PyTorch's update equations, state as named tensors and numbers for {@link gradwerk.nn.io.Checkpoint}),
 * {@link gradwerk.nn.optim.GradClip}, and learning-rate {@link gradwerk.nn.optim.Schedules}: pure functions of the
 * step, so they need no checkpointing.
 */
package gradwerk.nn.optim;

/**
 * Optimisation helpers. For now the learning-rate {@link gradwerk.nn.optim.Schedules}: pure functions of the step,
 * so they need no checkpointing. Optimisers join this package once parameters exist.
 */
package gradwerk.nn.optim;

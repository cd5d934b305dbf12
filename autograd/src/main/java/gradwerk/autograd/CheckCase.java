package gradwerk.autograd;

/**
 * One way of exercising an op for a gradient check: draws a random instance (shapes, values away from the op's
 * kinks, memory layouts, op parameters) from a {@link Sampler} and returns the function and inputs to check.
 *
 * <pre>{@code
 * s -> GradCheck.Problem.of("a*b, broadcast", v -> v[0].mul(v[1]), s.normal(pair[0]), s.normal(pair[1]))
 * }</pre>
 *
 * The same case runs under {@link GradCheckAll} (fixed seeds) and under the jqwik property over all registered ops
 * (random seeds).
 */
@FunctionalInterface
public interface CheckCase {
    GradCheck.Problem sample(Sampler s);
}

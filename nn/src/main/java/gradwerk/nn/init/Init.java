package gradwerk.nn.init;

import gradwerk.tensor.Generator;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

/**
 * Weight initialisation, PyTorch's {@code torch.nn.init}: each method overwrites a tensor in place with numbers
 * drawn from a seeded {@link Generator} (same seed, same weights, on every machine) and returns it.
 *
 * <p>The scale comes from the fans of a weight [out, in, k...]: {@code fanIn = in·Πk}, {@code fanOut = out·Πk}.
 * <ul>
 * <li>He/Kaiming (He et al. 2015): {@code std = gain/√fan}, keeping activations' variance constant through ReLU
 *     layers ({@code gain = √2});</li>
 * <li>Xavier/Glorot (Glorot and Bengio 2010): {@code std = gain·√(2/(fanIn+fanOut))}, for tanh/sigmoid nets;</li>
 * <li>a uniform distribution on [-b, b] has std b/√3, so the uniform variants use {@code b = √3·std}.</li>
 * </ul>
 * PyTorch's default for Conv and Linear weights is {@code kaimingUniform(w, √5, FAN_IN, LEAKY_RELU)}, which works out
 * to U(-1/√fanIn, 1/√fanIn); their biases are U(-1/√fanIn, 1/√fanIn) too ({@link #defaultLayer}).
 */
public final class Init {
    private Init() {}

    /** Which fan the scale is based on: FAN_IN keeps the forward pass's variance, FAN_OUT the backward pass's. */
    public enum Mode { FAN_IN, FAN_OUT }

    /** The non-linearity that follows the layer, for {@link #gain}. */
    public enum Nonlinearity { LINEAR, SIGMOID, TANH, RELU, LEAKY_RELU }

    /** PyTorch's {@code calculate_gain}; {@code param} is the leaky ReLU slope (0.01 if negative). */
    public static double gain(Nonlinearity f, double param) {
        return switch (f) {
            case LINEAR, SIGMOID -> 1;
            case TANH -> 5.0 / 3;
            case RELU -> Math.sqrt(2);
            case LEAKY_RELU -> {
                double slope = param < 0 ? 0.01 : param;
                yield Math.sqrt(2 / (1 + slope * slope));
            }
        };
    }

    /** {fanIn, fanOut} of a weight of shape [out, in, k...] (at least 2-d). */
    public static int[] fans(int[] shape) {
        if (shape.length < 2)
            throw new IllegalArgumentException("init: fans need a weight with at least 2 dims, got " + Shape.str(shape));
        int receptive = 1;
        for (int i = 2; i < shape.length; i++) receptive *= shape[i];
        return new int[] {shape[1] * receptive, shape[0] * receptive};
    }

    // ---------------------------------------------------------------- He / Kaiming

    /** U(-b, b) with {@code b = gain(f, a)·√(3/fan)}; {@code a} is the leaky ReLU slope (PyTorch's argument). */
    public static Tensor kaimingUniform(Tensor w, double a, Mode mode, Nonlinearity f, Generator g) {
        double bound = Math.sqrt(3) * gain(f, a) / Math.sqrt(fan(w, mode));
        return uniform(w, -bound, bound, g);
    }

    /** N(0, std²) with {@code std = gain(f, a)/√fan}. */
    public static Tensor kaimingNormal(Tensor w, double a, Mode mode, Nonlinearity f, Generator g) {
        return normal(w, 0, gain(f, a) / Math.sqrt(fan(w, mode)), g);
    }

    /** He initialisation for a ReLU network: N(0, 2/fanIn). */
    public static Tensor kaimingNormal(Tensor w, Generator g) {
        return kaimingNormal(w, 0, Mode.FAN_IN, Nonlinearity.RELU, g);
    }

    // ---------------------------------------------------------------- Xavier / Glorot

    /** U(-b, b) with {@code b = gain·√(6/(fanIn+fanOut))}. */
    public static Tensor xavierUniform(Tensor w, double gain, Generator g) {
        int[] f = fans(w.shape());
        double bound = gain * Math.sqrt(6.0 / (f[0] + f[1]));
        return uniform(w, -bound, bound, g);
    }

    /** N(0, std²) with {@code std = gain·√(2/(fanIn+fanOut))}. */
    public static Tensor xavierNormal(Tensor w, double gain, Generator g) {
        int[] f = fans(w.shape());
        return normal(w, 0, gain * Math.sqrt(2.0 / (f[0] + f[1])), g);
    }

    // ---------------------------------------------------------------- PyTorch's layer defaults

    /**
     * What PyTorch's Conv2d, ConvTranspose2d and Linear do in {@code reset_parameters}: weight
     * {@code kaimingUniform(a=√5)} = U(±1/√fanIn), bias U(±1/√fanIn) with the weight's fanIn (bias may be null).
     */
    public static void defaultLayer(Tensor weight, Tensor bias, Generator g) {
        kaimingUniform(weight, Math.sqrt(5), Mode.FAN_IN, Nonlinearity.LEAKY_RELU, g);
        if (bias != null) {
            int fanIn = fans(weight.shape())[0];
            double bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
            uniform(bias, -bound, bound, g);
        }
    }

    // ---------------------------------------------------------------- plain distributions

    /** U(low, high), in place. */
    public static Tensor uniform(Tensor t, double low, double high, Generator g) {
        double[] d = new double[t.numel()];
        for (int i = 0; i < d.length; i++) d[i] = low + (high - low) * g.nextDouble();
        return t.copyFrom(Tensor.of(d, t.shape()));
    }

    /** N(mean, std²), in place. */
    public static Tensor normal(Tensor t, double mean, double std, Generator g) {
        double[] d = new double[t.numel()];
        for (int i = 0; i < d.length; i++) d[i] = mean + std * g.nextGaussian();
        return t.copyFrom(Tensor.of(d, t.shape()));
    }

    public static Tensor constant(Tensor t, double value) { return t.fill(value); }
    public static Tensor zeros(Tensor t) { return t.fill(0); }
    public static Tensor ones(Tensor t) { return t.fill(1); }

    private static int fan(Tensor w, Mode mode) {
        int[] f = fans(w.shape());
        int fan = mode == Mode.FAN_IN ? f[0] : f[1];
        if (fan == 0) throw new IllegalArgumentException("init: weight " + Shape.str(w.shape()) + " has a zero fan");
        return fan;
    }
}

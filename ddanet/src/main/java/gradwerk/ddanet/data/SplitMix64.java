package gradwerk.ddanet.data;

/**
 * SplitMix64, a tiny pseudo-random generator (Steele, Lea and Flood, 2014): the state advances by a fixed odd
 * constant and each output is that state run through a bit mixer.
 *
 * <p>Why not {@link java.util.Random}? Its sequence is specified too, but {@code nextGaussian} goes through
 * {@link Math#log} and {@link Math#sqrt}, and {@code Math} functions may differ in the last bit between JVMs and
 * CPUs. Here every operation is integer arithmetic, IEEE double arithmetic (exact and identical on every Java
 * 17+ machine) or {@link StrictMath}, whose results are fixed bit for bit. So a synthetic dataset generated from
 * a seed is the same everywhere.
 */
public final class SplitMix64 {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private long state;
    private double spareGaussian = Double.NaN;

    public SplitMix64(long seed) {
        this.state = seed;
    }

    /** A generator for item {@code index} of stream {@code stream} under {@code seed}, independent of the others. */
    public static SplitMix64 derive(long seed, long index, long stream) {
        return new SplitMix64(mix(mix(seed ^ mix(index + GOLDEN_GAMMA)) + stream * GOLDEN_GAMMA));
    }

    /** The SplitMix64 output function: a bijective mixer of 64 bits. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** 64 random bits. */
    public long nextLong() {
        state += GOLDEN_GAMMA;
        return mix(state);
    }

    /** Uniform in {@code [0, 1)}, with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in {@code [lo, hi)}. */
    public double uniform(double lo, double hi) {
        return lo + (hi - lo) * nextDouble();
    }

    /** Uniform in {@code [0, bound)}. */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound " + bound + " <= 0");
        return (int) (nextDouble() * bound);
    }

    /** True with probability {@code p}. */
    public boolean chance(double p) {
        return nextDouble() < p;
    }

    /** Standard normal, by the Box–Muller transform (each call pair uses two uniforms). */
    public double gaussian() {
        if (!Double.isNaN(spareGaussian)) {
            double g = spareGaussian;
            spareGaussian = Double.NaN;
            return g;
        }
        double u1 = 1.0 - nextDouble(); // in (0, 1]: log(0) must not happen
        double u2 = nextDouble();
        double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
        double theta = 2.0 * StrictMath.PI * u2;
        spareGaussian = r * StrictMath.sin(theta);
        return r * StrictMath.cos(theta);
    }
}

package gradwerk.tensor;

/**
 * A seeded random number generator whose numbers are the same on every machine and JVM: xoshiro256** (Blackman
 * and Vigna, 2018) seeded through SplitMix64, with Gaussian numbers from the Box–Muller transform computed with
 * {@link StrictMath} (whose results are bit-for-bit specified, unlike {@link Math}).
 *
 * <p>The whole state is four longs, which checkpoints save so that a resumed run draws the same numbers as an
 * uninterrupted one.
 */
public final class Generator {
    private long s0, s1, s2, s3;
    private double spareGaussian;
    private boolean hasSpare;

    public Generator(long seed) {
        long x = seed;
        s0 = x = splitMix(x);
        s1 = x = splitMix(x);
        s2 = x = splitMix(x);
        s3 = splitMix(x);
    }

    /** SplitMix64 step: spreads a seed over all bits so that nearby seeds give unrelated streams. */
    private static long splitMix(long x) {
        long z = x + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** 64 random bits. */
    public long nextLong() {
        long result = Long.rotateLeft(s1 * 5, 7) * 9;
        long t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Long.rotateLeft(s3, 45);
        return result;
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform integer in [0, bound), without modulo bias. */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("Generator.nextInt: bound " + bound + " <= 0");
        long limit = Long.remainderUnsigned(-1L, bound); // reject the uneven top of the 64-bit range
        while (true) {
            long r = nextLong();
            if (Long.compareUnsigned(r, -1L - limit) <= 0 || limit == bound - 1) return (int) Long.remainderUnsigned(r, bound);
        }
    }

    /** Standard normal (mean 0, variance 1). */
    public double nextGaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spareGaussian;
        }
        double u1;
        do u1 = nextDouble(); while (u1 == 0.0);
        double u2 = nextDouble();
        double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
        double theta = 2.0 * StrictMath.PI * u2;
        spareGaussian = r * StrictMath.sin(theta);
        hasSpare = true;
        return r * StrictMath.cos(theta);
    }

    /** Shuffles an array in place (Fisher–Yates). */
    public void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** The full state (for checkpoints): four xoshiro words, the spare Gaussian's bits and a flag. */
    public long[] state() {
        return new long[] {s0, s1, s2, s3, Double.doubleToRawLongBits(spareGaussian), hasSpare ? 1 : 0};
    }

    /** Restores a state from {@link #state()}. */
    public void setState(long[] st) {
        if (st.length != 6) throw new IllegalArgumentException("Generator.setState: expected 6 longs, got " + st.length);
        s0 = st[0]; s1 = st[1]; s2 = st[2]; s3 = st[3];
        spareGaussian = Double.longBitsToDouble(st[4]);
        hasSpare = st[5] != 0;
    }

    /** An independent generator derived from this one (e.g. one per data-loader worker). */
    public Generator fork() {
        return new Generator(nextLong());
    }
}

package gradwerk.tensor.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector width every CPU kernel uses, chosen once at start-up (like llama3.java's switch).
 *
 * <p>System property {@code gradwerk.simd.bits}: 0 = plain scalar loops, or 128 / 256 / 512 bits. Default: the
 * widest the host CPU supports. The species live in static finals so the JIT treats them as constants: the Vector
 * API only compiles to SIMD instructions when the species is a constant. A width wider than the hardware still
 * works (the Vector API emulates it, slowly), which is how the tests check every width on any CPU: Surefire runs
 * the kernel tests once per width in separate JVMs (see tensor/pom.xml).
 */
public final class Simd {
    /** Bits per vector, 0 when kernels run as plain scalar loops. */
    public static final int BITS = chooseBits();
    /** True when kernels must use their scalar loops. */
    public static final boolean SCALAR = BITS == 0;
    /** Float species of {@link #BITS} (preferred species when scalar, unused then). */
    public static final VectorSpecies<Float> F = SCALAR ? FloatVector.SPECIES_PREFERRED
            : FloatVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(BITS));
    /** Double species of {@link #BITS}. */
    public static final VectorSpecies<Double> D = SCALAR ? DoubleVector.SPECIES_PREFERRED
            : DoubleVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(BITS));

    private Simd() {}

    private static int chooseBits() {
        String prop = System.getProperty("gradwerk.simd.bits");
        if (prop == null || prop.isBlank()) return FloatVector.SPECIES_PREFERRED.vectorBitSize();
        int bits;
        try {
            bits = Integer.parseInt(prop.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("gradwerk.simd.bits: '" + prop + "' is not one of 0, 128, 256, 512");
        }
        if (bits != 0 && bits != 128 && bits != 256 && bits != 512)
            throw new IllegalArgumentException("gradwerk.simd.bits: " + bits + " is not one of 0, 128, 256, 512");
        return bits;
    }

    /**
     * The sum of v's lanes, added in lane order. {@code reduceLanes(ADD)} may add them in another order once the
     * JIT compiles it (its javadoc allows that for floating point), so the same call could give a different last
     * bit early and late in a run; this keeps every kernel that reduces deterministic. Lane by lane rather than
     * through {@code toArray()}, whose array the JIT does not always eliminate: in the grid-sampling contractions,
     * which reduce short dot products, that array was 80 MB of garbage per DDANet training step.
     */
    public static float sumLanes(FloatVector v) {
        float s = 0f;
        for (int i = 0; i < v.length(); i++) s += v.lane(i);
        return s;
    }

    /** {@link #sumLanes(FloatVector)} for doubles. */
    public static double sumLanes(DoubleVector v) {
        double s = 0;
        for (int i = 0; i < v.length(); i++) s += v.lane(i);
        return s;
    }

    /** A one-line description, e.g. {@code "simd=512 bits (16 float lanes)"}. */
    public static String describe() {
        return SCALAR ? "simd=scalar" : "simd=" + BITS + " bits (" + F.length() + " float lanes)";
    }
}

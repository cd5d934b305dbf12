package gradwerk.ddanet.data;

/**
 * A CT display window: maps Hounsfield units (HU) linearly onto {@code [0, 1]}, clamping outside.
 *
 * <p>A window is a {@code center} (level) and a {@code width}: values at or below {@code center - width/2} become
 * 0, values at or above {@code center + width/2} become 1. The lung window {@code -600 / 1500} spans -1350 HU
 * (below air, -1000) to +150 HU (soft tissue is about +40, bone several hundred), which is how the PNG slices of
 * MedSeg-100 look: air black, lungs dark gray, soft tissue light gray, bone white.
 */
public record HuWindow(double center, double width) {
    /** The usual lung window: center -600 HU, width 1500 HU. */
    public static final HuWindow LUNG = new HuWindow(-600, 1500);
    /** A soft-tissue (mediastinal) window: center 40 HU, width 400 HU. */
    public static final HuWindow MEDIASTINUM = new HuWindow(40, 400);

    public HuWindow {
        if (!(width > 0) || !Double.isFinite(width) || !Double.isFinite(center)) {
            throw new IllegalArgumentException("HuWindow: center " + center + ", width " + width
                    + "; the width must be positive and both finite");
        }
    }

    /** The lowest HU that maps above 0. */
    public double lower() {
        return center - width / 2;
    }

    /** The highest HU that maps below 1. */
    public double upper() {
        return center + width / 2;
    }

    /** {@code hu} mapped to {@code [0, 1]}; NaN maps to 0. */
    public float apply(double hu) {
        double t = (hu - lower()) / width;
        return t > 0 ? (float) Math.min(t, 1.0) : 0f; // written so that NaN fails "t > 0" and becomes 0
    }

    /** Every value of {@code hu} mapped to {@code [0, 1]}, into a new array. */
    public float[] apply(float[] hu) {
        float[] out = new float[hu.length];
        for (int i = 0; i < out.length; i++) out[i] = apply(hu[i]);
        return out;
    }
}

package gradwerk.ddanet.data;

/**
 * The shapes the synthetic CT phantom ({@link SyntheticCt}) is drawn with, in normalised coordinates: the image
 * spans {@code [-1, 1]} in both u (left to right) and v (top to bottom).
 *
 * <p>Each shape gives an approximate <em>signed distance</em>: negative inside, positive outside, about the
 * Euclidean distance to the outline near it. Drawing with distances (instead of inside/outside) makes edges easy
 * to soften: an edge {@code w} wide is a ramp of the distance from {@code +w/2} to {@code -w/2}
 * ({@link #smooth}); and the exact label mask of a lesion is simply "distance &lt; 0".
 */
final class PhantomShapes {
    private PhantomShapes() {}

    /** An axis-aligned box in normalised coordinates, for visiting only the pixels a shape can touch. */
    record Box(double u0, double v0, double u1, double v1) {}

    /** A shape with a signed distance and a bounding box. */
    interface Shape {
        double distance(double u, double v);

        Box bounds();
    }

    /**
     * A rotated ellipse whose radius is modulated by a few harmonics:
     * {@code r(phi) = 1 + sum_k amp[k] cos((k + 2) phi + phase[k])} (k + 2: harmonic 1 would just shift the
     * blob). With no harmonics it is an ellipse; with amplitudes of 0.1 to 0.3 it is an irregular lesion outline.
     */
    static final class Blob implements Shape {
        final double cu, cv, ru, rv;
        private final double cos, sin;
        private final double[] amp, cosPhase, sinPhase;

        Blob(double cu, double cv, double ru, double rv, double angle, double[] amp, double[] phase) {
            this.cu = cu;
            this.cv = cv;
            this.ru = ru;
            this.rv = rv;
            this.cos = StrictMath.cos(angle);
            this.sin = StrictMath.sin(angle);
            this.amp = amp.clone();
            this.cosPhase = new double[phase.length];
            this.sinPhase = new double[phase.length];
            for (int k = 0; k < phase.length; k++) {
                cosPhase[k] = StrictMath.cos(phase[k]);
                sinPhase[k] = StrictMath.sin(phase[k]);
            }
        }

        static Blob ellipse(double cu, double cv, double ru, double rv) {
            return new Blob(cu, cv, ru, rv, 0, new double[0], new double[0]);
        }

        /** The geometric mean radius, a size for edge widths. */
        double meanRadius() {
            return StrictMath.sqrt(ru * rv);
        }

        @Override
        public double distance(double u, double v) {
            double du = u - cu, dv = v - cv;
            double x = (du * cos + dv * sin) / ru, y = (-du * sin + dv * cos) / rv;
            double rho = StrictMath.sqrt(x * x + y * y);
            double radius = 1;
            if (amp.length > 0 && rho > 0) {
                // cos(n phi + phase) without trigonometric calls: with c = cos(phi) = x/rho, s = sin(phi) = y/rho,
                // (cos n phi, sin n phi) advance to n + 1 by the angle-addition formulas.
                double c = x / rho, s = y / rho;
                double cn = c * c - s * s, sn = 2 * c * s; // n = 2
                for (int k = 0; k < amp.length; k++) {
                    radius += amp[k] * (cn * cosPhase[k] - sn * sinPhase[k]);
                    double next = cn * c - sn * s;
                    sn = sn * c + cn * s;
                    cn = next;
                }
            }
            // (rho - radius) is in units of the radii; scaling by the smaller radius gives roughly a distance
            // (exact on a circle, an under-estimate on an ellipse).
            return (rho - radius) * Math.min(ru, rv);
        }

        @Override
        public Box bounds() {
            double grow = 1;
            for (double a : amp) grow += Math.abs(a);
            double r = Math.max(ru, rv) * grow;
            return new Box(cu - r, cv - r, cu + r, cv + r);
        }
    }

    /** A line segment thickened by {@code radius}: a vessel piece. Distance is to the segment, minus the radius. */
    record Capsule(double u0, double v0, double u1, double v1, double radius) implements Shape {
        @Override
        public double distance(double u, double v) {
            double du = u1 - u0, dv = v1 - v0;
            double len2 = du * du + dv * dv;
            double t = len2 == 0 ? 0 : Math.clamp(((u - u0) * du + (v - v0) * dv) / len2, 0.0, 1.0);
            double eu = u - (u0 + t * du), ev = v - (v0 + t * dv);
            return StrictMath.sqrt(eu * eu + ev * ev) - radius;
        }

        @Override
        public Box bounds() {
            double r = 3 * radius; // room for a soft fall-off outside the radius
            return new Box(Math.min(u0, u1) - r, Math.min(v0, v1) - r, Math.max(u0, u1) + r, Math.max(v0, v1) + r);
        }
    }

    /** A smooth random field: a sum of plane waves {@code cos(ku u + kv v + phase)}, roughly in [-1.5, 1.5]. */
    record Waves(double[] ku, double[] kv, double[] phase) {
        Waves(SplitMix64 r, int n, double minFreq, double maxFreq) {
            this(new double[n], new double[n], new double[n]);
            for (int i = 0; i < n; i++) {
                double f = r.uniform(minFreq, maxFreq), angle = r.uniform(0, 2 * StrictMath.PI);
                ku[i] = f * StrictMath.cos(angle);
                kv[i] = f * StrictMath.sin(angle);
                phase[i] = r.uniform(0, 2 * StrictMath.PI);
            }
        }

        /**
         * The field at every pixel of a {@code size × size} canvas, zoomed by {@code zoom} and shifted (so one
         * set of waves gives several unrelated-looking textures). Each wave splits into a column part and a row
         * part, {@code cos(a + b) = cos a cos b - sin a sin b}, so only 4 trigonometric calls per wave per row or
         * column are needed, not one per pixel.
         */
        float[] sample(int size, double zoom, double shiftU, double shiftV) {
            double[] field = new double[size * size];
            double[] ca = new double[size], sa = new double[size];
            for (int w = 0; w < ku.length; w++) {
                for (int col = 0; col < size; col++) {
                    double a = ku[w] * (zoom * ((2.0 * col + 1) / size - 1) + shiftU) + phase[w];
                    ca[col] = StrictMath.cos(a);
                    sa[col] = StrictMath.sin(a);
                }
                for (int row = 0; row < size; row++) {
                    double b = kv[w] * (zoom * ((2.0 * row + 1) / size - 1) + shiftV);
                    double cb = StrictMath.cos(b), sb = StrictMath.sin(b);
                    for (int col = 0; col < size; col++) field[row * size + col] += ca[col] * cb - sa[col] * sb;
                }
            }
            float[] out = new float[field.length];
            double norm = 1 / StrictMath.sqrt(ku.length);
            for (int i = 0; i < out.length; i++) out[i] = (float) (field[i] * norm);
            return out;
        }
    }

    /** A smooth step from 1 (distance {@code <= -width/2}) to 0 (distance {@code >= width/2}); 0.5 on the outline. */
    static double smooth(double distance, double width) {
        double t = Math.clamp(0.5 - distance / width, 0.0, 1.0);
        return t * t * (3 - 2 * t);
    }

    /** {@code a + (b - a) * t}. */
    static double mix(double a, double b, double t) {
        return a + (b - a) * t;
    }
}

package gradwerk.ddanet.data;

import gradwerk.ddanet.data.PhantomShapes.Blob;
import gradwerk.ddanet.data.PhantomShapes.Box;
import gradwerk.ddanet.data.PhantomShapes.Capsule;
import gradwerk.ddanet.data.PhantomShapes.Shape;
import gradwerk.ddanet.data.PhantomShapes.Waves;
import java.util.ArrayList;
import java.util.List;

/**
 * A synthetic chest-CT phantom with exact GGO and consolidation masks: data for tests, demos and a first
 * training run that needs no download.
 *
 * <p>Each slice is drawn in lung-window intensities like the MedSeg-100 PNGs (air ≈ 0, lung ≈ 0.25, soft tissue
 * ≈ 0.85, bone ≈ 1), in this order:
 * <ol>
 *   <li>an elliptical body with a darker fat rim, ribs along the rim, a spine at the back, a heart between the lungs;</li>
 *   <li>two lung fields (dark, with a faint texture and denser toward the back, as lying patients' lungs are);</li>
 *   <li>vessels: branching trees from each hilum plus round cross-sections: small bright structures that are
 *       <em>not</em> lesions, so a model must tell thin or tiny from large;</li>
 *   <li>ground-glass patches (label 1): irregular blobs that raise the intensity mildly with soft edges and a
 *       patchy texture, and leave the vessels visible through them;</li>
 *   <li>consolidation patches (label 2): denser, sharper-edged blobs near soft-tissue intensity that hide the
 *       vessels, sometimes crossed by dark air bronchi, often inside a ground-glass patch;</li>
 *   <li>Gaussian noise.</li>
 * </ol>
 * Lesions are clipped to the lungs. A pixel is labelled exactly where the lesion's signed distance is negative
 * (its soft edge is half-way there) and the pixel lies in the lung. Counts, positions, sizes and strengths vary
 * per slice; about one slice in four has no consolidation, a few have no lesion at all.
 *
 * <p>Deterministic: the same {@code (seed, index, size)} gives the same slice on every machine ({@link SplitMix64}
 * and {@link StrictMath} only). The anatomy is drawn in size-independent coordinates, so one index at two sizes
 * shows the same patient; only the pixel noise differs.
 */
public final class SyntheticCt {
    private static final double AIR = 0.02, FAT = 0.80, MUSCLE = 0.88, BONE = 0.98, VESSEL = 0.70;
    private static final int SMALLEST = 16;

    private final long seed;

    public SyntheticCt(long seed) {
        this.seed = seed;
    }

    public long seed() {
        return seed;
    }

    /** Slice {@code index} ({@code >= 0}) as a {@code size × size} image ({@code size >= 16}). */
    public CtSlice generate(int index, int size) {
        if (index < 0) throw new IllegalArgumentException("SyntheticCt: index " + index + " < 0");
        if (size < SMALLEST) throw new IllegalArgumentException("SyntheticCt: size " + size + " < " + SMALLEST);
        SplitMix64 shapes = SplitMix64.derive(seed, index, 1), noise = SplitMix64.derive(seed, index, 2);
        Anatomy a = new Anatomy(shapes);
        Canvas c = new Canvas(size, a.texture);
        c.paintAnatomy(a);
        for (Capsule v : a.vessels) c.paintVessel(v);
        List<Blob> ggo = ggoPatches(shapes, a);
        for (Blob g : ggo) c.paintGgo(g, shapes.uniform(0.18, 0.32), shapes.uniform(0.25, 0.6));
        c.applyGgo();
        for (Blob k : consolidations(shapes, a, ggo)) {
            c.paintConsolidation(k, shapes.uniform(0.68, 0.80));
            if (k.meanRadius() > 0.045 && shapes.chance(0.5)) c.paintBronchus(bronchus(shapes, k), a.lungLevel);
        }
        c.addNoise(noise, shapes.uniform(0.02, 0.04));
        return new CtSlice("syn-" + seed + "-" + index, size, size, c.image, c.labels);
    }

    /** Slices {@code from, from+1, ..., from+count-1}. */
    public List<CtSlice> generate(int from, int count, int size) {
        List<CtSlice> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) out.add(generate(from + i, size));
        return out;
    }

    // ---- what to draw -------------------------------------------------------------------------------------

    /** The patient: body, bones, heart, lungs and vessels, drawn from the slice's random stream. */
    private static final class Anatomy {
        final Blob body, fatInner, heart, spine;
        final Blob[] lungs = new Blob[2];
        final List<Blob> ribs = new ArrayList<>();
        final List<Capsule> vessels = new ArrayList<>();
        final Waves texture;
        final double lungLevel;

        Anatomy(SplitMix64 r) {
            double cv = r.uniform(0.02, 0.10);
            body = Blob.ellipse(0, cv, r.uniform(0.86, 0.95), r.uniform(0.70, 0.80));
            fatInner = Blob.ellipse(0, cv, body.ru - r.uniform(0.04, 0.08), body.rv - r.uniform(0.04, 0.08));
            heart = Blob.ellipse(r.uniform(0.02, 0.10), cv + r.uniform(0.0, 0.08), r.uniform(0.20, 0.27),
                    r.uniform(0.18, 0.24));
            spine = Blob.ellipse(0, cv + body.rv - r.uniform(0.15, 0.19), 0.085, 0.08);
            for (int side = 0; side < 2; side++) {
                double s = side == 0 ? -1 : 1;
                lungs[side] = new Blob(s * r.uniform(0.39, 0.45), cv + r.uniform(-0.08, -0.02), r.uniform(0.28, 0.34),
                        r.uniform(0.46, 0.54), s * r.uniform(-0.15, 0.05), amplitudes(r, 3, 0.05), phases(r, 3));
            }
            int nRibs = 12 + r.nextInt(5);
            for (int i = 0; i < nRibs; i++) {
                double theta = r.uniform(-StrictMath.PI, StrictMath.PI);
                if (Math.abs(theta - StrictMath.PI / 2) < 0.45 || Math.abs(theta + StrictMath.PI / 2) < 0.3) continue;
                ribs.add(Blob.ellipse(fatInner.ru * StrictMath.cos(theta), // in the chest wall, clear of the lungs
                        fatInner.cv + fatInner.rv * StrictMath.sin(theta), 0.022, 0.017));
            }
            texture = new Waves(r, 6, 5, 18);
            lungLevel = r.uniform(0.20, 0.26);
            for (int side = 0; side < 2; side++) growVessels(r, side);
            int dots = 15 + r.nextInt(20);
            for (int i = 0; i < dots; i++) {
                double[] p = pointInLung(r, 0.02);
                double rad = r.uniform(0.004, 0.010);
                vessels.add(new Capsule(p[0], p[1], p[0], p[1], rad));
            }
        }

        /** Signed distance to the lungs: a lung blob, minus the heart and spine, inside the rib cage. */
        double lungDistance(double u, double v) {
            double outsideOthers = Math.max(Math.max(-heart.distance(u, v), -(spine.distance(u, v) - 0.03)),
                    fatInner.distance(u, v) + 0.03);
            return Math.max(Math.min(lungs[0].distance(u, v), lungs[1].distance(u, v)), outsideOthers);
        }

        /** Vessel trees: a few branches from the hilum (medial side) that wander outward and thin. */
        private void growVessels(SplitMix64 r, int side) {
            Blob lung = lungs[side];
            double s = side == 0 ? -1 : 1;
            double hu = lung.cu - s * 0.55 * lung.ru, hv = lung.cv + r.uniform(-0.05, 0.1);
            int branches = 2 + r.nextInt(3);
            for (int b = 0; b < branches; b++) {
                double outward = side == 0 ? StrictMath.PI : 0;
                grow(r, hu, hv, outward + r.uniform(-1.2, 1.2), r.uniform(0.006, 0.009), 0);
            }
        }

        private void grow(SplitMix64 r, double u, double v, double dir, double radius, int depth) {
            for (int step = 0; step < 10 && radius > 0.003; step++) {
                double len = r.uniform(0.03, 0.05);
                double nu = u + len * StrictMath.cos(dir), nv = v + len * StrictMath.sin(dir);
                if (lungDistance(nu, nv) > 0) return;
                vessels.add(new Capsule(u, v, nu, nv, radius));
                if (depth < 2 && r.chance(0.2)) grow(r, nu, nv, dir + (r.chance(0.5) ? 0.6 : -0.6), radius * 0.8, depth + 1);
                u = nu;
                v = nv;
                dir += r.uniform(-0.35, 0.35);
                radius *= 0.88;
            }
        }

        /**
         * A random point at least {@code margin} inside a lung, favouring the periphery (as COVID-19 lesions do):
         * a candidate deep inside is kept with probability 1/4, one near the pleura almost always.
         */
        double[] pointInLung(SplitMix64 r, double margin) {
            double[] fallback = null;
            for (int attempt = 0; attempt < 200; attempt++) {
                Blob lung = lungs[r.nextInt(2)];
                double u = lung.cu + r.uniform(-1, 1) * lung.ru, v = lung.cv + r.uniform(-1, 1) * lung.rv;
                double d = lungDistance(u, v);
                if (d >= -margin) continue;
                if (fallback == null) fallback = new double[] {u, v};
                if (r.chance(0.25 + 0.75 * Math.clamp(1 + d / 0.12, 0.0, 1.0))) return new double[] {u, v};
            }
            return fallback != null ? fallback : new double[] {lungs[0].cu, lungs[0].cv};
        }
    }

    private static List<Blob> ggoPatches(SplitMix64 r, Anatomy a) {
        double x = r.nextDouble();
        int n = x < 0.05 ? 0 : x < 0.85 ? 1 + r.nextInt(5) : 6 + r.nextInt(5); // none / some / diffuse
        List<Blob> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] p = a.pointInLung(r, 0.02);
            double rad = r.uniform(0.05, 0.17);
            out.add(lesion(r, p[0], p[1], rad, 0.25));
        }
        return out;
    }

    private static List<Blob> consolidations(SplitMix64 r, Anatomy a, List<Blob> ggo) {
        if (r.chance(0.2)) return List.of();
        int n = 1 + r.nextInt(4);
        List<Blob> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (!ggo.isEmpty() && r.chance(0.6)) { // the dense core of a ground-glass patch
                Blob g = ggo.get(r.nextInt(ggo.size()));
                double angle = r.uniform(0, 2 * StrictMath.PI), off = r.uniform(0, 0.4) * g.meanRadius();
                out.add(lesion(r, g.cu + off * StrictMath.cos(angle), g.cv + off * StrictMath.sin(angle),
                        g.meanRadius() * r.uniform(0.4, 0.8), 0.2));
            } else {
                double[] p = a.pointInLung(r, 0.02);
                out.add(lesion(r, p[0], p[1], r.uniform(0.05, 0.14), 0.2));
            }
        }
        return out;
    }

    /** An irregular blob of mean radius {@code radius}: random aspect, rotation and outline wobble. */
    private static Blob lesion(SplitMix64 r, double u, double v, double radius, double wobble) {
        double aspect = r.uniform(0.6, 1.0);
        double ru = radius / StrictMath.sqrt(aspect), rv = radius * StrictMath.sqrt(aspect);
        return new Blob(u, v, ru, rv, r.uniform(0, StrictMath.PI), amplitudes(r, 3, wobble), phases(r, 3));
    }

    /** A dark tube through a consolidation: an air-filled bronchus, which stays labelled as consolidation. */
    private static Capsule bronchus(SplitMix64 r, Blob k) {
        double angle = r.uniform(0, StrictMath.PI), half = 0.7 * k.meanRadius();
        double du = half * StrictMath.cos(angle), dv = half * StrictMath.sin(angle);
        return new Capsule(k.cu - du, k.cv - dv, k.cu + du, k.cv + dv, r.uniform(0.004, 0.007));
    }

    private static double[] amplitudes(SplitMix64 r, int n, double max) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = r.uniform(0, max) / (i + 1);
        return a;
    }

    private static double[] phases(SplitMix64 r, int n) {
        double[] p = new double[n];
        for (int i = 0; i < n; i++) p[i] = r.uniform(0, 2 * StrictMath.PI);
        return p;
    }

    // ---- how to draw it -----------------------------------------------------------------------------------

    /** The pixels: image, labels and the lung coverage every lesion and vessel is clipped to. */
    private static final class Canvas {
        final int size;
        final double pixel; // one pixel's width in normalised units
        final float[] image, lungCover, ggoRaise;
        final byte[] labels;
        final boolean[] inLung;
        final float[] lungTexture, ggoTexture, consolidationTexture;

        Canvas(int size, Waves texture) {
            this.size = size;
            this.pixel = 2.0 / size;
            int n = size * size;
            image = new float[n];
            lungCover = new float[n];
            ggoRaise = new float[n];
            labels = new byte[n];
            inLung = new boolean[n];
            lungTexture = texture.sample(size, 1, 0, 0);
            ggoTexture = texture.sample(size, 2.3, 0.7, -0.4);
            consolidationTexture = texture.sample(size, 3, -0.3, 0.5);
        }

        double coord(int i) { // pixel index -> normalised coordinate of its center
            return (2.0 * i + 1) / size - 1;
        }

        /** Anti-aliased coverage of a crisp edge: 1 inside, 0 outside, a one-pixel ramp across the outline. */
        double cover(double distance) {
            return Math.clamp(0.5 - distance / pixel, 0.0, 1.0);
        }

        void paintAnatomy(Anatomy a) {
            for (int row = 0; row < size; row++) {
                double v = coord(row);
                for (int col = 0; col < size; col++) {
                    double u = coord(col);
                    int i = row * size + col;
                    double body = cover(a.body.distance(u, v));
                    double value = AIR;
                    if (body > 0) {
                        value = PhantomShapes.mix(AIR, PhantomShapes.mix(FAT, MUSCLE, cover(a.fatInner.distance(u, v))), body);
                        value = PhantomShapes.mix(value, BONE, cover(a.spine.distance(u, v)));
                        double d = a.lungDistance(u, v);
                        double lung = cover(d);
                        if (lung > 0) {
                            Blob side = u < 0 ? a.lungs[0] : a.lungs[1];
                            double back = Math.clamp((v - side.cv) / side.rv, -1.0, 1.0); // denser toward the back
                            double tissue = a.lungLevel + 0.025 * lungTexture[i] + 0.03 * (back + 1);
                            value = PhantomShapes.mix(value, tissue, lung);
                        }
                        lungCover[i] = (float) lung;
                        inLung[i] = d < 0;
                    }
                    image[i] = (float) value;
                }
            }
            for (Blob rib : a.ribs) paint(rib, (i, u, v, d) -> image[i] = (float) PhantomShapes.mix(image[i], BONE, cover(d)));
        }

        void paintVessel(Capsule c) {
            paint(c, (i, u, v, d) -> {
                double axis = (d + c.radius()) / c.radius(); // distance from the center line, in radii
                double p = StrictMath.exp(-axis * axis) * lungCover[i];
                image[i] = (float) PhantomShapes.mix(image[i], VESSEL, p);
            });
        }

        void paintGgo(Blob g, double strength, double softness) {
            double edge = Math.max(pixel, softness * g.meanRadius());
            paint(g, (i, u, v, d) -> {
                double p = PhantomShapes.smooth(d, edge) * lungCover[i];
                if (p <= 0) return;
                double patchy = 1 + 0.35 * ggoTexture[i];
                ggoRaise[i] = (float) Math.max(ggoRaise[i], strength * p * patchy); // overlaps do not add up
                if (d < 0 && inLung[i] && labels[i] == CtSlice.BACKGROUND) labels[i] = CtSlice.GGO;
            });
        }

        /** Adds the ground-glass raise collected by {@link #paintGgo} (the strongest patch at each pixel). */
        void applyGgo() {
            for (int i = 0; i < image.length; i++) image[i] += ggoRaise[i];
        }

        void paintConsolidation(Blob k, double level) {
            double edge = Math.max(pixel, 0.08 * k.meanRadius());
            paint(k, (i, u, v, d) -> {
                double p = PhantomShapes.smooth(d, edge) * lungCover[i];
                if (p <= 0) return;
                image[i] = (float) PhantomShapes.mix(image[i], level + 0.02 * consolidationTexture[i], p);
                if (d < 0 && inLung[i]) labels[i] = CtSlice.CONSOLIDATION;
            });
        }

        void paintBronchus(Capsule c, double air) {
            paint(c, (i, u, v, d) -> {
                if (labels[i] != CtSlice.CONSOLIDATION) return;
                double axis = (d + c.radius()) / c.radius();
                image[i] = (float) PhantomShapes.mix(image[i], air, 0.8 * StrictMath.exp(-axis * axis));
            });
        }

        void addNoise(SplitMix64 r, double sigma) {
            for (int i = 0; i < image.length; i++) {
                image[i] = (float) Math.clamp(image[i] + sigma * r.gaussian(), 0.0, 1.0);
            }
        }

        interface PixelOp {
            void apply(int index, double u, double v, double distance);
        }

        /** Calls {@code op} for every pixel inside the shape's bounding box. */
        void paint(Shape s, PixelOp op) {
            Box b = s.bounds();
            int c0 = Math.max(0, toPixel(b.u0())), c1 = Math.min(size - 1, toPixel(b.u1()));
            int r0 = Math.max(0, toPixel(b.v0())), r1 = Math.min(size - 1, toPixel(b.v1()));
            for (int row = r0; row <= r1; row++) {
                double v = coord(row);
                for (int col = c0; col <= c1; col++) {
                    double u = coord(col);
                    op.apply(row * size + col, u, v, s.distance(u, v));
                }
            }
        }

        private int toPixel(double x) {
            return (int) StrictMath.floor((x + 1) / pixel);
        }
    }
}

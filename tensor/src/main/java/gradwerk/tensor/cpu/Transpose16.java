package gradwerk.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * An in-register transpose of 16 × 16 floats with 16-lane vectors (AVX-512), for packing routines that turn rows into
 * columns: the Winograd weight gradient's input panels ({@link WinogradProducts}) and the GEMM's row-major A panels
 * ({@link GemmF32}). Only call it where {@code Simd.F} has 16 lanes.
 */
final class Transpose16 {
    private static final VectorSpecies<Float> F = Simd.F;

    private Transpose16() {}

    /**
     * Lane indices of {@link #transpose}'s selections for blocks of d lanes (d = 8, 4, 2, 1), from two vectors a
     * and b (an index of V or more picks b's lane index − V): LO keeps a's lanes outside the block and takes b's in
     * it, HI the other way round.
     */
    private static final int V = F.length();
    private static final FloatVector LO8 = swap(8, false), HI8 = swap(8, true), LO4 = swap(4, false), HI4 = swap(4, true),
            LO2 = swap(2, false), HI2 = swap(2, true), LO1 = swap(1, false), HI1 = swap(1, true);

    private static FloatVector swap(int d, boolean high) {
        float[] idx = new float[V];
        for (int l = 0; l < V; l++)
            idx[l] = (l & d) == 0 ? (high ? (l + d) % V : l) : (high ? V + l : V + l - d);
        return FloatVector.fromArray(F, idx, 0);
    }

    /**
     * A 16 × 16 block: rows j, 16 floats each from tv[from + j·bt], → rows t, 16 floats each to vp[to + t·nb],
     * stored in order t = 0 .. 15, so with nb &lt; 16 each row overwrites what the one before wrote past nb (and
     * the last writes 16 − nb floats past the block). Four rounds of two-vector lane selections swap the
     * off-diagonal 8 × 8, 4 × 4, 2 × 2 and 1 × 1 blocks of each pair of rows (vpermt2ps with AVX-512): 64
     * selections for 256 values, where gathers took 16 gathers of 16 scattered values. Named locals, not an array of
     * vectors, so that C2 keeps them in registers (see {@link Winograd}).
     */
    static void transpose(float[] tv, int from, int bt, float[] vp, int to, int nb) {
        FloatVector v0 = FloatVector.fromArray(F, tv, from), v1 = FloatVector.fromArray(F, tv, from + 1 * bt);
        FloatVector v2 = FloatVector.fromArray(F, tv, from + 2 * bt), v3 = FloatVector.fromArray(F, tv, from + 3 * bt);
        FloatVector v4 = FloatVector.fromArray(F, tv, from + 4 * bt), v5 = FloatVector.fromArray(F, tv, from + 5 * bt);
        FloatVector v6 = FloatVector.fromArray(F, tv, from + 6 * bt), v7 = FloatVector.fromArray(F, tv, from + 7 * bt);
        FloatVector v8 = FloatVector.fromArray(F, tv, from + 8 * bt), v9 = FloatVector.fromArray(F, tv, from + 9 * bt);
        FloatVector va = FloatVector.fromArray(F, tv, from + 10 * bt), vb = FloatVector.fromArray(F, tv, from + 11 * bt);
        FloatVector vc = FloatVector.fromArray(F, tv, from + 12 * bt), vd = FloatVector.fromArray(F, tv, from + 13 * bt);
        FloatVector ve = FloatVector.fromArray(F, tv, from + 14 * bt), vf = FloatVector.fromArray(F, tv, from + 15 * bt);
        FloatVector lo, hi;
        // swap the off-diagonal 8 × 8 blocks of rows i and i + 8
        lo = LO8.selectFrom(v0, v8); hi = HI8.selectFrom(v0, v8); v0 = lo; v8 = hi;
        lo = LO8.selectFrom(v1, v9); hi = HI8.selectFrom(v1, v9); v1 = lo; v9 = hi;
        lo = LO8.selectFrom(v2, va); hi = HI8.selectFrom(v2, va); v2 = lo; va = hi;
        lo = LO8.selectFrom(v3, vb); hi = HI8.selectFrom(v3, vb); v3 = lo; vb = hi;
        lo = LO8.selectFrom(v4, vc); hi = HI8.selectFrom(v4, vc); v4 = lo; vc = hi;
        lo = LO8.selectFrom(v5, vd); hi = HI8.selectFrom(v5, vd); v5 = lo; vd = hi;
        lo = LO8.selectFrom(v6, ve); hi = HI8.selectFrom(v6, ve); v6 = lo; ve = hi;
        lo = LO8.selectFrom(v7, vf); hi = HI8.selectFrom(v7, vf); v7 = lo; vf = hi;
        // swap the off-diagonal 4 × 4 blocks of rows i and i + 4
        lo = LO4.selectFrom(v0, v4); hi = HI4.selectFrom(v0, v4); v0 = lo; v4 = hi;
        lo = LO4.selectFrom(v1, v5); hi = HI4.selectFrom(v1, v5); v1 = lo; v5 = hi;
        lo = LO4.selectFrom(v2, v6); hi = HI4.selectFrom(v2, v6); v2 = lo; v6 = hi;
        lo = LO4.selectFrom(v3, v7); hi = HI4.selectFrom(v3, v7); v3 = lo; v7 = hi;
        lo = LO4.selectFrom(v8, vc); hi = HI4.selectFrom(v8, vc); v8 = lo; vc = hi;
        lo = LO4.selectFrom(v9, vd); hi = HI4.selectFrom(v9, vd); v9 = lo; vd = hi;
        lo = LO4.selectFrom(va, ve); hi = HI4.selectFrom(va, ve); va = lo; ve = hi;
        lo = LO4.selectFrom(vb, vf); hi = HI4.selectFrom(vb, vf); vb = lo; vf = hi;
        // swap the off-diagonal 2 × 2 blocks of rows i and i + 2
        lo = LO2.selectFrom(v0, v2); hi = HI2.selectFrom(v0, v2); v0 = lo; v2 = hi;
        lo = LO2.selectFrom(v1, v3); hi = HI2.selectFrom(v1, v3); v1 = lo; v3 = hi;
        lo = LO2.selectFrom(v4, v6); hi = HI2.selectFrom(v4, v6); v4 = lo; v6 = hi;
        lo = LO2.selectFrom(v5, v7); hi = HI2.selectFrom(v5, v7); v5 = lo; v7 = hi;
        lo = LO2.selectFrom(v8, va); hi = HI2.selectFrom(v8, va); v8 = lo; va = hi;
        lo = LO2.selectFrom(v9, vb); hi = HI2.selectFrom(v9, vb); v9 = lo; vb = hi;
        lo = LO2.selectFrom(vc, ve); hi = HI2.selectFrom(vc, ve); vc = lo; ve = hi;
        lo = LO2.selectFrom(vd, vf); hi = HI2.selectFrom(vd, vf); vd = lo; vf = hi;
        // swap the off-diagonal 1 × 1 blocks of rows i and i + 1
        lo = LO1.selectFrom(v0, v1); hi = HI1.selectFrom(v0, v1); v0 = lo; v1 = hi;
        lo = LO1.selectFrom(v2, v3); hi = HI1.selectFrom(v2, v3); v2 = lo; v3 = hi;
        lo = LO1.selectFrom(v4, v5); hi = HI1.selectFrom(v4, v5); v4 = lo; v5 = hi;
        lo = LO1.selectFrom(v6, v7); hi = HI1.selectFrom(v6, v7); v6 = lo; v7 = hi;
        lo = LO1.selectFrom(v8, v9); hi = HI1.selectFrom(v8, v9); v8 = lo; v9 = hi;
        lo = LO1.selectFrom(va, vb); hi = HI1.selectFrom(va, vb); va = lo; vb = hi;
        lo = LO1.selectFrom(vc, vd); hi = HI1.selectFrom(vc, vd); vc = lo; vd = hi;
        lo = LO1.selectFrom(ve, vf); hi = HI1.selectFrom(ve, vf); ve = lo; vf = hi;
        v0.intoArray(vp, to);
        v1.intoArray(vp, to + 1 * nb);
        v2.intoArray(vp, to + 2 * nb);
        v3.intoArray(vp, to + 3 * nb);
        v4.intoArray(vp, to + 4 * nb);
        v5.intoArray(vp, to + 5 * nb);
        v6.intoArray(vp, to + 6 * nb);
        v7.intoArray(vp, to + 7 * nb);
        v8.intoArray(vp, to + 8 * nb);
        v9.intoArray(vp, to + 9 * nb);
        va.intoArray(vp, to + 10 * nb);
        vb.intoArray(vp, to + 11 * nb);
        vc.intoArray(vp, to + 12 * nb);
        vd.intoArray(vp, to + 13 * nb);
        ve.intoArray(vp, to + 14 * nb);
        vf.intoArray(vp, to + 15 * nb);
    }
}

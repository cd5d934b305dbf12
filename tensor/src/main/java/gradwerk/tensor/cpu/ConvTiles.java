package gradwerk.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register tiles of the direct convolution ({@link DirectConv}) and of the Winograd products
 * ({@link WinogradProducts}): {@value #MR} output channels × 2 vectors of pixels (or tiles), 8 accumulators, the same
 * 4×2 shape as {@link GemmF32#kernel4}; and, where there are 32 vector registers ({@link #pairs}), 8 channels × 2
 * vectors, 16 accumulators. Each reads its two input vectors per step either through a table of offsets into a
 * padded band ({@link #tileT}, {@link #tileT8}) or from a packed panel ({@link #tileP}, {@link #tileP8}), and
 * broadcasts the weights of its channels from a packed copy, 4 per block (wp[at + k·4 + j]).
 *
 * <p>The results are stored (or, with add, added) inline, not through a helper method: see {@link GemmF32#kernel12}
 * for why a vector must not be handed to a method of one's own.
 */
final class ConvTiles {
    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.SCALAR ? 1 : F.length();
    /** Output channels per block of packed weights, and per 4-channel tile. */
    static final int MR = 4;

    private ConvTiles() {}

    /**
     * The forward micro-kernel with the taps given by an offset table: for k in [k0, k1), tap k reads
     * buf[in_v + off[k] + lane] and weights wp[wAt + k·MR + j]. One flat loop over (channel, tap) pairs whatever
     * the kernel size; the table costs one scalar load per step. Vector v of channel j starts at init_j and is
     * stored (or, with add, added) at dst[d_v + j·ldd].
     */
    static void tileT(int k0, int k1, int[] off, float[] wp, int wAt, float[] buf, int ina, int inb,
                      float[] dst, int da, int db, int ldd, boolean add, float i0, float i1, float i2, float i3) {
        FloatVector a0 = FloatVector.broadcast(F, i0), b0 = a0, a1 = FloatVector.broadcast(F, i1), b1 = a1;
        FloatVector a2 = FloatVector.broadcast(F, i2), b2 = a2, a3 = FloatVector.broadcast(F, i3), b3 = a3;
        for (int k = k0; k < k1; k++) {
            int o = off[k], wq = wAt + k * MR;
            FloatVector va = FloatVector.fromArray(F, buf, ina + o);
            FloatVector vb = FloatVector.fromArray(F, buf, inb + o);
            FloatVector wv = FloatVector.broadcast(F, wp[wq]);
            a0 = wv.fma(va, a0); b0 = wv.fma(vb, b0);
            wv = FloatVector.broadcast(F, wp[wq + 1]);
            a1 = wv.fma(va, a1); b1 = wv.fma(vb, b1);
            wv = FloatVector.broadcast(F, wp[wq + 2]);
            a2 = wv.fma(va, a2); b2 = wv.fma(vb, b2);
            wv = FloatVector.broadcast(F, wp[wq + 3]);
            a3 = wv.fma(va, a3); b3 = wv.fma(vb, b3);
        }
        if (add) {
            a0 = a0.add(FloatVector.fromArray(F, dst, da)); b0 = b0.add(FloatVector.fromArray(F, dst, db));
            a1 = a1.add(FloatVector.fromArray(F, dst, da + ldd)); b1 = b1.add(FloatVector.fromArray(F, dst, db + ldd));
            a2 = a2.add(FloatVector.fromArray(F, dst, da + 2 * ldd));
            b2 = b2.add(FloatVector.fromArray(F, dst, db + 2 * ldd));
            a3 = a3.add(FloatVector.fromArray(F, dst, da + 3 * ldd));
            b3 = b3.add(FloatVector.fromArray(F, dst, db + 3 * ldd));
        }
        a0.intoArray(dst, da); b0.intoArray(dst, db);
        a1.intoArray(dst, da + ldd); b1.intoArray(dst, db + ldd);
        a2.intoArray(dst, da + 2 * ldd); b2.intoArray(dst, db + 2 * ldd);
        a3.intoArray(dst, da + 3 * ldd); b3.intoArray(dst, db + 3 * ldd);
    }


    /** {@link #tileT} over a packed panel: for k < kn, the input vectors are panel[pAt + k·2L] and panel[pAt + k·2L + L]. */
    static void tileP(int kn, float[] panel, int pAt, float[] wp, int wAt, float[] dst, int da, int db, int ldd, boolean add,
                      float i0, float i1, float i2, float i3) {
        FloatVector a0 = FloatVector.broadcast(F, i0), b0 = a0, a1 = FloatVector.broadcast(F, i1), b1 = a1;
        FloatVector a2 = FloatVector.broadcast(F, i2), b2 = a2, a3 = FloatVector.broadcast(F, i3), b3 = a3;
        for (int k = 0; k < kn; k++) {
            int wq = wAt + k * MR, at = pAt + k * 2 * L;
            FloatVector va = FloatVector.fromArray(F, panel, at);
            FloatVector vb = FloatVector.fromArray(F, panel, at + L);
            FloatVector wv = FloatVector.broadcast(F, wp[wq]);
            a0 = wv.fma(va, a0); b0 = wv.fma(vb, b0);
            wv = FloatVector.broadcast(F, wp[wq + 1]);
            a1 = wv.fma(va, a1); b1 = wv.fma(vb, b1);
            wv = FloatVector.broadcast(F, wp[wq + 2]);
            a2 = wv.fma(va, a2); b2 = wv.fma(vb, b2);
            wv = FloatVector.broadcast(F, wp[wq + 3]);
            a3 = wv.fma(va, a3); b3 = wv.fma(vb, b3);
        }
        if (add) {
            a0 = a0.add(FloatVector.fromArray(F, dst, da)); b0 = b0.add(FloatVector.fromArray(F, dst, db));
            a1 = a1.add(FloatVector.fromArray(F, dst, da + ldd)); b1 = b1.add(FloatVector.fromArray(F, dst, db + ldd));
            a2 = a2.add(FloatVector.fromArray(F, dst, da + 2 * ldd));
            b2 = b2.add(FloatVector.fromArray(F, dst, db + 2 * ldd));
            a3 = a3.add(FloatVector.fromArray(F, dst, da + 3 * ldd));
            b3 = b3.add(FloatVector.fromArray(F, dst, db + 3 * ldd));
        }
        a0.intoArray(dst, da); b0.intoArray(dst, db);
        a1.intoArray(dst, da + ldd); b1.intoArray(dst, db + ldd);
        a2.intoArray(dst, da + 2 * ldd); b2.intoArray(dst, db + 2 * ldd);
        a3.intoArray(dst, da + 3 * ldd); b3.intoArray(dst, db + 3 * ldd);
    }

    /**
     * Two blocks of 4 output channels per register tile where there are 32 vector registers (AVX-512; the choice
     * of {@link Gemm#MR}): {@link #tileP8} and {@link #tileT8} read each input vector once for 8 channels instead of
     * 4, which halves the input traffic per FMA, as in the GEMM. Used by the direct forward and the Winograd
     * products. Not final: A/B tests.
     */
    static boolean pairs = !Simd.SCALAR && Gemm.MR >= 8;


    /**
     * {@link #tileP} for 8 output channels: two 4-channel blocks of packed weights, at wAt and wAt2 (each
     * wp[at + k·4 + j]). Vector v of channel r starts at init[initAt + r] and is stored (or, with add, added) at
     * dst[d_v + r·ldd]. 16 accumulators; the stores are inline for the reason given at {@link GemmF32#kernel12}.
     */
    static void tileP8(int kn, float[] panel, int pAt, float[] wp, int wAt, int wAt2, float[] dst, int da, int db,
                       int ldd, boolean add, float[] init, int initAt) {
        FloatVector a0 = FloatVector.broadcast(F, init[initAt]), b0 = a0, a1 = FloatVector.broadcast(F, init[initAt + 1]),
                b1 = a1, a2 = FloatVector.broadcast(F, init[initAt + 2]), b2 = a2,
                a3 = FloatVector.broadcast(F, init[initAt + 3]), b3 = a3, a4 = FloatVector.broadcast(F, init[initAt + 4]),
                b4 = a4, a5 = FloatVector.broadcast(F, init[initAt + 5]), b5 = a5,
                a6 = FloatVector.broadcast(F, init[initAt + 6]), b6 = a6, a7 = FloatVector.broadcast(F, init[initAt + 7]),
                b7 = a7;
        for (int k = 0; k < kn; k++) {
            int wq = wAt + k * 4, wr = wAt2 + k * 4, at = pAt + k * 2 * L;
            FloatVector va = FloatVector.fromArray(F, panel, at);
            FloatVector vb = FloatVector.fromArray(F, panel, at + L);
            FloatVector wv = FloatVector.broadcast(F, wp[wq]);
            a0 = wv.fma(va, a0); b0 = wv.fma(vb, b0);
            wv = FloatVector.broadcast(F, wp[wq + 1]);
            a1 = wv.fma(va, a1); b1 = wv.fma(vb, b1);
            wv = FloatVector.broadcast(F, wp[wq + 2]);
            a2 = wv.fma(va, a2); b2 = wv.fma(vb, b2);
            wv = FloatVector.broadcast(F, wp[wq + 3]);
            a3 = wv.fma(va, a3); b3 = wv.fma(vb, b3);
            wv = FloatVector.broadcast(F, wp[wr]);
            a4 = wv.fma(va, a4); b4 = wv.fma(vb, b4);
            wv = FloatVector.broadcast(F, wp[wr + 1]);
            a5 = wv.fma(va, a5); b5 = wv.fma(vb, b5);
            wv = FloatVector.broadcast(F, wp[wr + 2]);
            a6 = wv.fma(va, a6); b6 = wv.fma(vb, b6);
            wv = FloatVector.broadcast(F, wp[wr + 3]);
            a7 = wv.fma(va, a7); b7 = wv.fma(vb, b7);
        }
        int d = db - da, r1 = da + ldd, r2 = r1 + ldd, r3 = r2 + ldd, r4 = r3 + ldd, r5 = r4 + ldd, r6 = r5 + ldd,
                r7 = r6 + ldd;
        if (add) {
            a0 = a0.add(FloatVector.fromArray(F, dst, da)); b0 = b0.add(FloatVector.fromArray(F, dst, da + d));
            a1 = a1.add(FloatVector.fromArray(F, dst, r1)); b1 = b1.add(FloatVector.fromArray(F, dst, r1 + d));
            a2 = a2.add(FloatVector.fromArray(F, dst, r2)); b2 = b2.add(FloatVector.fromArray(F, dst, r2 + d));
            a3 = a3.add(FloatVector.fromArray(F, dst, r3)); b3 = b3.add(FloatVector.fromArray(F, dst, r3 + d));
            a4 = a4.add(FloatVector.fromArray(F, dst, r4)); b4 = b4.add(FloatVector.fromArray(F, dst, r4 + d));
            a5 = a5.add(FloatVector.fromArray(F, dst, r5)); b5 = b5.add(FloatVector.fromArray(F, dst, r5 + d));
            a6 = a6.add(FloatVector.fromArray(F, dst, r6)); b6 = b6.add(FloatVector.fromArray(F, dst, r6 + d));
            a7 = a7.add(FloatVector.fromArray(F, dst, r7)); b7 = b7.add(FloatVector.fromArray(F, dst, r7 + d));
        }
        a0.intoArray(dst, da); b0.intoArray(dst, da + d);
        a1.intoArray(dst, r1); b1.intoArray(dst, r1 + d);
        a2.intoArray(dst, r2); b2.intoArray(dst, r2 + d);
        a3.intoArray(dst, r3); b3.intoArray(dst, r3 + d);
        a4.intoArray(dst, r4); b4.intoArray(dst, r4 + d);
        a5.intoArray(dst, r5); b5.intoArray(dst, r5 + d);
        a6.intoArray(dst, r6); b6.intoArray(dst, r6 + d);
        a7.intoArray(dst, r7); b7.intoArray(dst, r7 + d);
    }


    /** {@link #tileT} for 8 output channels, two blocks of packed weights; otherwise as {@link #tileP8}. */
    static void tileT8(int k0, int k1, int[] off, float[] wp, int wAt, int wAt2, float[] buf, int ina, int inb,
                       float[] dst, int da, int db, int ldd, boolean add, float[] init, int initAt) {
        FloatVector a0 = FloatVector.broadcast(F, init[initAt]), b0 = a0, a1 = FloatVector.broadcast(F, init[initAt + 1]),
                b1 = a1, a2 = FloatVector.broadcast(F, init[initAt + 2]), b2 = a2,
                a3 = FloatVector.broadcast(F, init[initAt + 3]), b3 = a3, a4 = FloatVector.broadcast(F, init[initAt + 4]),
                b4 = a4, a5 = FloatVector.broadcast(F, init[initAt + 5]), b5 = a5,
                a6 = FloatVector.broadcast(F, init[initAt + 6]), b6 = a6, a7 = FloatVector.broadcast(F, init[initAt + 7]),
                b7 = a7;
        for (int k = k0; k < k1; k++) {
            int o = off[k], wq = wAt + k * 4, wr = wAt2 + k * 4;
            FloatVector va = FloatVector.fromArray(F, buf, ina + o);
            FloatVector vb = FloatVector.fromArray(F, buf, inb + o);
            FloatVector wv = FloatVector.broadcast(F, wp[wq]);
            a0 = wv.fma(va, a0); b0 = wv.fma(vb, b0);
            wv = FloatVector.broadcast(F, wp[wq + 1]);
            a1 = wv.fma(va, a1); b1 = wv.fma(vb, b1);
            wv = FloatVector.broadcast(F, wp[wq + 2]);
            a2 = wv.fma(va, a2); b2 = wv.fma(vb, b2);
            wv = FloatVector.broadcast(F, wp[wq + 3]);
            a3 = wv.fma(va, a3); b3 = wv.fma(vb, b3);
            wv = FloatVector.broadcast(F, wp[wr]);
            a4 = wv.fma(va, a4); b4 = wv.fma(vb, b4);
            wv = FloatVector.broadcast(F, wp[wr + 1]);
            a5 = wv.fma(va, a5); b5 = wv.fma(vb, b5);
            wv = FloatVector.broadcast(F, wp[wr + 2]);
            a6 = wv.fma(va, a6); b6 = wv.fma(vb, b6);
            wv = FloatVector.broadcast(F, wp[wr + 3]);
            a7 = wv.fma(va, a7); b7 = wv.fma(vb, b7);
        }
        int d = db - da, r1 = da + ldd, r2 = r1 + ldd, r3 = r2 + ldd, r4 = r3 + ldd, r5 = r4 + ldd, r6 = r5 + ldd,
                r7 = r6 + ldd;
        if (add) {
            a0 = a0.add(FloatVector.fromArray(F, dst, da)); b0 = b0.add(FloatVector.fromArray(F, dst, da + d));
            a1 = a1.add(FloatVector.fromArray(F, dst, r1)); b1 = b1.add(FloatVector.fromArray(F, dst, r1 + d));
            a2 = a2.add(FloatVector.fromArray(F, dst, r2)); b2 = b2.add(FloatVector.fromArray(F, dst, r2 + d));
            a3 = a3.add(FloatVector.fromArray(F, dst, r3)); b3 = b3.add(FloatVector.fromArray(F, dst, r3 + d));
            a4 = a4.add(FloatVector.fromArray(F, dst, r4)); b4 = b4.add(FloatVector.fromArray(F, dst, r4 + d));
            a5 = a5.add(FloatVector.fromArray(F, dst, r5)); b5 = b5.add(FloatVector.fromArray(F, dst, r5 + d));
            a6 = a6.add(FloatVector.fromArray(F, dst, r6)); b6 = b6.add(FloatVector.fromArray(F, dst, r6 + d));
            a7 = a7.add(FloatVector.fromArray(F, dst, r7)); b7 = b7.add(FloatVector.fromArray(F, dst, r7 + d));
        }
        a0.intoArray(dst, da); b0.intoArray(dst, da + d);
        a1.intoArray(dst, r1); b1.intoArray(dst, r1 + d);
        a2.intoArray(dst, r2); b2.intoArray(dst, r2 + d);
        a3.intoArray(dst, r3); b3.intoArray(dst, r3 + d);
        a4.intoArray(dst, r4); b4.intoArray(dst, r4 + d);
        a5.intoArray(dst, r5); b5.intoArray(dst, r5 + d);
        a6.intoArray(dst, r6); b6.intoArray(dst, r6 + d);
        a7.intoArray(dst, r7); b7.intoArray(dst, r7 + d);
    }
}

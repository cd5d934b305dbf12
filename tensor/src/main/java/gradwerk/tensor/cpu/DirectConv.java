package gradwerk.tensor.cpu;

import gradwerk.tensor.DType;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.Window2d;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Direct (im2col-free) float32 convolution with stride 1, dilation 1 and one group, the three convolution engines
 * of {@link gradwerk.tensor.nn.ConvLowering} done without a column matrix. All three read the image from a
 * zero-padded copy of a band of its rows ({@link #fillBand}), so the kernels never test for borders.
 *
 * <h2>Forward (and the input gradient)</h2>
 * {@code out[m, y, x] = Σ_{c,i,j} w[m, c, i, j] · P[c, y+i, x+j]} where P is the padded image. The register tile
 * ({@link ConvTiles#tileT}) is {@value #MR} output channels × 2 vectors of pixels: for each (c, i, j) it loads the
 * two input vectors P[c, y+i, x+j .. +2L] (unaligned, straight from the padded band through a table of offsets: the
 * "B panel" of an implicit GEMM), broadcasts {@value #MR} weights from a packed copy and issues 8 FMAs, the same 4×2
 * shape as {@link GemmF32#kernel4} (see {@link Gemm} for why not bigger; with AVX-512's 32 registers,
 * {@link ConvTiles#tileT8} takes two blocks, 8 channels). With many output channels the two vectors of every
 * (c, i, j) are first copied into a contiguous panel ({@link #packPanel}, {@link ConvTiles#tileP}), which stays in
 * L1 while all the channel blocks read it; see {@link #packPanelChannels}. The two vectors are two "slots" of L
 * pixels anywhere in the band (consecutive slots of a row, or the end of one row and the start of the next), so narrow
 * images (8 or 16 pixels wide) waste nothing. A partial slot (the row's last L pixels when the width is no
 * multiple of L) or a partial channel block goes through a scratch tile.
 *
 * <p>The input gradient of a stride-1 convolution is itself a convolution of the output gradient, padded by
 * {@code k-1-p}, with the weights transposed (in ↔ out channels) and flipped (i → kh-1-i, j → kw-1-j); that is
 * only a different packing of the weights ({@link #packWeights} takes arbitrary strides), so the same tile does it,
 * adding onto the output instead of overwriting it.
 *
 * <h2>Weight gradient</h2>
 * {@code gw[m, c, i, j] = Σ_{n,y,x} dy[m, y, x] · P[c, y+i, x+j]}: dot products over all pixels, in
 * {@link DirectConvWeight}, which reads the same padded bands.
 *
 * <h2>Threads and bands</h2>
 * The work is (image, band of output rows) tasks, claimed one at a time from a counter by every thread, each with
 * its own band buffers (per-thread, reused across calls). Bands are sized to stay in L2 (forward) or keep the
 * 4-channel dy block in L1 (weight gradient).
 */
final class DirectConv {
    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.SCALAR ? 1 : F.length();
    /** Output channels per register tile. */
    static final int MR = ConvTiles.MR;
    /** System property {@code gradwerk.conv.direct}: false turns the direct path off (benchmarks, A/B tests). */
    static final boolean ENABLED = !Simd.SCALAR && !"false".equals(System.getProperty("gradwerk.conv.direct"));
    /** Bytes of a forward band (padded input rows of every channel); gradwerk.conv.bandBytes overrides (not final
     *  so that tests can force many small bands). */
    static int bandBytes = Integer.getInteger("gradwerk.conv.bandBytes", 128 << 10);
    /** Bytes of the 4-channel dy block of a weight-gradient band (kept in L1). */
    static int wbandBytes = Integer.getInteger("gradwerk.conv.wbandBytes", 16 << 10);
    /** Input channels × taps per block of the forward K loop (gradwerk.conv.kcTaps overrides). */
    static int kcTaps = Integer.getInteger("gradwerk.conv.kcTaps", 288);
    /**
     * Output channels from which the forward tile reads a packed copy of its input panel ({@link ConvTiles#tileP})
     * instead of the band through the offset table ({@link ConvTiles#tileT}); property
     * gradwerk.conv.packPanelChannels, 0 = never (not final: A/B tests). The copy is made once per pixel pair and used by every block of 4 output channels;
     * it fits L1, where the band's scattered rows do not. Measured on the 2-core Zen 3 (forward of the U-Net's 3×3
     * layers, batch 4, both variants alternated 9 times in one JVM, 2 threads): 1.07-1.25x from 64 output channels
     * up, 1.0-1.06x at 32, 0.88-0.91x at 16, where too few blocks share the copy.
     */
    static int packPanelChannels = Integer.getInteger("gradwerk.conv.packPanelChannels", 64);

    private DirectConv() {}

    /**
     * Most input channels × taps for which {@link #unfoldWeightProduct} beats im2col + GEMM (property
     * {@code gradwerk.conv.directWeightK}). Its tile re-reads the 4-channel dy block from L1 for every (channel, tap)
     * pair, which is cheap for the U-Net's wide, shallow layers; with many channels the band of padded input no
     * longer stays in L2 across the output-channel blocks and GEMM's packing wins (measured on the 2-core Zen 3:
     * direct 2-3x faster up to 64 channels at 64²-256², 0.5x at 256 channels × 16²).
     */
    static final int DIRECT_WEIGHT_K = Integer.getInteger("gradwerk.conv.directWeightK", 576);

    /**
     * Output maps of at least this many pixels take the direct weight gradient whatever the channel count
     * (property {@code gradwerk.conv.directWeightArea}): the loss above sets in at small maps (16²: 256 channels
     * 0.6-0.8x), while at 32² and more the direct kernel beat im2col + GEMM for every deep U-Net layer measured
     * on the 2-core Zen 3 (96 → 32 channels at 128²: 15 → 40 GFLOPS; 192 → 64 at 64²: 28 → 38; 128 → 128 and
     * 384 → 128 at 32²: +15-40 %; {@code ./gradwerk bench conv2d}, bwd-weight lines).
     */
    static final int DIRECT_WEIGHT_AREA = Integer.getInteger("gradwerk.conv.directWeightArea", 1024);

    /** Whether the weight gradient dy [N,M,OH,OW] ⊗ x → gw [1,M,K] goes through {@link #unfoldWeightProduct}. */
    static boolean directWeight(Tensor dy, Tensor gw) {
        return gw.size(2) <= DIRECT_WEIGHT_K || (long) dy.size(2) * dy.size(3) >= DIRECT_WEIGHT_AREA;
    }

    /**
     * Whether the weight gradient of a kh × kw kernel takes {@link WinogradWeight} or, on small maps,
     * {@link Winograd2x2#weight} (neither needs im2col).
     */
    static boolean winogradWeight(Tensor dy, Tensor gw, int kh, int kw) {
        int c = gw.size(2) / (kh * kw), m = dy.size(1), oh = dy.size(2), ow = dy.size(3);
        return WinogradWeight.applies(c, m, kh, kw, oh, ow) || Winograd2x2.appliesToWeight(c, m, kh, kw, oh, ow);
    }

    /** Stride 1, dilation 1, one group, float32, vector kernels available, not a plain 1×1 (a GEMM as it is). */
    static boolean applies(Tensor a, Window2d w, Tensor... operands) {
        if (!ENABLED || a.size(0) != 1 || w.sh() != 1 || w.sw() != 1 || w.dh() != 1 || w.dw() != 1) return false;
        // 1×1 without padding: ConvLowering multiplies the image itself, with no copies at all
        if (w.kh() == 1 && w.kw() == 1 && w.ph() == 0 && w.pw() == 0) return false;
        for (Tensor t : operands) if (t != null && t.dtype() != DType.FLOAT32) return false;
        return a.dtype() == DType.FLOAT32;
    }

    // ================================================================ the three engines

    /**
     * {@code out[n] = conv(src[n], a) + bias}: src [N,C,H,W], a [1, M, C·kh·kw], bias [M] or null, out [N,M,OH,OW]
     * contiguous. See {@link gradwerk.tensor.nn.ConvLowering#unfoldProduct}.
     */
    static void unfoldProduct(Tensor src, Tensor a, Window2d w, Tensor bias, Tensor out) {
        int m = a.size(1), c = src.size(1), kh = w.kh(), kw = w.kw();
        float[] b = bias == null ? null : new float[m];
        if (bias != null) for (int i = 0; i < m; i++) b[i] = CpuStorage.floats(bias)[bias.offset() + i * bias.stride(0)];
        if (Winograd.applies(c, m, kh, kw, out.size(2), out.size(3))) {
            Winograd.forward(Images.of(src), w.ph(), w.pw(), CpuStorage.floats(a), a.offset(), a.stride(1),
                    kh * kw * a.stride(2), kw * a.stride(2), a.stride(2), m, b, CpuStorage.floats(out), out.offset(),
                    out.size(2), out.size(3), false);
            return;
        }
        if (Winograd2x2.applies(c, m, kh, kw, out.size(2), out.size(3))) {
            Winograd2x2.forward(Images.of(src), w.ph(), w.pw(), CpuStorage.floats(a), a.offset(), a.stride(1),
                    kh * kw * a.stride(2), kw * a.stride(2), a.stride(2), m, b, CpuStorage.floats(out), out.offset(),
                    out.size(2), out.size(3), false);
            return;
        }
        float[] wp = packWeights(CpuStorage.floats(a), a.offset(), a.stride(1), kh * kw * a.stride(2),
                kw * a.stride(2), a.stride(2), m, c, kh, kw);
        forward(Images.of(src), w.ph(), w.pw(), kh, kw, wp, m, b, out, false);
    }

    /**
     * {@code out[n] += conv_transpose(src[n], a)} (with add; else {@code =}, every element written): src
     * [N, M, Hs, Ws], a [1, M, C·kh·kw], out [N, C, OH, OW] contiguous. See {@link gradwerk.tensor.nn.ConvLowering#foldProduct}. As a convolution: src padded by
     * (kh-1-ph, kw-1-pw), weights w'[c, m, i, j] = a[m, c, kh-1-i, kw-1-j].
     */
    static void foldProduct(Tensor src, Tensor a, Window2d w, Tensor out, boolean add) {
        int m = a.size(1), c = out.size(1), kh = w.kh(), kw = w.kw();
        int sm = a.stride(1), sc = kh * kw * a.stride(2), si = kw * a.stride(2), sj = a.stride(2);
        if (Winograd.applies(m, c, kh, kw, out.size(2), out.size(3))) {
            Winograd.forward(Images.of(src), kh - 1 - w.ph(), kw - 1 - w.pw(), CpuStorage.floats(a),
                    a.offset() + (kh - 1) * si + (kw - 1) * sj, sc, sm, -si, -sj, c, null, CpuStorage.floats(out),
                    out.offset(), out.size(2), out.size(3), add);
            return;
        }
        if (Winograd2x2.applies(m, c, kh, kw, out.size(2), out.size(3))) {
            Winograd2x2.forward(Images.of(src), kh - 1 - w.ph(), kw - 1 - w.pw(), CpuStorage.floats(a),
                    a.offset() + (kh - 1) * si + (kw - 1) * sj, sc, sm, -si, -sj, c, null, CpuStorage.floats(out),
                    out.offset(), out.size(2), out.size(3), add);
            return;
        }
        float[] wp = packWeights(CpuStorage.floats(a), a.offset() + (kh - 1) * si + (kw - 1) * sj, sc, sm, -si, -sj,
                c, m, kh, kw);
        forward(Images.of(src), kh - 1 - w.ph(), kw - 1 - w.pw(), kh, kw, wp, c, null, out, add);
    }

    /**
     * {@code gw += Σ_n dy[n] · im2col(x[n])ᵀ}: dy [N, M, OH, OW], x [N, C, H, W], gw [1, M, C·kh·kw] contiguous.
     * See {@link gradwerk.tensor.nn.ConvLowering#unfoldWeightProduct}.
     */
    static void unfoldWeightProduct(Tensor dy, Tensor x, Window2d w, Tensor gw) {
        int c = gw.size(2) / (w.kh() * w.kw()), m = dy.size(1), oh = dy.size(2), ow = dy.size(3);
        if (WinogradWeight.applies(c, m, w.kh(), w.kw(), oh, ow)) {
            WinogradWeight.weight(Images.of(dy), Images.of(x), w.ph(), w.pw(), gw);
            return;
        }
        if (Winograd2x2.appliesToWeight(c, m, w.kh(), w.kw(), oh, ow)) {
            Winograd2x2.weight(Images.of(dy), Images.of(x), w.ph(), w.pw(), gw);
            return;
        }
        DirectConvWeight.weight(Images.of(dy), Images.of(x), w.ph(), w.pw(), w.kh(), w.kw(), gw);
    }

    // ================================================================ forward driver

    /** Element (n, c, y, x) of a 4-d float32 tensor at {@code off + n·sn + c·sc + y·sh + x·sw}. */
    record Images(float[] a, int off, int sn, int sc, int sh, int sw, int n, int c, int h, int w) {
        static Images of(Tensor t) {
            return new Images(CpuStorage.floats(t), t.offset(), t.stride(0), t.stride(1), t.stride(2), t.stride(3),
                    t.size(0), t.size(1), t.size(2), t.size(3));
        }
    }

    /**
     * out[n, m, y, x] (= or +=) bias[m] + Σ w[m, c, i, j] · P[n, c, y+i, x+j] where P is the source padded by padT
     * rows above and padL columns left (and zeros wherever the source ends); wp from {@link #packWeights}.
     */
    private static void forward(Images s, int padT, int padL, int kh, int kw, float[] wp, int m, float[] bias,
                                Tensor out, boolean add) {
        int oh = out.size(2), ow = out.size(3), c = s.c;
        float[] o = CpuStorage.floats(out);
        int oOff = out.offset(), plane = oh * ow, image = m * plane;
        int rs = ow + kw - 1;
        int threads = Parallel.threads();
        int rows = bandRows(bandBytes / 4 / Math.max(1, c * rs) - (kh - 1), oh, s.n, threads);
        int bands = Math.ceilDiv(oh, rows), tasks = s.n * bands;
        int slotsRow = Math.ceilDiv(ow, L), blocks = Math.ceilDiv(m, MR);
        int wBlock = c * kh * kw * MR;
        int kcb = Math.max(1, kcTaps / (kh * kw)), taps = kh * kw;
        float[] bz = new float[blocks * MR], zeros = new float[blocks * MR];
        if (bias != null) System.arraycopy(bias, 0, bz, 0, m);
        var next = new AtomicInteger();
        Parallel.forRange(Math.min(tasks, threads), 1, (w0, w1) -> {
            Workspace ws = Workspace.get();
            float[] buf = ws.band(c * (rows + kh - 1) * rs + 2 * L + rs);
            float[] scratch = ws.tile, panel = ws.panel(kcb * taps * 2 * L);
            int[] offs = new int[c * taps];
            for (int t; (t = next.getAndIncrement()) < tasks; ) {
                int n = t / bands, y0 = t % bands * rows, r = Math.min(rows, oh - y0);
                int cs = (r + kh - 1) * rs;
                fillBand(s, n, padT, padL, y0, r + kh - 1, buf, rs);
                for (int ch = 0, k = 0; ch < c; ch++)
                    for (int i = 0; i < kh; i++)
                        for (int j = 0; j < kw; j++) offs[k++] = ch * cs + i * rs + j;
                int slots = r * slotsRow, outAt = oOff + n * image + y0 * ow;
                // blocks of input channels (the K loop of an implicit GEMM), so that one tile's inputs stay in L1
                // while every block of output channels uses them
                for (int ch0 = 0; ch0 < c; ch0 += kcb) {
                    int k0 = ch0 * taps, k1 = Math.min(c, ch0 + kcb) * taps;
                    boolean first = ch0 == 0, acc = add || !first;
                    for (int q = 0; q < slots; q += 2) {
                        int ya = q / slotsRow, xa = q % slotsRow * L;
                        int qb = Math.min(q + 1, slots - 1), yb = qb / slotsRow, xb = qb % slotsRow * L;
                        int ina = ya * rs + xa, inb = yb * rs + xb;
                        boolean full = xa + L <= ow && q + 1 < slots && xb + L <= ow;
                        int oa = outAt + ya * ow + xa, ob = outAt + yb * ow + xb;
                        boolean packed = packPanelChannels > 0 && m >= packPanelChannels;
                        if (packed) packPanel(offs, k0, k1, buf, ina, inb, panel);
                        for (int cb = 0; cb < blocks; cb++) {
                            int m0 = cb * MR, valid = Math.min(MR, m - m0), wAt = cb * wBlock;
                            if (ConvTiles.pairs && full && m0 + 2 * MR <= m) {  // two whole blocks: one 8-channel tile
                                int mo = m0 * plane;
                                float[] init = first ? bz : zeros;
                                if (packed) ConvTiles.tileP8(k1 - k0, panel, 0, wp, wAt + k0 * MR, wAt + wBlock + k0 * MR, o,
                                        oa + mo, ob + mo, plane, acc, init, m0);
                                else ConvTiles.tileT8(k0, k1, offs, wp, wAt, wAt + wBlock, buf, ina, inb, o, oa + mo, ob + mo,
                                        plane, acc, init, m0);
                                cb++;
                                continue;
                            }
                            float b0 = first ? bz[m0] : 0f, b1 = first ? bz[m0 + 1] : 0f;
                            float b2 = first ? bz[m0 + 2] : 0f, b3 = first ? bz[m0 + 3] : 0f;
                            int mo = m0 * plane;
                            if (full && valid == MR) {
                                if (packed) ConvTiles.tileP(k1 - k0, panel, 0, wp, wAt + k0 * MR, o, oa + mo, ob + mo, plane, acc,
                                        b0, b1, b2, b3);
                                else ConvTiles.tileT(k0, k1, offs, wp, wAt, buf, ina, inb, o, oa + mo, ob + mo, plane, acc,
                                        b0, b1, b2, b3);
                                continue;
                            }
                            if (packed) ConvTiles.tileP(k1 - k0, panel, 0, wp, wAt + k0 * MR, scratch, 0, L, 2 * L, false, b0, b1, b2, b3);
                            else ConvTiles.tileT(k0, k1, offs, wp, wAt, buf, ina, inb, scratch, 0, L, 2 * L, false, b0, b1, b2, b3);
                            for (int v = 0; v < (q + 1 < slots ? 2 : 1); v++) {
                                int at = (v == 0 ? oa : ob) + mo, len = Math.min(L, ow - (v == 0 ? xa : xb));
                                for (int j = 0; j < valid; j++) {
                                    int d = at + j * plane, sAt = j * 2 * L + v * L;
                                    for (int e = 0; e < len; e++) o[d + e] = (acc ? o[d + e] : 0f) + scratch[sAt + e];
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    /**
     * Output rows per band: {@code fit} (what the cache budget allows), at least 1, at most oh, and small enough
     * that there are about 4 tasks per thread (so that a thread slowed down by the OS holds up little at the end).
     */
    static int bandRows(int fit, int oh, int n, int threads) {
        int rows = Math.max(1, Math.min(oh, fit));
        int wantBands = Math.ceilDiv(4 * threads, Math.max(1, n));
        if (Math.ceilDiv(oh, rows) < wantBands) rows = Math.max(1, Math.ceilDiv(oh, Math.min(oh, wantBands)));
        return rows;
    }

    /**
     * Rows [r0, r0+rows) of the padded image n, as buf[c][row][rs]: padded row r is source row r - padT, padded
     * column q is source column q - padL, zeros where there is no source (padT, padL may be negative: cropping).
     * Also zeroes 2L + kw floats of slack after the last row, which partial slots read.
     */
    static void fillBand(Images s, int n, int padT, int padL, int r0, int rows, float[] buf, int rs) {
        int qlo = Math.max(0, padL), qhi = Math.min(rs, padL + s.w);
        for (int c = 0; c < s.c; c++)
            for (int i = 0; i < rows; i++) {
                int d = (c * rows + i) * rs, y = r0 + i - padT;
                if (y < 0 || y >= s.h || qlo >= qhi) {
                    Arrays.fill(buf, d, d + rs, 0f);
                    continue;
                }
                if (qlo > 0) Arrays.fill(buf, d, d + qlo, 0f);
                if (qhi < rs) Arrays.fill(buf, d + qhi, d + rs, 0f);
                int src = s.off + n * s.sn + c * s.sc + y * s.sh + (qlo - padL) * s.sw;
                if (s.sw == 1) System.arraycopy(s.a, src, buf, d + qlo, qhi - qlo);
                else for (int q = qlo; q < qhi; q++) buf[d + q] = s.a[src + (q - qlo) * s.sw];
            }
        int end = s.c * rows * rs;
        Arrays.fill(buf, end, Math.min(buf.length, end + 2 * L + rs), 0f);
    }

    /**
     * Packs w(o, i, y, x) = a[off + o·so + i·si + y·sy + x·sx] as wp[o/MR][i][y][x][o%MR] (zeros for o past m):
     * the order {@link ConvTiles#tileT} reads, MR consecutive weights per (i, y, x).
     */
    static float[] packWeights(float[] a, int off, int so, int si, int sy, int sx, int m, int c, int kh, int kw) {
        int blocks = Math.ceilDiv(m, MR);
        float[] wp = new float[blocks * c * kh * kw * MR];
        int at = 0;
        for (int b = 0; b < blocks; b++)
            for (int i = 0; i < c; i++)
                for (int y = 0; y < kh; y++)
                    for (int x = 0; x < kw; x++, at += MR)
                        for (int j = 0; j < MR; j++) {
                            int o = b * MR + j;
                            if (o < m) wp[at + j] = a[off + o * so + i * si + y * sy + x * sx];
                        }
        return wp;
    }

    /**
     * Copies the two input vectors of every (channel, tap) pair k in [k0, k1) into panel[(k-k0)·2L ...]: the
     * "packed B panel" of an implicit GEMM, so that {@link ConvTiles#tileP} reads it with an index linear in its loop
     * variable (bounds checks hoisted, no offset-table load), once per pixel pair, for every block of output channels.
     */
    static void packPanel(int[] off, int k0, int k1, float[] buf, int ina, int inb, float[] panel) {
        for (int k = k0, at = 0; k < k1; k++, at += 2 * L) {
            int o = off[k];
            FloatVector.fromArray(F, buf, ina + o).intoArray(panel, at);
            FloatVector.fromArray(F, buf, inb + o).intoArray(panel, at + L);
        }
    }

    // ================================================================ per-thread buffers

    /** Band buffers and partial sums, one set per thread, grown as needed and kept between calls. */
    static final class Workspace {
        private static final ThreadLocal<Workspace> OF_THREAD = ThreadLocal.withInitial(Workspace::new);
        private float[] band = new float[0], dy = new float[0], part = new float[0], panel = new float[0];
        final float[] tile = new float[MR * 2 * Math.max(1, L)];

        static Workspace get() {
            return OF_THREAD.get();
        }

        float[] band(int size) {
            if (band.length < size) band = new float[size];
            return band;
        }

        float[] panel(int size) {
            if (panel.length < size) panel = new float[size];
            return panel;
        }

        float[] dy(int size) {
            if (dy.length < size) dy = new float[size];
            return dy;
        }

        float[] part(int size) {
            if (part.length < size) part = new float[size];
            return part;
        }
    }
}

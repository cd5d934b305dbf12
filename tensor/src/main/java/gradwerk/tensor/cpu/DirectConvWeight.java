package gradwerk.tensor.cpu;

import gradwerk.tensor.Tensor;
import gradwerk.tensor.cpu.DirectConv.Images;
import gradwerk.tensor.cpu.DirectConv.Workspace;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

import static gradwerk.tensor.cpu.DirectConv.MR;
import static gradwerk.tensor.cpu.DirectConv.bandRows;
import static gradwerk.tensor.cpu.DirectConv.fillBand;

/**
 * The weight gradient of {@link DirectConv}'s stride-1 convolution without a column matrix:
 * {@code gw[m, c, i, j] = Σ_{n,y,x} dy[m, y, x] · P[c, y+i, x+j]}, dot products over all pixels. Both dy and the
 * padded image P are copied into bands whose rows have the same stride {@code rs = OW + kw - 1} (dy's extra columns
 * are zeros), so the pixel index is one linear index over the whole band and the loop over it is flat, whatever the
 * image width. The tile ({@link #weightTile2}) is 4 output channels × 2 taps: per vector of pixels it loads 4 dy
 * vectors and 2 shifted P vectors and issues 8 FMAs into 8 vector accumulators, which are added into a per-thread
 * array of lane-wise partial sums (reduced across lanes, then across static chunks of tasks in order, at the end).
 * Bands are sized so that the 4-channel dy block stays in L1 ({@link DirectConv#wbandBytes}).
 */
final class DirectConvWeight {
    private static final VectorSpecies<Float> F = Simd.F;
    private static final int L = Simd.SCALAR ? 1 : F.length();

    private DirectConvWeight() {}

    /** gw[0, m, (c·kh+i)·kw+j] += Σ_{n,y,x} dy[n, m, y, x] · P[n, c, y+i, x+j] (x padded by ph, pw). */
    static void weight(Images dy, Images x, int ph, int pw, int kh, int kw, Tensor gw) {
        int m = dy.c(), c = x.c(), oh = dy.h(), ow = dy.w(), rs = ow + kw - 1, m4 = Math.ceilDiv(m, MR) * MR;
        int threads = Parallel.threads();
        int rows = bandRows(DirectConv.wbandBytes / 4 / (MR * rs), oh, dy.n(), threads);
        int bands = Math.ceilDiv(oh, rows), tasks = dy.n() * bands;
        int taps = kh * kw, kk = c * taps, partM = kk * L; // partial sums: part[m][c][i][j][lane]
        float[] g = CpuStorage.floats(gw);
        int gOff = gw.offset(), gs1 = gw.stride(1), gs2 = gw.stride(2);
        // Static chunks of tasks, one partial sum per chunk, added in chunk order: the same inputs and thread count
        // give the same bits every time (dynamic task stealing would add the partials in completion order).
        float[][] chunkSums = new float[tasks][];
        Parallel.forRange(tasks, 1, (t0, t1) -> {
            Workspace ws = Workspace.get();
            float[] pb = ws.band(c * (rows + kh - 1) * rs + 2 * L + rs);
            float[] db = ws.dy(m4 * (rows * rs + L) + 2 * L);
            float[] part = ws.part(m4 * partM);
            int[] offs = new int[kk];
            Arrays.fill(part, 0, m4 * partM, 0f);
            for (int t = t0; t < t1; t++) {
                int n = t / bands, y0 = t % bands * rows, r = Math.min(rows, oh - y0);
                fillBand(x, n, ph, pw, y0, r + kh - 1, pb, rs);
                int cs = (r + kh - 1) * rs, len = r * rs, ms = Math.ceilDiv(len, L) * L;
                fillRows(dy, n, y0, r, db, rs, ms);
                for (int ch = 0, k = 0; ch < c; ch++)
                    for (int i = 0; i < kh; i++)
                        for (int j = 0; j < kw; j++) offs[k++] = ch * cs + i * rs + j;
                for (int m0 = 0; m0 < m4; m0 += MR) {
                    int k = 0, pAt = m0 * partM;
                    if (ConvTiles.pairs)                  // 32 vector registers: 4 taps at a time
                        for (; k + 3 < kk; k += 4)
                            weightTile4(db, m0 * ms, ms, pb, offs[k], offs[k + 1], offs[k + 2], offs[k + 3], len, part,
                                    pAt + k * L, partM);
                    for (; k + 1 < kk; k += 2)
                        weightTile2(db, m0 * ms, ms, pb, offs[k], offs[k + 1], len, part, pAt + k * L, partM);
                    if (k < kk) weightTile1(db, m0 * ms, ms, pb, offs[k], len, part, pAt + k * L, partM);
                }
            }
            float[] sums = new float[m * kk]; // this chunk's lanes summed: a few KB
            for (int o = 0; o < m; o++)
                for (int k = 0; k < kk; k++) {
                    float sum = 0f;
                    for (int e = 0, at = o * partM + k * L; e < L; e++) sum += part[at + e];
                    sums[o * kk + k] = sum;
                }
            chunkSums[t0] = sums;
        });
        for (float[] sums : chunkSums) {
            if (sums == null) continue;
            for (int o = 0; o < m; o++)
                for (int k = 0; k < kk; k++) g[gOff + o * gs1 + k * gs2] += sums[o * kk + k];
        }
    }

    /**
     * Rows [y0, y0+rows) of dy[n] into db as [m][ms] with row stride rs: columns ow..rs-1 and the gap between
     * rows·rs and the channel stride ms (a multiple of L) are zero, as are the channels past dy's up to a multiple
     * of MR. So a flat loop over [0, ms) in steps of L sees exactly the band's pixels, and zeros.
     */
    static void fillRows(Images s, int n, int y0, int rows, float[] db, int rs, int ms) {
        for (int c = 0; c < s.c(); c++) {
            for (int i = 0; i < rows; i++) {
                int d = c * ms + i * rs, src = s.off() + n * s.sn() + c * s.sc() + (y0 + i) * s.sh();
                if (s.sw() == 1) System.arraycopy(s.a(), src, db, d, s.w());
                else for (int q = 0; q < s.w(); q++) db[d + q] = s.a()[src + q * s.sw()];
                Arrays.fill(db, d + s.w(), d + rs, 0f);
            }
            Arrays.fill(db, c * ms + rows * rs, (c + 1) * ms, 0f);
        }
        int m4 = Math.ceilDiv(s.c(), MR) * MR;
        Arrays.fill(db, s.c() * ms, m4 * ms, 0f);
    }

    /**
     * The weight-gradient micro-kernel: 4 output channels k × 2 taps (P offsets pa, pb), 8 accumulators:
     * {@code part[partAt + k·partM + lane] += Σ_t db[d0 + k·ms + t + lane] · pb[pa + t + lane]} (and at
     * partAt + L for pb) over t = 0, L, 2L, ... < len. 4 + 2 loads and 8 FMAs per step; 12 accumulators (4 × 3
     * taps) would save loads but C2 then spills.
     */
    static void weightTile2(float[] db, int d0, int ms, float[] p, int pa, int pb, int len, float[] part, int partAt,
                            int partM) {
        FloatVector z = FloatVector.zero(F), a0 = z, a1 = z, a2 = z, a3 = z, b0 = z, b1 = z, b2 = z, b3 = z;
        for (int t = 0; t < len; t += L) {
            FloatVector va = FloatVector.fromArray(F, p, pa + t);
            FloatVector vb = FloatVector.fromArray(F, p, pb + t);
            FloatVector d = FloatVector.fromArray(F, db, d0 + t);
            a0 = d.fma(va, a0); b0 = d.fma(vb, b0);
            d = FloatVector.fromArray(F, db, d0 + ms + t);
            a1 = d.fma(va, a1); b1 = d.fma(vb, b1);
            d = FloatVector.fromArray(F, db, d0 + 2 * ms + t);
            a2 = d.fma(va, a2); b2 = d.fma(vb, b2);
            d = FloatVector.fromArray(F, db, d0 + 3 * ms + t);
            a3 = d.fma(va, a3); b3 = d.fma(vb, b3);
        }
        // Inline, not through a helper taking vectors (see GemmF32.kernel12).
        int r1 = partAt + partM, r2 = r1 + partM, r3 = r2 + partM;
        a0.add(FloatVector.fromArray(F, part, partAt)).intoArray(part, partAt);
        b0.add(FloatVector.fromArray(F, part, partAt + L)).intoArray(part, partAt + L);
        a1.add(FloatVector.fromArray(F, part, r1)).intoArray(part, r1);
        b1.add(FloatVector.fromArray(F, part, r1 + L)).intoArray(part, r1 + L);
        a2.add(FloatVector.fromArray(F, part, r2)).intoArray(part, r2);
        b2.add(FloatVector.fromArray(F, part, r2 + L)).intoArray(part, r2 + L);
        a3.add(FloatVector.fromArray(F, part, r3)).intoArray(part, r3);
        b3.add(FloatVector.fromArray(F, part, r3 + L)).intoArray(part, r3 + L);
    }

    /**
     * {@link #weightTile2} for 4 taps (P offsets pa, pb, pc, pd), where there are 32 vector registers (AVX-512): 16
     * accumulators, and 4 + 4 loads per 16 FMAs instead of 4 + 2 per 8, so the loads no longer hold the FMAs back.
     * Measured on a 2-core AVX-512 Xeon (Intel model 167), weight gradient of 16 → 16 channels at 256², batch 4,
     * alternating JVMs: see BENCHMARKS.md, 2026-11-29.
     */
    static void weightTile4(float[] db, int d0, int ms, float[] p, int pa, int pb, int pc, int pd, int len,
                            float[] part, int partAt, int partM) {
        FloatVector z = FloatVector.zero(F), a0 = z, a1 = z, a2 = z, a3 = z, b0 = z, b1 = z, b2 = z, b3 = z,
                c0 = z, c1 = z, c2 = z, c3 = z, e0 = z, e1 = z, e2 = z, e3 = z;
        for (int t = 0; t < len; t += L) {
            FloatVector va = FloatVector.fromArray(F, p, pa + t), vb = FloatVector.fromArray(F, p, pb + t);
            FloatVector vc = FloatVector.fromArray(F, p, pc + t), vd = FloatVector.fromArray(F, p, pd + t);
            FloatVector d = FloatVector.fromArray(F, db, d0 + t);
            a0 = d.fma(va, a0); b0 = d.fma(vb, b0); c0 = d.fma(vc, c0); e0 = d.fma(vd, e0);
            d = FloatVector.fromArray(F, db, d0 + ms + t);
            a1 = d.fma(va, a1); b1 = d.fma(vb, b1); c1 = d.fma(vc, c1); e1 = d.fma(vd, e1);
            d = FloatVector.fromArray(F, db, d0 + 2 * ms + t);
            a2 = d.fma(va, a2); b2 = d.fma(vb, b2); c2 = d.fma(vc, c2); e2 = d.fma(vd, e2);
            d = FloatVector.fromArray(F, db, d0 + 3 * ms + t);
            a3 = d.fma(va, a3); b3 = d.fma(vb, b3); c3 = d.fma(vc, c3); e3 = d.fma(vd, e3);
        }
        int r1 = partAt + partM, r2 = r1 + partM, r3 = r2 + partM;   // inline, as in weightTile2
        a0.add(FloatVector.fromArray(F, part, partAt)).intoArray(part, partAt);
        b0.add(FloatVector.fromArray(F, part, partAt + L)).intoArray(part, partAt + L);
        c0.add(FloatVector.fromArray(F, part, partAt + 2 * L)).intoArray(part, partAt + 2 * L);
        e0.add(FloatVector.fromArray(F, part, partAt + 3 * L)).intoArray(part, partAt + 3 * L);
        a1.add(FloatVector.fromArray(F, part, r1)).intoArray(part, r1);
        b1.add(FloatVector.fromArray(F, part, r1 + L)).intoArray(part, r1 + L);
        c1.add(FloatVector.fromArray(F, part, r1 + 2 * L)).intoArray(part, r1 + 2 * L);
        e1.add(FloatVector.fromArray(F, part, r1 + 3 * L)).intoArray(part, r1 + 3 * L);
        a2.add(FloatVector.fromArray(F, part, r2)).intoArray(part, r2);
        b2.add(FloatVector.fromArray(F, part, r2 + L)).intoArray(part, r2 + L);
        c2.add(FloatVector.fromArray(F, part, r2 + 2 * L)).intoArray(part, r2 + 2 * L);
        e2.add(FloatVector.fromArray(F, part, r2 + 3 * L)).intoArray(part, r2 + 3 * L);
        a3.add(FloatVector.fromArray(F, part, r3)).intoArray(part, r3);
        b3.add(FloatVector.fromArray(F, part, r3 + L)).intoArray(part, r3 + L);
        c3.add(FloatVector.fromArray(F, part, r3 + 2 * L)).intoArray(part, r3 + 2 * L);
        e3.add(FloatVector.fromArray(F, part, r3 + 3 * L)).intoArray(part, r3 + 3 * L);
    }

    /** One tap (any kernel width): 4 output channels, 4 accumulators. */
    static void weightTile1(float[] db, int d0, int ms, float[] pb, int p0, int len, float[] part, int partAt,
                            int partM) {
        FloatVector z = FloatVector.zero(F), s0 = z, s1 = z, s2 = z, s3 = z;
        for (int t = 0; t < len; t += L) {
            FloatVector p = FloatVector.fromArray(F, pb, p0 + t);
            s0 = FloatVector.fromArray(F, db, d0 + t).fma(p, s0);
            s1 = FloatVector.fromArray(F, db, d0 + ms + t).fma(p, s1);
            s2 = FloatVector.fromArray(F, db, d0 + 2 * ms + t).fma(p, s2);
            s3 = FloatVector.fromArray(F, db, d0 + 3 * ms + t).fma(p, s3);
        }
        s0.add(FloatVector.fromArray(F, part, partAt)).intoArray(part, partAt);
        s1.add(FloatVector.fromArray(F, part, partAt + partM)).intoArray(part, partAt + partM);
        s2.add(FloatVector.fromArray(F, part, partAt + 2 * partM)).intoArray(part, partAt + 2 * partM);
        s3.add(FloatVector.fromArray(F, part, partAt + 3 * partM)).intoArray(part, partAt + 3 * partM);
    }
}

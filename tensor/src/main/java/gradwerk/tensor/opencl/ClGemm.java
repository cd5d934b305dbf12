package gradwerk.tensor.opencl;

import gradwerk.tensor.UnaryOp;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Host side of gemm.cl: checks shapes, works out batch strides, picks a tiling the device can run, launches.
 */
final class ClGemm {
    /** One configuration of gemm.cl (its build options): tile sizes and the block each work-item computes. */
    record Tiling(int tsm, int tsn, int tsk, int wptm, int wptn) {
        int threadsM() {
            return tsm / wptm;
        }

        int threadsN() {
            return tsn / wptn;
        }

        int threads() {
            return threadsM() * threadsN();
        }

        String options() {
            return " -DTSM=" + tsm + " -DTSN=" + tsn + " -DTSK=" + tsk + " -DWPTM=" + wptm + " -DWPTN=" + wptn;
        }

        /** Parses "TSM,TSN,TSK,WPTM,WPTN", e.g. "64,64,16,4,4". */
        static Tiling parse(String s) {
            String[] p = s.split(",");
            if (p.length != 5) throw new IllegalArgumentException("gemm tiling '" + s + "': want TSM,TSN,TSK,WPTM,WPTN");
            int[] v = new int[5];
            for (int i = 0; i < 5; i++) v[i] = Integer.parseInt(p[i].trim());
            Tiling t = new Tiling(v[0], v[1], v[2], v[3], v[4]);
            if (t.tsm % t.wptm != 0 || t.tsn % t.wptn != 0)
                throw new IllegalArgumentException("gemm tiling '" + s + "': TSM/WPTM and TSN/WPTN must divide");
            return t;
        }
    }

    /**
     * Tilings from fast to modest, tried in order: 64x64 tiles with 4x4 per work-item need 256 work-items per
     * group, which most GPUs allow; smaller devices get smaller groups. System property
     * {@code gradwerk.opencl.gemm=TSM,TSN,TSK,WPTM,WPTN} overrides the choice (for tuning).
     */
    static final List<Tiling> TILINGS = List.of(new Tiling(64, 64, 16, 4, 4), new Tiling(32, 32, 16, 4, 4),
            new Tiling(16, 16, 16, 4, 4), new Tiling(8, 8, 8, 2, 2));

    /**
     * CPU devices run a work-group as a loop over its work-items, and keep per-work-item values that live across
     * a barrier in memory: few work-items with big register blocks suit them best (PoCL on 2 cores: 4-8 GFLOP/s
     * with 16x16 per work-item against 1-2 with 4x4).
     */
    static final List<Tiling> CPU_TILINGS = java.util.stream.Stream.concat(
            java.util.stream.Stream.of(new Tiling(128, 128, 16, 16, 16)), TILINGS.stream()).toList();

    private record Choice(Tiling tiling, ClKernel kernel) {}

    private final OpenClContext ctx;
    private final List<Tiling> only; // null: choose by device type (or the system property)
    private final Map<ClType, Choice> chosen = new ConcurrentHashMap<>();

    ClGemm(OpenClContext ctx) {
        this(ctx, null);
    }

    /** A GEMM restricted to one tiling (tests check every tiling on whatever device they have). */
    ClGemm(OpenClContext ctx, Tiling tiling) {
        this.ctx = ctx;
        this.only = tiling == null ? null : List.of(tiling);
    }

    void run(ClView a, ClView b, ClView c, double alpha, double beta) {
        int ra = a.rank(), rb = b.rank(), rc = c.rank();
        if (ra < 2 || ra > 3 || rb < 2 || rb > 3 || rc < 2 || rc > 3)
            throw new IllegalArgumentException("matmul takes rank 2 or 3 views, got " + describe(a, b, c));
        int m = a.shape()[ra - 2], k = a.shape()[ra - 1], n = b.shape()[rb - 1];
        int batchA = ra == 3 ? a.shape()[0] : 1, batchB = rb == 3 ? b.shape()[0] : 1;
        int batch = Math.max(batchA, batchB);
        boolean batched = ra == 3 || rb == 3;
        boolean ok = b.shape()[rb - 2] == k && (batchA == batch || batchA == 1) && (batchB == batch || batchB == 1)
                && rc == (batched ? 3 : 2) && c.shape()[rc - 2] == m && c.shape()[rc - 1] == n
                && (!batched || c.shape()[0] == batch);
        if (!ok) throw new IllegalArgumentException("matmul shapes do not fit: " + describe(a, b, c));
        if ((long) m * n * batch == 0) return;
        ClType t = c.type();
        if (k == 0) { // an empty sum: C = beta * C
            if (beta == 0) ctx.kernels().fill(c, 0);
            else ctx.kernels().unary(UnaryOp.MUL_SCALAR, c, c, beta, 0);
            return;
        }
        Choice ch = choice(t);
        Tiling tl = ch.tiling();
        long[] global = {ClReductions.ceilDiv(n, tl.tsn()) * tl.threadsN(),
                ClReductions.ceilDiv(m, tl.tsm()) * tl.threadsM(), batch};
        long[] local = {tl.threadsN(), tl.threadsM(), 1};
        ch.kernel().launch(global, local, m, n, k, t.scalar(alpha), t.scalar(beta),
                a.buffer(), a.offset(), batchStride(a), a.strides()[ra - 2], a.strides()[ra - 1],
                b.buffer(), b.offset(), batchStride(b), b.strides()[rb - 2], b.strides()[rb - 1],
                c.buffer(), c.offset(), batchStride(c), c.strides()[rc - 2], c.strides()[rc - 1]);
    }

    /** The tiling in use for {@code t} (after the first product of that type). */
    Tiling tiling(ClType t) {
        return choice(t).tiling();
    }

    private Choice choice(ClType t) {
        return chosen.computeIfAbsent(t, type -> {
            String forced = System.getProperty("gradwerk.opencl.gemm");
            OpenClDevice d = ctx.device();
            List<Tiling> candidates = only != null ? only
                    : forced != null && !forced.isBlank() ? List.of(Tiling.parse(forced))
                    : d.type() == DeviceType.CPU ? CPU_TILINGS : TILINGS;
            for (Tiling tl : candidates) {
                long localBytes = (long) tl.tsk() * (tl.tsm() + tl.tsn()) * type.bytes();
                if (tl.threads() > d.maxWorkGroupSize() || localBytes > d.localMemBytes()) continue;
                ClKernel k = ctx.kernel("gemm.cl", ctx.typedOptions(type) + tl.options(), "gemm");
                // The compiled kernel may allow fewer work-items than the device (registers): then go smaller.
                if (k.maxWorkGroupSize >= tl.threads()) return new Choice(tl, k);
            }
            throw new UnsupportedOperationException("no gemm tiling fits device " + d.id() + " '" + d.name()
                    + "' (max work-group " + d.maxWorkGroupSize() + ", local memory " + d.localMemBytes() + " B)");
        });
    }

    /** The stride between batch entries: 0 for a rank-2 operand or a batch of 1 (shared by the whole batch). */
    private static int batchStride(ClView v) {
        return v.rank() == 3 && v.shape()[0] > 1 ? v.strides()[0] : 0;
    }

    private static String describe(ClView a, ClView b, ClView c) {
        return ClKernels.shape(a.shape()) + " x " + ClKernels.shape(b.shape()) + " -> " + ClKernels.shape(c.shape());
    }
}

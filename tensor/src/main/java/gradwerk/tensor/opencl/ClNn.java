package gradwerk.tensor.opencl;

import gradwerk.tensor.nn.Window2d;

/**
 * Host side of the neural-network kernels (conv.cl, pool.cl, sampling.cl, norm.cl): the OpenCL implementations of
 * the nn primitives of {@link gradwerk.tensor.Backend}, on {@link ClView}s. Shapes and semantics are the Backend
 * contract's (cpu.NnReference is the definition they are tested against); {@link OpenClBackend} checks nothing
 * more and calls these.
 *
 * <p>Layouts: every operand may be any strided view - kernels take an element offset and one stride per dimension
 * (as an {@code int4}) - so nothing is copied to contiguous memory first; outputs are written through their
 * strides too.
 *
 * <p>Scatters: max pooling's and grid_sample's input gradients add into positions only known at run time. They
 * use atomic adds (compare-and-swap loops, common.cl) for float, and for double where the device has
 * {@code cl_khr_int64_base_atomics}; otherwise, or when {@link #deterministic} is set, one work-item per
 * (n, c) plane adds that plane's contributions in a fixed order (reproducible bit for bit, but only N·C-way
 * parallel). Every other backward pass is written as a gather (one work-item per input pixel), deterministic
 * and free of atomics.
 */
final class ClNn {
    /** Largest work-group for the statistics kernels (a power of two). */
    private static final int GROUP = 256;

    private final OpenClContext ctx;
    /**
     * Use the plane-per-work-item scatter kernels even where atomics exist: reproducible sums, slower on GPUs.
     * System property {@code gradwerk.opencl.deterministic}; tests flip it to cover both paths.
     */
    volatile boolean deterministic = Boolean.getBoolean("gradwerk.opencl.deterministic");

    ClNn(OpenClContext ctx) {
        this.ctx = ctx;
    }

    /** Whether scatters of type t use atomic adds (see the class comment). */
    boolean atomicScatter(ClType t) {
        return !deterministic && (t == ClType.FLOAT || ctx.hasInt64Atomics());
    }

    // ================================================================ convolution: im2col / col2im (conv.cl)

    /** columns [C*kh*kw, outH, outW] = the windows of img [C,H,W] (0 in the padding). */
    void im2col(ClView img, Window2d w, ClView cols) {
        int total = img.shape()[0] * cols.shape()[1] * cols.shape()[2]; // one work-item per (c, oh, ow)
        if (total == 0) return;
        kernel("conv.cl", img.type(), "im2col").launch1d(total, img.buffer(), img.offset(), st4(img), img.shape()[1],
                img.shape()[2], cols.buffer(), cols.offset(), st4(cols), cols.shape()[1], cols.shape()[2], win8(w),
                total);
    }

    /** img [C,H,W] += every column entry im2col would have read from that pixel. */
    void col2im(ClView cols, Window2d w, ClView img) {
        int total = img.numel();
        if (total == 0) return;
        int[] s = img.shape();
        kernel("conv.cl", img.type(), "col2im").launch1d(total, cols.buffer(), cols.offset(), st4(cols),
                cols.shape()[1], cols.shape()[2], img.buffer(), img.offset(), st4(img), s[0], s[1], s[2], win8(w),
                total);
    }

    // ================================================================ pooling (pool.cl)

    void maxPool2d(ClView in, Window2d w, ClView out, ClView idx) {
        int total = out.numel();
        if (total == 0) return;
        int[] o = out.shape();
        kernel("pool.cl", in.type(), "max_pool2d").launch1d(total, in.buffer(), in.offset(), st4(in), in.shape()[2],
                in.shape()[3], out.buffer(), out.offset(), st4(out), idx.buffer(), idx.offset(), st4(idx), o[1], o[2],
                o[3], win8(w), total);
    }

    /** gi (overwritten) = Σ gradOut at the windows whose maximum was there. */
    void maxPool2dBackward(ClView go, ClView idx, ClView gi) {
        ctx.kernels().fill(gi, 0);
        int total = go.numel();
        if (total == 0) return;
        int[] o = go.shape();
        ClType t = gi.type();
        int width = gi.shape()[3];
        if (atomicScatter(t))
            kernel("pool.cl", t, "max_pool2d_backward_atomic").launch1d(total, go.buffer(), go.offset(), st4(go),
                    idx.buffer(), idx.offset(), st4(idx), gi.buffer(), gi.offset(), st4(gi), width, o[1], o[2], o[3],
                    total);
        else
            kernel("pool.cl", t, "max_pool2d_backward_plane").launch1d(o[0] * o[1], go.buffer(), go.offset(), st4(go),
                    idx.buffer(), idx.offset(), st4(idx), gi.buffer(), gi.offset(), st4(gi), width, o[1], o[2], o[3],
                    o[0] * o[1]);
    }

    void avgPool2d(ClView in, Window2d w, boolean countIncludePad, int divisorOverride, ClView out) {
        int total = out.numel();
        if (total == 0) return;
        int[] o = out.shape();
        kernel("pool.cl", in.type(), "avg_pool2d").launch1d(total, in.buffer(), in.offset(), st4(in), in.shape()[2],
                in.shape()[3], out.buffer(), out.offset(), st4(out), o[1], o[2], o[3], win8(w),
                countIncludePad ? 1 : 0, divisorOverride, total);
    }

    void avgPool2dBackward(ClView go, Window2d w, boolean countIncludePad, int divisorOverride, ClView gi) {
        int total = gi.numel();
        if (total == 0) return;
        int[] s = gi.shape();
        kernel("pool.cl", gi.type(), "avg_pool2d_backward").launch1d(total, go.buffer(), go.offset(), st4(go),
                go.shape()[2], go.shape()[3], gi.buffer(), gi.offset(), st4(gi), s[1], s[2], s[3], win8(w),
                countIncludePad ? 1 : 0, divisorOverride, total);
    }

    void adaptiveAvgPool2d(ClView in, ClView out) {
        int total = out.numel();
        if (total == 0) return;
        int[] o = out.shape();
        kernel("pool.cl", in.type(), "adaptive_avg_pool2d").launch1d(total, in.buffer(), in.offset(), st4(in),
                in.shape()[2], in.shape()[3], out.buffer(), out.offset(), st4(out), o[1], o[2], o[3], total);
    }

    void adaptiveAvgPool2dBackward(ClView go, ClView gi) {
        int total = gi.numel();
        if (total == 0) return;
        int[] s = gi.shape();
        kernel("pool.cl", gi.type(), "adaptive_avg_pool2d_backward").launch1d(total, go.buffer(), go.offset(),
                st4(go), go.shape()[2], go.shape()[3], gi.buffer(), gi.offset(), st4(gi), s[1], s[2], s[3], total);
    }

    // ================================================================ resizing and grid_sample (sampling.cl)

    /**
     * out = in resized. Nearest takes its scales as float32 (as PyTorch computes nearest sources); bilinear as
     * the element type.
     */
    void upsample2d(ClView in, boolean nearest, boolean alignCorners, double scaleH, double scaleW, ClView out) {
        int total = out.numel();
        if (total == 0) return;
        int[] o = out.shape();
        ClType t = in.type();
        if (nearest)
            kernel("sampling.cl", t, "upsample_nearest").launch1d(total, in.buffer(), in.offset(), st4(in),
                    in.shape()[2], in.shape()[3], out.buffer(), out.offset(), st4(out), o[1], o[2], o[3],
                    (float) scaleH, (float) scaleW, total);
        else
            kernel("sampling.cl", t, "upsample_bilinear").launch1d(total, in.buffer(), in.offset(), st4(in),
                    in.shape()[2], in.shape()[3], out.buffer(), out.offset(), st4(out), o[1], o[2], o[3],
                    t.scalar(scaleH), t.scalar(scaleW), alignCorners ? 1 : 0, total);
    }

    void upsample2dBackward(ClView go, boolean nearest, boolean alignCorners, double scaleH, double scaleW,
                            ClView gi) {
        int total = gi.numel();
        if (total == 0) return;
        int[] s = gi.shape();
        ClType t = gi.type();
        kernel("sampling.cl", t, "upsample_backward").launch1d(total, go.buffer(), go.offset(), st4(go),
                go.shape()[2], go.shape()[3], gi.buffer(), gi.offset(), st4(gi), s[1], s[2], s[3], nearest ? 1 : 0,
                (float) scaleH, (float) scaleW, t.scalar(scaleH), t.scalar(scaleW), alignCorners ? 1 : 0, total);
    }

    void gridSample2d(ClView in, ClView grid, boolean nearest, boolean border, boolean alignCorners, ClView out) {
        int[] o = out.shape();
        int total = o[0] * o[2] * o[3];
        if (total == 0 || o[1] == 0) return;
        int[] s = in.shape();
        kernel("sampling.cl", in.type(), "grid_sample").launch1d(total, in.buffer(), in.offset(), st4(in), s[1], s[2],
                s[3], grid.buffer(), grid.offset(), st4(grid), out.buffer(), out.offset(), st4(out), o[2], o[3],
                nearest ? 1 : 0, border ? 1 : 0, alignCorners ? 1 : 0, total);
    }

    /** gi [N,C,H,W] and gg [N,outH,outW,2] (either may be null) are overwritten. */
    void gridSample2dBackward(ClView go, ClView in, ClView grid, boolean nearest, boolean border,
                              boolean alignCorners, ClView gi, ClView gg) {
        int[] s = in.shape(), o = go.shape();
        ClType t = in.type();
        if (gi != null) ctx.kernels().fill(gi, 0);
        if (gg != null) ctx.kernels().fill(gg, 0);
        int points = o[0] * o[2] * o[3];
        if (points == 0 || s[1] == 0) return;
        boolean scatter = gi != null && atomicScatter(t);
        if (scatter || gg != null) {
            ClView giArg = scatter ? gi : go, ggArg = gg != null ? gg : go; // unused operands: any valid buffer
            kernel("sampling.cl", t, "grid_sample_backward").launch1d(points, go.buffer(), go.offset(), st4(go),
                    in.buffer(), in.offset(), st4(in), s[1], s[2], s[3], grid.buffer(), grid.offset(), st4(grid),
                    giArg.buffer(), giArg.offset(), st4(giArg), scatter ? 1 : 0, ggArg.buffer(), ggArg.offset(),
                    st4(ggArg), gg != null ? 1 : 0, o[2], o[3], nearest ? 1 : 0, border ? 1 : 0,
                    alignCorners ? 1 : 0, points);
        }
        if (gi != null && !scatter) {
            int planes = s[0] * s[1];
            kernel("sampling.cl", t, "grid_sample_backward_plane").launch1d(planes, go.buffer(), go.offset(), st4(go),
                    s[1], s[2], s[3], grid.buffer(), grid.offset(), st4(grid), gi.buffer(), gi.offset(), st4(gi),
                    o[2], o[3], nearest ? 1 : 0, border ? 1 : 0, alignCorners ? 1 : 0, planes);
        }
    }

    // ================================================================ normalisation (norm.cl)

    /** See Backend.batchNorm; x [N,C,L]; weight, bias, runningMean, runningVar may be null. */
    void batchNorm(ClView x, ClView weight, ClView bias, ClView runningMean, ClView runningVar, boolean training,
                   double momentum, double eps, ClView out, ClView saveMean, ClView saveInvstd) {
        int n = x.shape()[0], c = x.shape()[1], l = x.shape()[2];
        if (c == 0) return;
        ClType t = x.type();
        ClView any = saveMean; // stands in for absent operands
        if (training) {
            ClKernel k = kernel("norm.cl", t, "batch_norm_stats");
            long group = groupFor(k, (long) n * l);
            ClView rm = or(runningMean, any), rv = or(runningVar, any);
            k.launch(new long[] {c * group}, new long[] {group}, x.buffer(), x.offset(), st4(x), n, l, rm.buffer(),
                    rm.offset(), st1(rm), runningMean != null ? 1 : 0, rv.buffer(), rv.offset(), st1(rv),
                    runningVar != null ? 1 : 0, t.scalar(momentum), t.scalar(eps), saveMean.buffer(),
                    saveMean.offset(), st1(saveMean), saveInvstd.buffer(), saveInvstd.offset(), st1(saveInvstd),
                    new ClKernel.Local(group * t.bytes()));
        } else {
            kernel("norm.cl", t, "batch_norm_eval_stats").launch1d(c, runningMean.buffer(), runningMean.offset(),
                    st1(runningMean), runningVar.buffer(), runningVar.offset(), st1(runningVar), t.scalar(eps),
                    saveMean.buffer(), saveMean.offset(), st1(saveMean), saveInvstd.buffer(), saveInvstd.offset(),
                    st1(saveInvstd), c);
        }
        int total = x.numel();
        if (total == 0) return;
        ClView w = or(weight, any), b = or(bias, any);
        kernel("norm.cl", t, "batch_norm_apply").launch1d(total, x.buffer(), x.offset(), st4(x), c, l,
                saveMean.buffer(), saveMean.offset(), st1(saveMean), saveInvstd.buffer(), saveInvstd.offset(),
                st1(saveInvstd), w.buffer(), w.offset(), st1(w), weight != null ? 1 : 0, b.buffer(), b.offset(),
                st1(b), bias != null ? 1 : 0, out.buffer(), out.offset(), st4(out), total);
    }

    /** See Backend.batchNormBackward; gi, gw, gb may each be null. */
    void batchNormBackward(ClView go, ClView x, ClView weight, ClView saveMean, ClView saveInvstd, boolean training,
                           ClView gi, ClView gw, ClView gb) {
        int n = x.shape()[0], c = x.shape()[1], l = x.shape()[2];
        if (c == 0) return;
        ClType t = x.type();
        boolean needSums = gw != null || gb != null || (gi != null && training);
        try (ClBuffer sums = ctx.allocate(2L * c * t.bytes())) {
            if (needSums) {
                ClKernel k = kernel("norm.cl", t, "batch_norm_backward_sums");
                long group = groupFor(k, (long) n * l);
                ClView w = or(gw, saveMean), b = or(gb, saveMean);
                k.launch(new long[] {c * group}, new long[] {group}, go.buffer(), go.offset(), st4(go), x.buffer(),
                        x.offset(), st4(x), n, l, saveMean.buffer(), saveMean.offset(), st1(saveMean),
                        saveInvstd.buffer(), saveInvstd.offset(), st1(saveInvstd), sums, w.buffer(), w.offset(),
                        st1(w), gw != null ? 1 : 0, b.buffer(), b.offset(), st1(b), gb != null ? 1 : 0,
                        new ClKernel.Local(group * t.bytes()));
            }
            int total = x.numel();
            if (gi == null || total == 0) return;
            ClView w = or(weight, saveMean);
            kernel("norm.cl", t, "batch_norm_backward_input").launch1d(total, go.buffer(), go.offset(), st4(go),
                    x.buffer(), x.offset(), st4(x), c, l, n * l, saveMean.buffer(), saveMean.offset(), st1(saveMean),
                    saveInvstd.buffer(), saveInvstd.offset(), st1(saveInvstd), w.buffer(), w.offset(), st1(w),
                    weight != null ? 1 : 0, sums, training ? 1 : 0, gi.buffer(), gi.offset(), st4(gi), total);
        } // closing recycles the scratch buffer; the in-order queue runs later users after these kernels
    }

    /** See Backend.groupNorm; x [N,C,L], saveMean/saveInvstd [N,groups]. */
    void groupNorm(ClView x, ClView weight, ClView bias, int groups, double eps, ClView out, ClView saveMean,
                   ClView saveInvstd) {
        int n = x.shape()[0], c = x.shape()[1], l = x.shape()[2], cg = c / groups;
        if (n * groups == 0) return;
        ClType t = x.type();
        ClKernel k = kernel("norm.cl", t, "group_norm_stats");
        long group = groupFor(k, (long) cg * l);
        k.launch(new long[] {(long) n * groups * group}, new long[] {group}, x.buffer(), x.offset(), st4(x), l,
                groups, cg, t.scalar(eps), saveMean.buffer(), saveMean.offset(), st2(saveMean), saveInvstd.buffer(),
                saveInvstd.offset(), st2(saveInvstd), new ClKernel.Local(group * t.bytes()));
        int total = x.numel();
        if (total == 0) return;
        ClView w = or(weight, saveMean), b = or(bias, saveMean);
        kernel("norm.cl", t, "group_norm_apply").launch1d(total, x.buffer(), x.offset(), st4(x), c, l, cg,
                saveMean.buffer(), saveMean.offset(), st2(saveMean), saveInvstd.buffer(), saveInvstd.offset(),
                st2(saveInvstd), w.buffer(), w.offset(), st1(w), weight != null ? 1 : 0, b.buffer(), b.offset(),
                st1(b), bias != null ? 1 : 0, out.buffer(), out.offset(), st4(out), total);
    }

    /** See Backend.groupNormBackward; gi, gw, gb may each be null. */
    void groupNormBackward(ClView go, ClView x, ClView weight, ClView saveMean, ClView saveInvstd, int groups,
                           ClView gi, ClView gw, ClView gb) {
        int n = x.shape()[0], c = x.shape()[1], l = x.shape()[2], cg = c / groups;
        ClType t = x.type();
        if (gw != null || gb != null) {
            ClKernel k = kernel("norm.cl", t, "group_norm_backward_params");
            long group = groupFor(k, (long) n * l);
            ClView w = or(gw, saveMean), b = or(gb, saveMean);
            if (c > 0)
                k.launch(new long[] {c * group}, new long[] {group}, go.buffer(), go.offset(), st4(go), x.buffer(),
                        x.offset(), st4(x), n, l, cg, saveMean.buffer(), saveMean.offset(), st2(saveMean),
                        saveInvstd.buffer(), saveInvstd.offset(), st2(saveInvstd), w.buffer(), w.offset(), st1(w),
                        gw != null ? 1 : 0, b.buffer(), b.offset(), st1(b), gb != null ? 1 : 0,
                        new ClKernel.Local(group * t.bytes()));
        }
        int total = x.numel();
        if (gi == null || total == 0) return;
        try (ClBuffer sums = ctx.allocate(2L * n * groups * t.bytes())) {
            ClKernel k = kernel("norm.cl", t, "group_norm_backward_sums");
            long group = groupFor(k, (long) cg * l);
            ClView w = or(weight, saveMean);
            k.launch(new long[] {(long) n * groups * group}, new long[] {group}, go.buffer(), go.offset(), st4(go),
                    x.buffer(), x.offset(), st4(x), l, groups, cg, saveMean.buffer(), saveMean.offset(),
                    st2(saveMean), saveInvstd.buffer(), saveInvstd.offset(), st2(saveInvstd), w.buffer(), w.offset(),
                    st1(w), weight != null ? 1 : 0, sums, new ClKernel.Local(group * t.bytes()));
            kernel("norm.cl", t, "group_norm_backward_input").launch1d(total, go.buffer(), go.offset(), st4(go),
                    x.buffer(), x.offset(), st4(x), c, l, groups, cg, saveMean.buffer(), saveMean.offset(),
                    st2(saveMean), saveInvstd.buffer(), saveInvstd.offset(), st2(saveInvstd), w.buffer(), w.offset(),
                    st1(w), weight != null ? 1 : 0, sums, gi.buffer(), gi.offset(), st4(gi), total);
        }
    }

    // ================================================================ helpers

    private ClKernel kernel(String file, ClType t, String name) {
        return ctx.kernel(file, t, name);
    }

    /** A power-of-two work-group for reducing {@code count} values per group: up to {@link #GROUP}. */
    private static long groupFor(ClKernel k, long count) {
        return k.groupSize(Math.min(GROUP, ClReductions.nextPow2(Math.max(1, count))));
    }

    private static ClView or(ClView v, ClView fallback) {
        return v != null ? v : fallback;
    }

    /** The strides of a view of rank <= 4 as an int4 (unused components 0). */
    static int[] st4(ClView v) {
        int[] s = new int[4];
        System.arraycopy(v.strides(), 0, s, 0, v.rank());
        return s;
    }

    /** The strides of a rank-2 view as an int2. */
    private static int[] st2(ClView v) {
        return new int[] {v.strides()[0], v.strides()[1]};
    }

    /** The stride of a rank-1 view. */
    private static int st1(ClView v) {
        return v.rank() == 0 ? 0 : v.strides()[0];
    }

    /** (kh, kw, sh, sw, ph, pw, dh, dw) as an int8. */
    private static int[] win8(Window2d w) {
        return new int[] {w.kh(), w.kw(), w.sh(), w.sw(), w.ph(), w.pw(), w.dh(), w.dw()};
    }
}

// norm.cl - batch and group normalisation, forward and backward, on x viewed as [N, C, L]. -DREAL=float|double.
//
// Each op is split in two kinds of kernel:
//   * statistics: one work-group per statistic (a channel for batch norm, a (sample, group) pair for group norm)
//     strides through that statistic's elements and combines the partial sums in local memory (gw_group_sum,
//     common.cl). The mean comes first, then the variance as the mean of squared deviations (two passes, the
//     same formula as the reference, and no catastrophic cancellation as with E[x²] - E[x]²).
//   * apply: one work-item per element of x, reading the statistics just computed.
// Work-groups are a power of two (the host picks it); every work-item of a group takes part in the reductions.
//
// Operands are strided views: [N, C, L] with int4 strides (n, c, l, -), per-channel vectors [C] with one stride,
// statistics [N, G] with an int2 (n, g). Optional operands (weight, bias, running stats, gradients) come with a
// flag; the host passes some valid buffer in their place when absent. Semantics: cpu.NnReference.

#define X3(p, off, st, i0, i1, i2) p[(off) + (i0) * (st).s0 + (i1) * (st).s1 + (i2) * (st).s2]

// Mean (returned), inverse standard deviation and sum of squared deviations of `count` values, element e at
// base + (e / L) * outerStride + (e % L) * lStride (e / L walks samples for batch norm, the channels of a group for
// group norm).
inline REAL gw_mean_invstd(__global const REAL* x, int base, int outerStride, int lStride, int L, int count,
                           REAL eps, __local REAL* scratch, REAL* invstd, REAL* sumSquares) {
    int lid = get_local_id(0), size = get_local_size(0);
    REAL s = ZERO;
    for (int e = lid; e < count; e += size) s += x[base + (e / L) * outerStride + (e % L) * lStride];
    REAL mean = gw_group_sum(s, scratch) / count;
    REAL ss = ZERO;
    for (int e = lid; e < count; e += size) {
        REAL d = x[base + (e / L) * outerStride + (e % L) * lStride] - mean;
        ss += d * d;
    }
    ss = gw_group_sum(ss, scratch);
    *sumSquares = ss;
    *invstd = ONE / sqrt(ss / count + eps);
    return mean;
}

// ---- batch norm ----------------------------------------------------------------------------------------------------

// Training statistics, one work-group per channel: saveMean/saveInvstd[c], and the running stats moved by
// momentum towards the batch's mean and UNBIASED variance.
__kernel void batch_norm_stats(__global const REAL* x, int xOff, int4 xSt, int N, int L,
                               __global REAL* rm, int rmOff, int rmSt, int hasRunningMean,
                               __global REAL* rv, int rvOff, int rvSt, int hasRunningVar, REAL momentum, REAL eps,
                               __global REAL* sm, int smOff, int smSt, __global REAL* si, int siOff, int siSt,
                               __local REAL* scratch) {
    int c = get_group_id(0), count = N * L;
    REAL invstd, ss;
    REAL mean = gw_mean_invstd(x, xOff + c * xSt.y, xSt.x, xSt.z, L, count, eps, scratch, &invstd, &ss);
    if (get_local_id(0) != 0) return;
    sm[smOff + c * smSt] = mean;
    si[siOff + c * siSt] = invstd;
    if (hasRunningMean) rm[rmOff + c * rmSt] = (ONE - momentum) * rm[rmOff + c * rmSt] + momentum * mean;
    if (hasRunningVar) rv[rvOff + c * rvSt] = (ONE - momentum) * rv[rvOff + c * rvSt] + momentum * ss / (count - 1);
}

// Evaluation statistics: the running ones. One work-item per channel.
__kernel void batch_norm_eval_stats(__global const REAL* rm, int rmOff, int rmSt, __global const REAL* rv, int rvOff,
                                    int rvSt, REAL eps, __global REAL* sm, int smOff, int smSt,
                                    __global REAL* si, int siOff, int siSt, int C) {
    int c = get_global_id(0);
    if (c >= C) return;
    sm[smOff + c * smSt] = rm[rmOff + c * rmSt];
    si[siOff + c * siSt] = ONE / sqrt(rv[rvOff + c * rvSt] + eps);
}

// out = (x - mean[c]) * invstd[c] * weight[c] + bias[c], one work-item per element.
__kernel void batch_norm_apply(__global const REAL* x, int xOff, int4 xSt, int C, int L,
                               __global const REAL* sm, int smOff, int smSt, __global const REAL* si, int siOff, int siSt,
                               __global const REAL* w, int wOff, int wSt, int hasWeight,
                               __global const REAL* b, int bOff, int bSt, int hasBias,
                               __global REAL* out, int outOff, int4 outSt, int total) {
    int g = get_global_id(0);
    if (g >= total) return;
    int l = g % L, c = (g / L) % C, n = g / (L * C);
    REAL scale = hasWeight ? w[wOff + c * wSt] : ONE, shift = hasBias ? b[bOff + c * bSt] : ZERO;
    X3(out, outOff, outSt, n, c, l) = (X3(x, xOff, xSt, n, c, l) - sm[smOff + c * smSt]) * si[siOff + c * siSt] * scale + shift;
}

// Backward sums per channel (one work-group each): sums[2c] = Σ g, sums[2c+1] = Σ g * xhat; also gradBias and
// gradWeight when wanted.
__kernel void batch_norm_backward_sums(__global const REAL* go, int goOff, int4 goSt,
                                       __global const REAL* x, int xOff, int4 xSt, int N, int L,
                                       __global const REAL* sm, int smOff, int smSt, __global const REAL* si, int siOff,
                                       int siSt, __global REAL* sums,
                                       __global REAL* gw, int gwOff, int gwSt, int wantWeight,
                                       __global REAL* gb, int gbOff, int gbSt, int wantBias, __local REAL* scratch) {
    int c = get_group_id(0), lid = get_local_id(0), size = get_local_size(0), count = N * L;
    REAL mean = sm[smOff + c * smSt], invstd = si[siOff + c * siSt];
    REAL sg = ZERO, sgx = ZERO;
    for (int e = lid; e < count; e += size) {
        int n = e / L, l = e % L;
        REAL gv = X3(go, goOff, goSt, n, c, l);
        sg += gv;
        sgx += gv * (X3(x, xOff, xSt, n, c, l) - mean) * invstd;
    }
    sg = gw_group_sum(sg, scratch);
    sgx = gw_group_sum(sgx, scratch);
    if (lid != 0) return;
    sums[2 * c] = sg;
    sums[2 * c + 1] = sgx;
    if (wantWeight) gw[gwOff + c * gwSt] = sgx;
    if (wantBias) gb[gbOff + c * gbSt] = sg;
}

// gradInput = weight * invstd * (g - Σg/m - xhat * Σ(g*xhat)/m) in training (the statistics depend on x),
// weight * invstd * g in evaluation.
__kernel void batch_norm_backward_input(__global const REAL* go, int goOff, int4 goSt,
                                        __global const REAL* x, int xOff, int4 xSt, int C, int L, int count,
                                        __global const REAL* sm, int smOff, int smSt, __global const REAL* si, int siOff,
                                        int siSt, __global const REAL* w, int wOff, int wSt, int hasWeight,
                                        __global const REAL* sums, int training,
                                        __global REAL* gi, int giOff, int4 giSt, int total) {
    int g = get_global_id(0);
    if (g >= total) return;
    int l = g % L, c = (g / L) % C, n = g / (L * C);
    REAL invstd = si[siOff + c * siSt], scale = hasWeight ? w[wOff + c * wSt] : ONE;
    REAL gv = X3(go, goOff, goSt, n, c, l);
    REAL d = gv;
    if (training) {
        REAL xhat = (X3(x, xOff, xSt, n, c, l) - sm[smOff + c * smSt]) * invstd;
        d = gv - sums[2 * c] / count - xhat * sums[2 * c + 1] / count;
    }
    X3(gi, giOff, giSt, n, c, l) = scale * invstd * d;
}

// ---- group norm ----------------------------------------------------------------------------------------------------
// Statistic (n, grp) covers channels grp*cg .. grp*cg + cg - 1 of sample n: cg*L values.

// One work-group per (n, grp): saveMean/saveInvstd[n, grp] (biased variance).
__kernel void group_norm_stats(__global const REAL* x, int xOff, int4 xSt, int L, int groups, int cg, REAL eps,
                               __global REAL* sm, int smOff, int2 smSt, __global REAL* si, int siOff, int2 siSt,
                               __local REAL* scratch) {
    int s = get_group_id(0), n = s / groups, grp = s % groups;
    REAL invstd, ss;
    REAL mean = gw_mean_invstd(x, xOff + n * xSt.x + grp * cg * xSt.y, xSt.y, xSt.z, L, cg * L, eps, scratch, &invstd,
                               &ss);
    if (get_local_id(0) != 0) return;
    sm[smOff + n * smSt.x + grp * smSt.y] = mean;
    si[siOff + n * siSt.x + grp * siSt.y] = invstd;
}

__kernel void group_norm_apply(__global const REAL* x, int xOff, int4 xSt, int C, int L, int cg,
                               __global const REAL* sm, int smOff, int2 smSt, __global const REAL* si, int siOff, int2 siSt,
                               __global const REAL* w, int wOff, int wSt, int hasWeight,
                               __global const REAL* b, int bOff, int bSt, int hasBias,
                               __global REAL* out, int outOff, int4 outSt, int total) {
    int g = get_global_id(0);
    if (g >= total) return;
    int l = g % L, c = (g / L) % C, n = g / (L * C), grp = c / cg;
    REAL scale = hasWeight ? w[wOff + c * wSt] : ONE, shift = hasBias ? b[bOff + c * bSt] : ZERO;
    REAL mean = sm[smOff + n * smSt.x + grp * smSt.y], invstd = si[siOff + n * siSt.x + grp * siSt.y];
    X3(out, outOff, outSt, n, c, l) = (X3(x, xOff, xSt, n, c, l) - mean) * invstd * scale + shift;
}

// Per (n, grp), one work-group each: sums[2s] = Σ dxhat, sums[2s+1] = Σ dxhat * xhat, with dxhat = g * weight[c].
__kernel void group_norm_backward_sums(__global const REAL* go, int goOff, int4 goSt,
                                       __global const REAL* x, int xOff, int4 xSt, int L, int groups, int cg,
                                       __global const REAL* sm, int smOff, int2 smSt, __global const REAL* si, int siOff,
                                       int2 siSt, __global const REAL* w, int wOff, int wSt, int hasWeight,
                                       __global REAL* sums, __local REAL* scratch) {
    int s = get_group_id(0), n = s / groups, grp = s % groups;
    int lid = get_local_id(0), size = get_local_size(0), count = cg * L;
    REAL mean = sm[smOff + n * smSt.x + grp * smSt.y], invstd = si[siOff + n * siSt.x + grp * siSt.y];
    REAL sd = ZERO, sdx = ZERO;
    for (int e = lid; e < count; e += size) {
        int c = grp * cg + e / L, l = e % L;
        REAL d = X3(go, goOff, goSt, n, c, l) * (hasWeight ? w[wOff + c * wSt] : ONE);
        sd += d;
        sdx += d * (X3(x, xOff, xSt, n, c, l) - mean) * invstd;
    }
    sd = gw_group_sum(sd, scratch);
    sdx = gw_group_sum(sdx, scratch);
    if (lid != 0) return;
    sums[2 * s] = sd;
    sums[2 * s + 1] = sdx;
}

// gradWeight[c] = Σ_n Σ_l g * xhat, gradBias[c] = Σ_n Σ_l g: one work-group per channel.
__kernel void group_norm_backward_params(__global const REAL* go, int goOff, int4 goSt,
                                         __global const REAL* x, int xOff, int4 xSt, int N, int L, int cg,
                                         __global const REAL* sm, int smOff, int2 smSt, __global const REAL* si,
                                         int siOff, int2 siSt,
                                         __global REAL* gw, int gwOff, int gwSt, int wantWeight,
                                         __global REAL* gb, int gbOff, int gbSt, int wantBias, __local REAL* scratch) {
    int c = get_group_id(0), grp = c / cg, lid = get_local_id(0), size = get_local_size(0), count = N * L;
    REAL sg = ZERO, sgx = ZERO;
    for (int e = lid; e < count; e += size) {
        int n = e / L, l = e % L;
        REAL gv = X3(go, goOff, goSt, n, c, l);
        REAL xhat = (X3(x, xOff, xSt, n, c, l) - sm[smOff + n * smSt.x + grp * smSt.y]) * si[siOff + n * siSt.x + grp * siSt.y];
        sg += gv;
        sgx += gv * xhat;
    }
    sg = gw_group_sum(sg, scratch);
    sgx = gw_group_sum(sgx, scratch);
    if (lid != 0) return;
    if (wantWeight) gw[gwOff + c * gwSt] = sgx;
    if (wantBias) gb[gbOff + c * gbSt] = sg;
}

// gradInput = invstd * (dxhat - Σdxhat/m - xhat * Σ(dxhat*xhat)/m), m = cg*L.
__kernel void group_norm_backward_input(__global const REAL* go, int goOff, int4 goSt,
                                        __global const REAL* x, int xOff, int4 xSt, int C, int L, int groups, int cg,
                                        __global const REAL* sm, int smOff, int2 smSt, __global const REAL* si, int siOff,
                                        int2 siSt, __global const REAL* w, int wOff, int wSt, int hasWeight,
                                        __global const REAL* sums, __global REAL* gi, int giOff, int4 giSt, int total) {
    int g = get_global_id(0);
    if (g >= total) return;
    int l = g % L, c = (g / L) % C, n = g / (L * C), grp = c / cg, s = n * groups + grp, count = cg * L;
    REAL mean = sm[smOff + n * smSt.x + grp * smSt.y], invstd = si[siOff + n * siSt.x + grp * siSt.y];
    REAL xhat = (X3(x, xOff, xSt, n, c, l) - mean) * invstd;
    REAL d = X3(go, goOff, goSt, n, c, l) * (hasWeight ? w[wOff + c * wSt] : ONE);
    X3(gi, giOff, giSt, n, c, l) = invstd * (d - sums[2 * s] / count - xhat * sums[2 * s + 1] / count);
}

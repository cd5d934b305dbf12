// reduce.cl - sum / max / min (mean = sum * 1/n) and argmax / argmin along one dimension. -DREAL=float|double.
//
// Two shapes of problem, each with its own kernels:
//
//  * rows: reduce the last dimension of a [rows, cols] strided view ("reduce_rows_*"). One work-group per row;
//    its work-items stride through the row, then combine their partial results in local memory. When there are
//    few rows and long ones (e.g. the sum of one big vector) a single group per row would leave most of a GPU
//    idle, so the host may split each row into `parts` pieces, each reduced by its own group into a temporary
//    [rows, parts] array, and reduce that again (for sums the same kernel runs twice; arg-reductions finish with
//    argreduce_partials_*).
//
//  * middle: reduce dimension r of an [outer, n, inner] strided view ("reduce_mid_*"), i.e. a dimension that is
//    not the innermost one. One work-item per output element loops over the n values; neighbouring work-items
//    read neighbouring inner elements, so the reads coalesce when the inner stride is 1.
//
// Results are written through (offset, stride) so the output may itself be a strided view. Arg-reductions write
// the index as a REAL (exact up to 2^24 for float); ties go to the first index, and NaN counts as the largest
// (and smallest) value, like numpy.

// ---- sum, max, min over rows --------------------------------------------------------------------------------------
#define REDUCE(op, INIT, COMBINE, GROUP)                                                                         \
__kernel void reduce_rows_##op(__global const REAL* in, int inOff, int rowStride, int colStride, int cols,     \
                               int parts, __global REAL* out, int outOff, int outStride, REAL scale,           \
                               __local REAL* scratch) {                                                        \
    int group = get_group_id(0), row = group / parts, part = group % parts;                                    \
    int chunk = (cols + parts - 1) / parts;                                                                    \
    int end = min(cols, (part + 1) * chunk);                                                                   \
    __global const REAL* x = in + inOff + row * rowStride;                                                     \
    REAL acc = INIT;                                                                                           \
    for (int c = part * chunk + (int) get_local_id(0); c < end; c += get_local_size(0))                        \
        acc = COMBINE(acc, x[c * colStride]);                                                                  \
    acc = GROUP(acc, scratch);                                                                                 \
    if (get_local_id(0) == 0) out[outOff + group * outStride] = acc * scale;                                   \
}                                                                                                              \
__kernel void reduce_mid_##op(__global const REAL* in, int inOff, int outerStride, int redStride,             \
                              int innerStride, int n, int inner, int total,                                    \
                              __global REAL* out, int outOff, int outOuterStride, int outInnerStride,         \
                              REAL scale) {                                                                    \
    int g = get_global_id(0);                                                                                  \
    if (g >= total) return;                                                                                    \
    int o = g / inner, i = g % inner;                                                                          \
    __global const REAL* x = in + inOff + o * outerStride + i * innerStride;                                   \
    REAL acc = INIT;                                                                                           \
    for (int r = 0; r < n; ++r) acc = COMBINE(acc, x[r * redStride]);                                          \
    out[outOff + o * outOuterStride + i * outInnerStride] = acc * scale;                                       \
}

REDUCE(sum, ZERO, GW_SUM, gw_group_sum)
REDUCE(max, -INFINITY, GW_MAX, gw_group_max)
REDUCE(min, INFINITY, GW_MIN, gw_group_min)

// ---- argmax, argmin -----------------------------------------------------------------------------------------------
// (v, i) against the best so far (bv, bi); an index < 0 means "nothing yet".
#define ARG_BETTER(name, CMP)                                                                                    \
inline bool name(REAL v, int i, REAL bv, int bi) {                                                             \
    if (i < 0) return false;                                                                                   \
    if (bi < 0) return true;                                                                                   \
    if (isnan(bv)) return isnan(v) && i < bi;                                                                  \
    if (isnan(v)) return true;                                                                                 \
    return v CMP bv || (v == bv && i < bi);                                                                    \
}
ARG_BETTER(gw_argmax_better, >)
ARG_BETTER(gw_argmin_better, <)

#define ARGREDUCE(op, BETTER)                                                                                    \
__kernel void argreduce_rows_##op(__global const REAL* in, int inOff, int rowStride, int colStride, int cols,  \
                                  int parts, __global REAL* partVal, __global int* partIdx,                    \
                                  __global REAL* out, int outOff, int outStride,                               \
                                  __local REAL* sv, __local int* si) {                                         \
    int group = get_group_id(0), row = group / parts, part = group % parts;                                    \
    int chunk = (cols + parts - 1) / parts;                                                                    \
    int end = min(cols, (part + 1) * chunk);                                                                   \
    int lid = get_local_id(0);                                                                                 \
    __global const REAL* x = in + inOff + row * rowStride;                                                     \
    REAL best = ZERO;                                                                                          \
    int bestIdx = -1;                                                                                          \
    for (int c = part * chunk + lid; c < end; c += get_local_size(0)) {                                        \
        REAL v = x[c * colStride];                                                                             \
        if (BETTER(v, c, best, bestIdx)) { best = v; bestIdx = c; }                                            \
    }                                                                                                          \
    sv[lid] = best;                                                                                            \
    si[lid] = bestIdx;                                                                                         \
    barrier(CLK_LOCAL_MEM_FENCE);                                                                              \
    for (int s = get_local_size(0) / 2; s > 0; s >>= 1) {                                                     \
        if (lid < s && BETTER(sv[lid + s], si[lid + s], sv[lid], si[lid])) {                                   \
            sv[lid] = sv[lid + s];                                                                             \
            si[lid] = si[lid + s];                                                                             \
        }                                                                                                      \
        barrier(CLK_LOCAL_MEM_FENCE);                                                                          \
    }                                                                                                          \
    if (lid == 0) {                                                                                            \
        if (parts == 1) {                                                                                      \
            out[outOff + row * outStride] = (REAL) si[0];                                                      \
        } else {                                                                                               \
            partVal[group] = sv[0];                                                                            \
            partIdx[group] = si[0];                                                                            \
        }                                                                                                      \
    }                                                                                                          \
}                                                                                                              \
/* Second pass of a split row: one work-item per row combines its `parts` partial winners. */                  \
__kernel void argreduce_partials_##op(__global const REAL* partVal, __global const int* partIdx, int parts,   \
                                      int rows, __global REAL* out, int outOff, int outStride) {               \
    int row = get_global_id(0);                                                                                \
    if (row >= rows) return;                                                                                   \
    REAL best = ZERO;                                                                                          \
    int bestIdx = -1;                                                                                          \
    for (int p = row * parts; p < (row + 1) * parts; ++p)                                                      \
        if (BETTER(partVal[p], partIdx[p], best, bestIdx)) { best = partVal[p]; bestIdx = partIdx[p]; }        \
    out[outOff + row * outStride] = (REAL) bestIdx;                                                            \
}                                                                                                              \
__kernel void argreduce_mid_##op(__global const REAL* in, int inOff, int outerStride, int redStride,          \
                                 int innerStride, int n, int inner, int total,                                 \
                                 __global REAL* out, int outOff, int outOuterStride, int outInnerStride) {    \
    int g = get_global_id(0);                                                                                  \
    if (g >= total) return;                                                                                    \
    int o = g / inner, i = g % inner;                                                                          \
    __global const REAL* x = in + inOff + o * outerStride + i * innerStride;                                   \
    REAL best = ZERO;                                                                                          \
    int bestIdx = -1;                                                                                          \
    for (int r = 0; r < n; ++r)                                                                                \
        if (BETTER(x[r * redStride], r, best, bestIdx)) { best = x[r * redStride]; bestIdx = r; }             \
    out[outOff + o * outOuterStride + i * outInnerStride] = (REAL) bestIdx;                                    \
}

ARGREDUCE(argmax, gw_argmax_better)
ARGREDUCE(argmin, gw_argmin_better)

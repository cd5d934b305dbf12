// softmax.cl - softmax and log-softmax over the last dimension of a [rows, cols] strided view. -DREAL=...
//
// One work-group per row, three passes over the row:
//   1. m = max(x)                        (work-group reduction)
//   2. s = sum(exp(x - m))               every term is in (0, 1], so nothing overflows, and s >= 1
//   3. softmax: exp(x - m) / s    log-softmax: (x - m) - log(s)
// Subtracting the maximum is what makes this numerically stable: exp(x) alone overflows float at x > 88.
// The output is written through its own strides; it may be the input itself (same positions).

__kernel void softmax_rows(__global const REAL* in, int inOff, int rowStride, int colStride, int cols,
                           __global REAL* out, int outOff, int outRowStride, int outColStride, int logSoftmax,
                           __local REAL* scratch) {
    int row = get_group_id(0), lid = get_local_id(0), size = get_local_size(0);
    __global const REAL* x = in + inOff + row * rowStride;
    __global REAL* y = out + outOff + row * outRowStride;

    REAL m = -INFINITY;
    for (int c = lid; c < cols; c += size) m = GW_MAX(m, x[c * colStride]);
    m = gw_group_max(m, scratch);

    REAL s = ZERO;
    for (int c = lid; c < cols; c += size) s += exp(x[c * colStride] - m);
    s = gw_group_sum(s, scratch);

    if (logSoftmax) {
        REAL logS = log(s);
        for (int c = lid; c < cols; c += size) y[c * outColStride] = (x[c * colStride] - m) - logS;
    } else {
        for (int c = lid; c < cols; c += size) y[c * outColStride] = exp(x[c * colStride] - m) / s;
    }
}

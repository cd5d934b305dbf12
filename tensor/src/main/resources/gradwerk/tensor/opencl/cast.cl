// cast.cl - conversion between float and double. Built only on devices with cl_khr_fp64 (it uses both types),
// without -DREAL. Same layout conventions as elementwise.cl: a contiguous fast path and a strided kernel.

#define CAST(name, FROM, TO)                                                                                     \
__kernel void name##_contig(__global const FROM* in, int inOff, __global TO* out, int outOff, int n) {         \
    int i = get_global_id(0);                                                                                  \
    if (i < n) out[outOff + i] = (TO) in[inOff + i];                                                           \
}                                                                                                              \
__kernel void name##_strided(__global const FROM* in, int inOff, int8 inStrides,                              \
                             __global TO* out, int outOff, int8 outStrides, int8 shape, int rank, int n) {    \
    int i = get_global_id(0);                                                                                  \
    if (i < n) {                                                                                               \
        int4 o = gw_offsets(i, rank, shape, inStrides, outStrides, (int8)(0), (int8)(0));                     \
        out[outOff + o.y] = (TO) in[inOff + o.x];                                                              \
    }                                                                                                          \
}

// (TO) rounds to nearest even, as Java's (float) cast does.
CAST(cast_float_to_double, float, double)
CAST(cast_double_to_float, double, float)

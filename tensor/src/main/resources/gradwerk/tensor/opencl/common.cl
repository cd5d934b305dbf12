// common.cl - the prelude of every gradwerk kernel file.
//
// OpenCL C cannot #include a file that lives inside a jar, so the host puts this text in front of each kernel
// file before compiling it (followed by a #line directive, so compiler messages still name the right file).
// Build options the host passes:
//   -DGW_FP64=1          the device has cl_khr_fp64 (double precision)
//   -DREAL=float|double  the element type of typed files: each one is compiled once per type it is used with
//   -DGW_REAL_DOUBLE=1   REAL is double (the preprocessor cannot compare type names)
//   -DGW_INT64_ATOMICS=1 the device has cl_khr_int64_base_atomics (64-bit compare-and-swap)
//   -cl-mad-enable       a*b+c may use a fused/faster multiply-add
// plus whatever gradwerk.opencl.buildOptions / GRADWERK_OPENCL_BUILD_OPTIONS adds (OpenClContext.extraBuildOptions),
// e.g. -DGW_FAIL_BUILD=1, which stops every build here: a way to see (and test) how a build error is reported.

#ifdef GW_FAIL_BUILD
#error "GW_FAIL_BUILD is defined: this build fails on purpose (see gradwerk.opencl.buildOptions)"
#endif

#ifdef GW_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

#ifdef REAL
#define ZERO ((REAL) 0)
#define ONE ((REAL) 1)
#endif

// ---- strided indexing -------------------------------------------------------------------------------------------
//
// A strided operand stores element (i0, ..., i{r-1}) at  offset + i0*stride0 + ... + i{r-1}*stride{r-1}.
// Broadcasting is a stride of 0. Kernels get shapes and strides as int8 values (so rank <= 8) without any buffer
// allocation. They are right-aligned: the innermost dimension is component 7, unused leading components hold
// shape 1 and stride 0. The host merges dimensions that are contiguous in every operand before launching, so the
// rank seen here is usually 1 to 3 and the loop below exits early.

// The offsets, in up to four operands (x, y, z, w), of the element whose linear row-major index in shape is i.
inline int4 gw_offsets(int i, int rank, int8 shape, int8 s0, int8 s1, int8 s2, int8 s3) {
    // Vector components cannot be indexed by a variable in OpenCL C; small private arrays can, and a fully
    // unrolled loop keeps them in registers.
    int sh[8], a[8], b[8], c[8], d[8];
    vstore8(shape, 0, sh);
    vstore8(s0, 0, a);
    vstore8(s1, 0, b);
    vstore8(s2, 0, c);
    vstore8(s3, 0, d);
    int4 o = (int4)(0);
    #pragma unroll
    for (int k = 7; k >= 0; --k) {
        if (k >= 8 - rank) {            // the same for every work-item: no divergence
            int n = sh[k];
            int coord = i % n;          // coordinate along dimension k
            i /= n;
            o += coord * (int4)(a[k], b[k], c[k], d[k]);
        }
    }
    return o;
}

#ifdef REAL
// ---- work-group reductions --------------------------------------------------------------------------------------
//
// Every work-item brings one value; every work-item gets the group's result. The group size must be a power of
// two and scratch must hold one REAL per work-item. All work-items of the group must call these (barriers).

#define GW_GROUP_REDUCE(name, COMBINE)                                                                           \
inline REAL name(REAL v, __local REAL* scratch) {                                                              \
    int lid = get_local_id(0);                                                                                 \
    scratch[lid] = v;                                                                                          \
    barrier(CLK_LOCAL_MEM_FENCE);                                                                              \
    for (int s = get_local_size(0) / 2; s > 0; s >>= 1) { /* tree: halve the active work-items each step */   \
        if (lid < s) scratch[lid] = COMBINE(scratch[lid], scratch[lid + s]);                                   \
        barrier(CLK_LOCAL_MEM_FENCE);                                                                          \
    }                                                                                                          \
    REAL r = scratch[0];                                                                                       \
    barrier(CLK_LOCAL_MEM_FENCE); /* everyone has read scratch[0] before the caller may reuse scratch */        \
    return r;                                                                                                  \
}

// max and min that propagate NaN, like Java's Math.max / Math.min (fmax / fmin would skip NaNs)
#define GW_SUM(a, b) ((a) + (b))
#define GW_MAX(a, b) ((isnan(a) || (a) > (b)) ? (a) : (b))
#define GW_MIN(a, b) ((isnan(a) || (a) < (b)) ? (a) : (b))

GW_GROUP_REDUCE(gw_group_sum, GW_SUM)
GW_GROUP_REDUCE(gw_group_max, GW_MAX)
GW_GROUP_REDUCE(gw_group_min, GW_MIN)
#endif

#ifdef REAL
// ---- atomic add -------------------------------------------------------------------------------------------------
//
// OpenCL 1.x has atomic adds for integers only. A float add is a compare-and-swap loop on the value's bits: read
// the old value, compute old + v, and store it only if the memory still holds the old bits; otherwise another
// work-item got there first, so retry from what it wrote. Doubles need the 64-bit compare-and-swap of
// cl_khr_int64_base_atomics; without it GW_CAN_ATOMIC_ADD stays undefined for double, and the host uses kernels
// that do not scatter. The order in which concurrent adds land is not fixed, so float sums may differ in the last
// bits from run to run.
#ifdef GW_REAL_DOUBLE
#ifdef GW_INT64_ATOMICS
#pragma OPENCL EXTENSION cl_khr_int64_base_atomics : enable
#define GW_CAN_ATOMIC_ADD 1
inline void gw_atomic_add(volatile __global double* p, double v) {
    ulong seen, old = as_ulong(*p);
    do {
        seen = old;
        old = atom_cmpxchg((volatile __global ulong*) p, seen, as_ulong(as_double(seen) + v));
    } while (old != seen);
}
#endif
#else
#define GW_CAN_ATOMIC_ADD 1
inline void gw_atomic_add(volatile __global float* p, float v) {
    uint seen, old = as_uint(*p);
    do {
        seen = old;
        old = atomic_cmpxchg((volatile __global uint*) p, seen, as_uint(as_float(seen) + v));
    } while (old != seen);
}
#endif
#endif

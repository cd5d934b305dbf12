/**
 * The OpenCL backend: runs gradwerk's tensor primitives on any OpenCL device (GPUs, and CPUs through PoCL) via
 * JOCL.
 *
 * <h2>Layers, bottom up</h2>
 * <ol>
 *   <li><b>Discovery</b> - {@link gradwerk.tensor.opencl.OpenClPlatforms} lists the devices as
 *       {@link gradwerk.tensor.opencl.OpenClDevice} records and resolves names such as {@code opencl:1},
 *       {@code opencl:gpu} or {@code opencl:nvidia}. When OpenCL is missing, every entry point throws an
 *       {@link gradwerk.tensor.opencl.OpenClUnavailableException} whose one-line message says what to install.</li>
 *   <li><b>Runtime</b> - {@link gradwerk.tensor.opencl.OpenClContext}: one context and one in-order queue per device,
 *       kernel sources ({@code .cl} resources next to this package) built lazily once per context and type,
 *       {@link gradwerk.tensor.opencl.ClBuffer}s from a size-bucketed
 *       {@link gradwerk.tensor.opencl.ClBufferPool}. CL errors become
 *       {@link gradwerk.tensor.opencl.OpenClException}s naming the operation and the error.</li>
 *   <li><b>Kernels</b> - {@link gradwerk.tensor.opencl.ClKernels} runs elementwise ops, reductions, softmax and
 *       the tiled GEMM on {@link gradwerk.tensor.opencl.ClView}s (strided views of device buffers).</li>
 *   <li><b>Backend</b> - {@link gradwerk.tensor.opencl.OpenClBackend} implements {@link gradwerk.tensor.Backend}
 *       on top of that, so {@code tensor.to(Device.get("opencl"))} moves a tensor's storage to the device and
 *       every op on it runs there.</li>
 * </ol>
 *
 * <h2>Asynchrony</h2>
 * Calls enqueue work and return; the host waits only when it reads data ({@code toFloatArray()},
 * {@code item()}, {@link gradwerk.tensor.opencl.ClBuffer#read}). With a single in-order queue per device every
 * command sees the results of the commands before it, so buffers can be recycled and reused without events.
 *
 * <h2>Kernel files</h2>
 * {@code common.cl} (prelude: fp64 pragma, strided indexing, work-group reductions), {@code elementwise.cl}
 * (unary/binary tables, where, fill), {@code cast.cl}, {@code reduce.cl}, {@code softmax.cl}, {@code gemm.cl}, and
 * the nn kernels ({@link gradwerk.tensor.opencl.ClNn}): {@code conv.cl} (im2col/col2im), {@code pool.cl},
 * {@code sampling.cl} (upsample, grid_sample and their gradients), {@code norm.cl} (batch/group norm).
 * Typed files are compiled with {@code -DREAL=float} and, on devices with {@code cl_khr_fp64}, again with
 * {@code -DREAL=double}.
 */
package gradwerk.tensor.opencl;

package gradwerk.tutorials;

import gradwerk.tensor.Device;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.nn.GridPadding;
import gradwerk.tensor.nn.Interpolation;
import gradwerk.tensor.nn.Sampling;
import gradwerk.tensor.opencl.OpenClDevice;
import gradwerk.tensor.opencl.OpenClPlatforms;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_platform_id;
import org.jocl.cl_program;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static org.jocl.CL.*;

/**
 * Chapter 9: GPUs with OpenCL. The library's ops run on an OpenCL device and are compared with the CPU; then a new
 * kernel, bilinear grid_sample (which the OpenCL backend does not have), is written and run with the bare JOCL
 * calls that the backend wraps, and compared with the CPU's {@link Sampling#gridSample}.
 */
public final class Ch09OpenCl {
    /** One op on both devices: max |OpenCL − CPU| relative to max |CPU|. */
    public record Comparison(String op, double maxError) {}

    /** available false: no OpenCL platform ({@code reason} says why), nothing else was run. */
    public record Result(boolean available, String reason, String device, List<Comparison> ops, double kernelError,
                         int kernelOutputs) {}

    public static void main(String[] args) {
        run(System.out);
    }

    public static Result run(PrintStream out) {
        Optional<String> reason = OpenClPlatforms.unavailableReason();
        if (reason.isPresent()) {
            out.println("9. no OpenCL platform, nothing to run: " + reason.get());
            return new Result(false, reason.get(), null, List.of(), Double.NaN, 0);
        }
        OpenClDevice dev = OpenClPlatforms.defaultDevice();
        out.println("1. OpenCL devices (the first GPU is the default, else the first device):");
        for (String d : OpenClPlatforms.describeDevices()) out.println("   " + d);

        // 2. the library's ops on the device, against the CPU
        Device cl = Device.get("opencl");
        Generator g = new Generator(9);
        Tensor a = Tensor.randn(g, 128, 96), b = Tensor.randn(g, 96, 64), c = Tensor.randn(g, 128, 96);
        Tensor aCl = a.to(cl), bCl = b.to(cl), cCl = c.to(cl);
        List<Comparison> ops = new ArrayList<>();
        ops.add(compare("a.add(c).relu()", a.add(c).relu(), aCl.add(cCl).relu()));
        ops.add(compare("a.exp().sum(1)", a.exp().sum(1), aCl.exp().sum(1)));
        ops.add(compare("a.softmax(1)", a.softmax(1), aCl.softmax(1)));
        ops.add(compare("a.matmul(b)", a.matmul(b), aCl.matmul(bCl)));
        out.println("\n2. the same ops on the CPU and on " + dev.id() + ", float32: max |OpenCL - CPU| / max |CPU|");
        for (Comparison x : ops) out.printf(Locale.ROOT, "   %-18s %.1e%n", x.op(), x.maxError());

        // 3. a kernel of our own: bilinear grid_sample, run with bare JOCL
        Tensor image = Tensor.randn(g, 2, 3, 20, 24);
        Tensor grid = Tensor.randn(g, 2, 10, 12, 2).mul(0.7);           // normalised (x, y), some outside [-1, 1]
        Tensor cpu = Sampling.gridSample(image, grid, Interpolation.BILINEAR, GridPadding.BORDER, false);
        float[] mine = gridSampleOnDevice(dev, image.toFloatArray(), grid.toFloatArray(), 2, 3, 20, 24, 10 * 12);
        double err = Tensor.of(mine, cpu.shape()).sub(cpu).abs().max().item();
        out.printf(Locale.ROOT, "%n3. our grid_sample kernel on %s vs Sampling.gridSample on the CPU, image [2,3,20,24],"
                + " grid [2,10,12,2]:%n   %d outputs, max |difference| %.1e%n", dev.id(), cpu.numel(), err);
        return new Result(true, null, dev.describe(), ops, err, cpu.numel());
    }

    private static Comparison compare(String op, Tensor cpu, Tensor device) {
        Tensor back = device.to(Device.CPU);
        return new Comparison(op, back.sub(cpu).abs().max().item() / cpu.abs().max().item());
    }

    /**
     * The kernel: one work-item per output value (n, c, p). It turns the grid's normalised (x, y) into pixel
     * coordinates (alignCorners false), clamps them into the image (border padding) and blends the four
     * neighbouring pixels.
     */
    static final String GRID_SAMPLE = """
            __kernel void grid_sample_bilinear(__global const float* in, __global const float* grid,
                                               __global float* out, int C, int H, int W, int P, int total) {
                int i = get_global_id(0);                  // (n, c, p) flattened, p fastest
                if (i >= total) return;
                int p = i % P, c = (i / P) % C, n = i / (P * C);
                float x = ((grid[2 * (n * P + p)] + 1) * W - 1) / 2;      // normalised -> pixels
                float y = ((grid[2 * (n * P + p) + 1] + 1) * H - 1) / 2;
                x = clamp(x, 0.0f, (float) (W - 1));                       // border padding
                y = clamp(y, 0.0f, (float) (H - 1));
                int x0 = (int) floor(x), y0 = (int) floor(y);
                int x1 = min(x0 + 1, W - 1), y1 = min(y0 + 1, H - 1);
                float fx = x - x0, fy = y - y0;
                __global const float* img = in + (n * C + c) * H * W;
                out[i] = (1 - fx) * (1 - fy) * img[y0 * W + x0] + fx * (1 - fy) * img[y0 * W + x1]
                       + (1 - fx) * fy * img[y1 * W + x0] + fx * fy * img[y1 * W + x1];
            }
            """;

    /** Every step the backend hides: context, queue, program, kernel, buffers, arguments, launch, read back. */
    static float[] gridSampleOnDevice(OpenClDevice device, float[] image, float[] grid, int n, int c, int h, int w, int p) {
        setExceptionsEnabled(true);
        cl_platform_id platform = null;
        cl_device_id id = null;
        int[] count = new int[1];
        clGetPlatformIDs(0, null, count);
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        clGetPlatformIDs(platforms.length, platforms, null);
        for (cl_platform_id pl : platforms) {                          // find the device by its name
            clGetDeviceIDs(pl, CL_DEVICE_TYPE_ALL, 0, null, count);
            cl_device_id[] ids = new cl_device_id[count[0]];
            clGetDeviceIDs(pl, CL_DEVICE_TYPE_ALL, ids.length, ids, null);
            for (cl_device_id d : ids)
                if (id == null && deviceName(d).equals(device.name())) {
                    platform = pl;
                    id = d;
                }
        }
        if (id == null) throw new IllegalStateException("device '" + device.name() + "' not found through JOCL");
        cl_context_properties props = new cl_context_properties();
        props.addProperty(CL_CONTEXT_PLATFORM, platform);
        cl_context context = clCreateContext(props, 1, new cl_device_id[] {id}, null, null, null);
        cl_command_queue queue = clCreateCommandQueue(context, id, 0, null);
        cl_program program = clCreateProgramWithSource(context, 1, new String[] {GRID_SAMPLE}, null, null);
        clBuildProgram(program, 0, null, null, null, null);
        cl_kernel kernel = clCreateKernel(program, "grid_sample_bilinear", null);
        int total = n * c * p;
        float[] result = new float[total];
        cl_mem in = clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, (long) Sizeof.cl_float * image.length,
                Pointer.to(image), null);
        cl_mem gr = clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, (long) Sizeof.cl_float * grid.length,
                Pointer.to(grid), null);
        cl_mem o = clCreateBuffer(context, CL_MEM_WRITE_ONLY, (long) Sizeof.cl_float * total, null, null);
        try {
            clSetKernelArg(kernel, 0, Sizeof.cl_mem, Pointer.to(in));
            clSetKernelArg(kernel, 1, Sizeof.cl_mem, Pointer.to(gr));
            clSetKernelArg(kernel, 2, Sizeof.cl_mem, Pointer.to(o));
            int[] ints = {c, h, w, p, total};
            for (int k = 0; k < ints.length; k++) clSetKernelArg(kernel, 3 + k, Sizeof.cl_int, Pointer.to(new int[] {ints[k]}));
            long group = 64, global = (total + group - 1) / group * group;   // rounded up: the kernel checks i < total
            clEnqueueNDRangeKernel(queue, kernel, 1, null, new long[] {global}, new long[] {group}, 0, null, null);
            clEnqueueReadBuffer(queue, o, CL_TRUE, 0, (long) Sizeof.cl_float * total, Pointer.to(result), 0, null, null);
        } finally {
            clReleaseMemObject(in);
            clReleaseMemObject(gr);
            clReleaseMemObject(o);
            clReleaseKernel(kernel);
            clReleaseProgram(program);
            clReleaseCommandQueue(queue);
            clReleaseContext(context);
        }
        return result;
    }

    private static String deviceName(cl_device_id d) {
        long[] size = new long[1];
        clGetDeviceInfo(d, CL_DEVICE_NAME, 0, null, size);
        byte[] name = new byte[(int) size[0]];
        clGetDeviceInfo(d, CL_DEVICE_NAME, name.length, Pointer.to(name), null);
        return new String(name, 0, Math.max(0, name.length - 1)).strip();
    }
}

package gradwerk.tensor.opencl;

import java.util.Locale;

/**
 * One OpenCL device as discovered on this machine. {@code index} numbers all devices of all platforms in
 * discovery order; it is the {@code N} of the device name {@code opencl:N}.
 *
 * @param index            position in {@link OpenClPlatforms#devices()}
 * @param platformName     e.g. "Portable Computing Language", "NVIDIA CUDA"
 * @param name             the device name, e.g. "NVIDIA GeForce RTX 3080"
 * @param vendor           the device vendor
 * @param type             CPU, GPU, ACCELERATOR (or OTHER)
 * @param computeUnits     CL_DEVICE_MAX_COMPUTE_UNITS
 * @param globalMemBytes   CL_DEVICE_GLOBAL_MEM_SIZE
 * @param maxAllocBytes    CL_DEVICE_MAX_MEM_ALLOC_SIZE: the largest single buffer
 * @param localMemBytes    CL_DEVICE_LOCAL_MEM_SIZE: the work-group scratch memory kernels may use
 * @param maxWorkGroupSize CL_DEVICE_MAX_WORK_GROUP_SIZE
 * @param fp64             whether the device has {@code cl_khr_fp64} (double precision)
 * @param openClVersion    CL_DEVICE_VERSION, e.g. "OpenCL 3.0 CUDA"
 */
public record OpenClDevice(int index, String platformName, String name, String vendor, DeviceType type,
                           int computeUnits, long globalMemBytes, long maxAllocBytes, long localMemBytes,
                           long maxWorkGroupSize, boolean fp64, String openClVersion) {

    /** The name other parts of gradwerk use for this device, e.g. {@code "opencl:0"}. */
    public String id() {
        return "opencl:" + index;
    }

    /** One printable line, as {@code ./gradwerk devices} shows it. */
    public String describe() {
        return String.format(Locale.ROOT, "%-9s %-11s %s (%s; %s), %d CUs, %s global, %s max alloc, %s local, %s, %s",
                id(), type, name, vendor, platformName, computeUnits, bytes(globalMemBytes), bytes(maxAllocBytes),
                bytes(localMemBytes), fp64 ? "fp64" : "no fp64", openClVersion);
    }

    @Override
    public String toString() {
        return describe();
    }

    /** Human-readable byte count: "512 B", "48.0 KiB", "7.8 GiB". */
    static String bytes(long n) {
        if (n < 1024) return n + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}

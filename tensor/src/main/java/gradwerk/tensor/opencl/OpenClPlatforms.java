package gradwerk.tensor.opencl;

import static org.jocl.CL.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * Finds the OpenCL platforms and devices of this machine, once per process, and picks one by a device name.
 *
 * <p>Device names: {@code opencl} (the default: the first GPU, else the first accelerator, else the first device),
 * {@code opencl:N} (by {@link OpenClDevice#index()}), {@code opencl:gpu} / {@code opencl:cpu} /
 * {@code opencl:accelerator} (the first of that type), or {@code opencl:TEXT} (the first device whose device name,
 * vendor or platform name contains TEXT, ignoring case).
 *
 * <p>Everything that touches OpenCL for the first time goes through {@link #devices()}, which turns the ways OpenCL
 * can be missing into an {@link OpenClUnavailableException} with a one-line message: JOCL signals a missing
 * {@code libOpenCL.so} with an {@link UnsatisfiedLinkError} (and a {@link NoClassDefFoundError} on every later
 * call), which would otherwise escape as a confusing error from deep inside the first tensor operation.
 */
public final class OpenClPlatforms {
    /** The ICD loader's status when no platform is registered (cl_khr_icd); JOCL has no constant for it. */
    private static final int CL_PLATFORM_NOT_FOUND_KHR = -1001;

    /** A discovered device with the JOCL handles a context needs. */
    record Handle(OpenClDevice info, cl_platform_id platform, cl_device_id device) {}

    private static List<Handle> found;       // guarded by the class lock
    private static String unavailableReason; // set once discovery failed; OpenCL does not appear later

    private OpenClPlatforms() {}

    /** True when at least one OpenCL device can be used. Never throws. */
    public static boolean isAvailable() {
        return unavailableReason().isEmpty();
    }

    /** Why OpenCL cannot be used (one line, with an install hint), or empty when it can. Never throws. */
    public static Optional<String> unavailableReason() {
        try {
            discover();
            return Optional.empty();
        } catch (OpenClUnavailableException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** All devices of all platforms, in index order. */
    public static List<OpenClDevice> devices() {
        return discover().stream().map(Handle::info).toList();
    }

    /** One printable line per device, for {@code ./gradwerk devices}. */
    public static List<String> describeDevices() {
        return devices().stream().map(OpenClDevice::describe).toList();
    }

    /** The device {@code opencl:index}. */
    public static OpenClDevice byIndex(int index) {
        List<OpenClDevice> all = devices();
        if (index < 0 || index >= all.size())
            throw new IllegalArgumentException("no OpenCL device opencl:" + index + "; " + inventory(all));
        return all.get(index);
    }

    /** The first device whose name, vendor or platform name contains {@code text} (ignoring case). */
    public static OpenClDevice byName(String text) {
        String needle = text.toLowerCase(Locale.ROOT);
        List<OpenClDevice> all = devices();
        return all.stream()
                .filter(d -> (d.name() + "\n" + d.vendor() + "\n" + d.platformName()).toLowerCase(Locale.ROOT)
                        .contains(needle))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(
                        "no OpenCL device matches '" + text + "'; " + inventory(all)));
    }

    /** The first device of the given type. */
    public static OpenClDevice byType(DeviceType type) {
        List<OpenClDevice> all = devices();
        return all.stream().filter(d -> d.type() == type).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no OpenCL device of type " + type + "; "
                        + inventory(all)));
    }

    /** The default device: the first GPU, else the first accelerator, else the first device. */
    public static OpenClDevice defaultDevice() {
        List<OpenClDevice> all = devices();
        for (DeviceType preferred : List.of(DeviceType.GPU, DeviceType.ACCELERATOR))
            for (OpenClDevice d : all)
                if (d.type() == preferred) return d;
        return all.getFirst();
    }

    /** Resolves a device name such as {@code opencl}, {@code opencl:1}, {@code opencl:gpu} or {@code opencl:nvidia}. */
    public static OpenClDevice select(String spec) {
        String s = spec == null ? "" : spec.trim();
        if (s.regionMatches(true, 0, "opencl", 0, 6)) s = s.substring(6);
        if (s.startsWith(":")) s = s.substring(1);
        if (s.isEmpty()) return defaultDevice();
        if (s.chars().allMatch(Character::isDigit)) {
            try {
                return byIndex(Integer.parseInt(s));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("no OpenCL device opencl:" + s + "; " + inventory(devices()));
            }
        }
        for (DeviceType t : DeviceType.values())
            if (t != DeviceType.OTHER && t.name().equalsIgnoreCase(s)) return byType(t);
        return byName(s);
    }

    /** The handles behind a device of {@link #devices()}. */
    static Handle handle(OpenClDevice device) {
        return discover().get(device.index());
    }

    /** Prints one line per device, or the reason there is none (exit status 1); never a stack trace. */
    public static void main(String[] args) {
        try {
            describeDevices().forEach(System.out::println);
        } catch (OpenClUnavailableException | OpenClException e) {
            System.err.println("opencl: " + e.getMessage());
            System.exit(1);
        }
    }

    private static String inventory(List<OpenClDevice> all) {
        return "this machine has " + all.size() + " OpenCL device" + (all.size() == 1 ? "" : "s") + ": "
                + all.stream().map(d -> d.id() + " " + d.type() + " '" + d.name() + "'")
                        .collect(Collectors.joining(", "));
    }

    private static synchronized List<Handle> discover() {
        if (found != null) return found;
        if (unavailableReason != null) throw new OpenClUnavailableException(unavailableReason, null);
        try {
            CL.setExceptionsEnabled(true);
            List<Handle> handles = new ArrayList<>();
            List<String> emptyPlatforms = new ArrayList<>();
            for (cl_platform_id p : platforms()) {
                String platformName = platformString(p, CL_PLATFORM_NAME);
                List<cl_device_id> ds = devicesOf(p);
                if (ds.isEmpty()) emptyPlatforms.add(platformName);
                for (cl_device_id d : ds) handles.add(new Handle(info(handles.size(), platformName, d), p, d));
            }
            if (handles.isEmpty())
                throw unavailable(emptyPlatforms.isEmpty()
                        ? "no OpenCL platform found (libOpenCL.so loaded, but no driver is registered in"
                          + " /etc/OpenCL/vendors)"
                        : "the OpenCL platform(s) " + emptyPlatforms + " have no devices", null);
            found = List.copyOf(handles);
            return found;
        } catch (LinkageError e) {
            throw unavailable("OpenCL is not available: the OpenCL library (libOpenCL.so) or JOCL's native part"
                    + " could not be loaded (" + oneLine(e.getMessage()) + ")", e);
        }
    }

    private static OpenClUnavailableException unavailable(String what, Throwable cause) {
        unavailableReason = what + "; " + OpenClUnavailableException.INSTALL_HINT;
        return new OpenClUnavailableException(unavailableReason, cause);
    }

    private static String oneLine(String s) {
        return s == null ? "the OpenCL library could not be loaded" : s.replaceAll("\\s+", " ").trim();
    }

    private static cl_platform_id[] platforms() {
        int[] n = new int[1];
        try {
            clGetPlatformIDs(0, null, n);
        } catch (CLException e) {
            if (e.getStatus() == CL_PLATFORM_NOT_FOUND_KHR) return new cl_platform_id[0];
            throw OpenClException.of("listing OpenCL platforms (clGetPlatformIDs)", e);
        }
        cl_platform_id[] ps = new cl_platform_id[n[0]];
        if (n[0] > 0) clGetPlatformIDs(n[0], ps, null);
        return ps;
    }

    private static List<cl_device_id> devicesOf(cl_platform_id p) {
        int[] n = new int[1];
        try {
            clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, null, n);
        } catch (CLException e) {
            if (e.getStatus() == CL_DEVICE_NOT_FOUND) return List.of();
            throw OpenClException.of("listing the devices of an OpenCL platform (clGetDeviceIDs)", e);
        }
        cl_device_id[] ds = new cl_device_id[n[0]];
        clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, n[0], ds, null);
        return List.of(ds);
    }

    private static OpenClDevice info(int index, String platformName, cl_device_id d) {
        try {
            String extensions = deviceString(d, CL_DEVICE_EXTENSIONS);
            return new OpenClDevice(index, platformName, deviceString(d, CL_DEVICE_NAME),
                    deviceString(d, CL_DEVICE_VENDOR), DeviceType.of(deviceLong(d, CL_DEVICE_TYPE)),
                    (int) deviceInt(d, CL_DEVICE_MAX_COMPUTE_UNITS), deviceLong(d, CL_DEVICE_GLOBAL_MEM_SIZE),
                    deviceLong(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE), deviceLong(d, CL_DEVICE_LOCAL_MEM_SIZE),
                    deviceSizeT(d, CL_DEVICE_MAX_WORK_GROUP_SIZE),
                    List.of(extensions.split("\\s+")).contains("cl_khr_fp64"), deviceString(d, CL_DEVICE_VERSION));
        } catch (CLException e) {
            throw OpenClException.of("querying OpenCL device " + index, e);
        }
    }

    private static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        clGetPlatformInfo(p, param, 0, null, size);
        byte[] bytes = new byte[(int) size[0]];
        clGetPlatformInfo(p, param, bytes.length, Pointer.to(bytes), null);
        return cString(bytes);
    }

    static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        clGetDeviceInfo(d, param, 0, null, size);
        byte[] bytes = new byte[(int) size[0]];
        clGetDeviceInfo(d, param, bytes.length, Pointer.to(bytes), null);
        return cString(bytes);
    }

    private static long deviceLong(cl_device_id d, int param) { // cl_ulong and cl_bitfield
        long[] v = new long[1];
        clGetDeviceInfo(d, param, Sizeof.cl_ulong, Pointer.to(v), null);
        return v[0];
    }

    private static long deviceInt(cl_device_id d, int param) { // cl_uint
        int[] v = new int[1];
        clGetDeviceInfo(d, param, Sizeof.cl_uint, Pointer.to(v), null);
        return Integer.toUnsignedLong(v[0]);
    }

    private static long deviceSizeT(cl_device_id d, int param) {
        long[] v = new long[1];
        clGetDeviceInfo(d, param, Sizeof.size_t, Pointer.to(v), null);
        return v[0];
    }

    /** A C string from a driver: drop the terminating NUL and surrounding blanks. */
    private static String cString(byte[] bytes) {
        int n = bytes.length;
        while (n > 0 && bytes[n - 1] == 0) n--;
        return new String(bytes, 0, n, StandardCharsets.UTF_8).trim();
    }
}

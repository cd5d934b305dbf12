package gradwerk.tensor;

import gradwerk.tensor.cpu.CpuBackend;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Where a tensor's storage lives; every op on a tensor dispatches through its device's {@link Backend}.
 *
 * <p>{@code Device.get("cpu")}, {@code Device.get("opencl")}, {@code Device.get("opencl:1")}. Backends other than
 * the CPU register a factory under their prefix (the OpenCL one does so when its class loads), so call sites never
 * change when a backend is added.
 */
public final class Device {
    private static final Map<String, Function<String, Device>> FACTORIES = new ConcurrentHashMap<>();
    private static final Map<String, Device> OPENED = new ConcurrentHashMap<>();

    /** The CPU: Vector API kernels, multi-threaded. */
    public static final Device CPU = new Device("cpu", CpuBackend.INSTANCE);

    private final String name;
    private final Backend backend;

    public Device(String name, Backend backend) {
        this.name = Objects.requireNonNull(name);
        this.backend = Objects.requireNonNull(backend);
    }

    public String name() {
        return name;
    }

    public Backend backend() {
        return backend;
    }

    public boolean isCpu() {
        return this == CPU;
    }

    /** Registers a backend family, e.g. {@code "opencl"}; its factory receives the full spec ("opencl:1"). */
    public static void register(String prefix, Function<String, Device> factory) {
        FACTORIES.put(prefix, factory);
    }

    /** Parses a device spec: {@code cpu}, {@code opencl} or {@code opencl:N}. Devices are opened once and cached. */
    public static Device get(String spec) {
        String s = spec.trim().toLowerCase(java.util.Locale.ROOT);
        if (s.equals("cpu")) return CPU;
        String prefix = s.contains(":") ? s.substring(0, s.indexOf(':')) : s;
        if (prefix.equals("opencl") && !FACTORIES.containsKey("opencl")) {
            try { // the OpenCL backend registers itself when its class initialises
                Class.forName("gradwerk.tensor.opencl.OpenClBackend");
            } catch (ClassNotFoundException e) {
                // not built in: falls through to the error below
            }
        }
        Function<String, Device> factory = FACTORIES.get(prefix);
        if (factory == null)
            throw new IllegalArgumentException("device: unknown '" + spec + "' (known: cpu, opencl, opencl:N)");
        return OPENED.computeIfAbsent(s, factory);
    }

    @Override
    public String toString() {
        return name;
    }
}

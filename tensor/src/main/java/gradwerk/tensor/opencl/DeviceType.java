package gradwerk.tensor.opencl;

import org.jocl.CL;

/** The kind of an OpenCL device, as the driver reports it. */
public enum DeviceType {
    CPU, GPU, ACCELERATOR, OTHER;

    /** Maps a {@code CL_DEVICE_TYPE} bitfield; a device may set several bits, the most specific one wins. */
    static DeviceType of(long clType) {
        if ((clType & CL.CL_DEVICE_TYPE_GPU) != 0) return GPU;
        if ((clType & CL.CL_DEVICE_TYPE_ACCELERATOR) != 0) return ACCELERATOR;
        if ((clType & CL.CL_DEVICE_TYPE_CPU) != 0) return CPU;
        return OTHER;
    }
}

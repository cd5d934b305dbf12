package gradwerk.tensor.opencl;

import org.jocl.CL;

/** The device could not provide the memory (or resources) a buffer or a command needed. */
public final class OpenClOutOfMemoryException extends OpenClException {
    public OpenClOutOfMemoryException(String message, int errorCode, Throwable cause) {
        super(message, errorCode, cause);
    }

    /** True for the status codes drivers use when memory runs out. */
    static boolean isOutOfMemory(int code) {
        return code == CL.CL_MEM_OBJECT_ALLOCATION_FAILURE || code == CL.CL_OUT_OF_RESOURCES
                || code == CL.CL_OUT_OF_HOST_MEMORY || code == CL.CL_INVALID_BUFFER_SIZE;
    }
}

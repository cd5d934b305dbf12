package gradwerk.tensor.opencl;

import org.jocl.CL;
import org.jocl.CLException;

/**
 * An OpenCL call failed. The message names what gradwerk was doing and the CL error by name, e.g.
 * {@code "enqueue kernel gemm failed: CL_INVALID_WORK_GROUP_SIZE"}, instead of JOCL's bare status code.
 */
public class OpenClException extends RuntimeException {
    private final int errorCode;

    public OpenClException(String message, int errorCode, Throwable cause) {
        super(message, cause);
        this.errorCode = errorCode;
    }

    /** The OpenCL status code ({@code CL_...}, negative), or 0 when the failure did not come from a CL call. */
    public int errorCode() {
        return errorCode;
    }

    /**
     * Wraps JOCL's exception. Out-of-memory codes become an {@link OpenClOutOfMemoryException}: many drivers only
     * really allocate a buffer when a command first touches it, so they surface at enqueue time, not at allocation.
     */
    static OpenClException of(String operation, CLException e) {
        int code = e.getStatus();
        String name = CL.stringFor_errorCode(code);
        if (OpenClOutOfMemoryException.isOutOfMemory(code))
            return new OpenClOutOfMemoryException(operation + " failed: " + name
                    + " (the device ran out of memory or resources; free tensors, use smaller batches, or trim the"
                    + " buffer pool)", code, e);
        return new OpenClException(operation + " failed: " + name, code, e);
    }
}

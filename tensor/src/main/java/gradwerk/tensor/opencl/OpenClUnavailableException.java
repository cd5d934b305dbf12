package gradwerk.tensor.opencl;

/**
 * There is no usable OpenCL on this machine: the loader library is missing, or no platform (driver) is installed.
 * The message is one line and says what to install; callers print it instead of a stack trace.
 */
public final class OpenClUnavailableException extends RuntimeException {
    /** What to install, appended to every message of this kind. */
    static final String INSTALL_HINT = "install the OpenCL loader and a platform, e.g. `apt-get install"
            + " ocl-icd-opencl-dev pocl-opencl-icd` (CPU) or ocl-icd-opencl-dev plus your GPU vendor's OpenCL ICD";

    public OpenClUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}

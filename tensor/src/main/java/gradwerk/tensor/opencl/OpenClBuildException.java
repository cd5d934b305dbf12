package gradwerk.tensor.opencl;

/** The OpenCL C compiler rejected a program; the message carries the compiler's complete build log. */
public final class OpenClBuildException extends OpenClException {
    private final String buildLog;

    public OpenClBuildException(String message, String buildLog, int errorCode, Throwable cause) {
        super(message, errorCode, cause);
        this.buildLog = buildLog;
    }

    /** The compiler's log exactly as the driver returned it. */
    public String buildLog() {
        return buildLog;
    }
}

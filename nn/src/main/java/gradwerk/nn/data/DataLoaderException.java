package gradwerk.nn.data;

/** Loading or collating a batch failed; the cause is what the dataset, transform or collate function threw. */
public final class DataLoaderException extends RuntimeException {
    public DataLoaderException(String message, Throwable cause) {
        super(message, cause);
    }
}

package gradwerk.nn.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A safetensors file that is not well-formed: bad header length, broken JSON, unknown dtype, offsets that do not
 * tile the data section, truncation. The message always starts with the file and says what was wrong, e.g.
 * {@code ckpt.safetensors: tensor 'conv1.weight': data_offsets [0, 100] span 100 bytes but F32 [5,6] needs 120}.
 *
 * <p>It is an {@link IOException} because callers already handle "the file could not be read" there; a corrupt
 * file is one more way for that to happen.
 */
public final class SafeTensorsException extends IOException {
    public SafeTensorsException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public SafeTensorsException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}

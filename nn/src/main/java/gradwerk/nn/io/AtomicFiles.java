package gradwerk.nn.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file so that readers see either the old contents or the complete new contents, never a half-written
 * file — even if the process dies or the machine loses power mid-write.
 *
 * <p>The recipe: write everything to a temporary file in the <em>same directory</em> (a rename is only atomic
 * within one file system), {@code fsync} it so the bytes are on disk before the name points at them, rename it
 * over the target atomically, then {@code fsync} the directory so the rename itself is durable. If anything
 * fails before the rename, the temporary file is deleted and the old file is untouched.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Writes the body of a file into an open channel. */
    @FunctionalInterface
    public interface Body {
        void writeTo(FileChannel channel) throws IOException;
    }

    /** Replaces {@code target} with what {@code body} writes, atomically. */
    public static void write(Path target, Body body) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        if (dir == null) throw new IOException(target + ": cannot write a file at the file-system root");
        if (Files.isDirectory(absolute)) throw new IOException(target + ": is a directory");
        // A hidden, unique name next to the target; CREATE_NEW guarantees we never clobber someone else's file.
        // (Not Files.createTempFile: it creates the file with mode 0600, which the rename would carry over.)
        Path tmp = dir.resolve("." + absolute.getFileName() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                body.writeTo(ch);
                ch.force(true); // data and metadata on disk before the rename makes them visible
            }
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException(target + ": the file system cannot rename atomically, refusing a non-atomic"
                        + " overwrite", e);
            }
            moved = true;
            syncDirectory(dir);
        } finally {
            if (!moved) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException suppressed) {
                    // the original failure matters more; a stray .tmp file is harmless
                }
            }
        }
    }

    /**
     * Makes a rename durable. POSIX needs an fsync of the directory; some platforms (Windows) cannot open a
     * directory as a channel at all, and there the rename is as durable as it gets, so failure is ignored.
     */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // best effort, see above
        }
    }
}

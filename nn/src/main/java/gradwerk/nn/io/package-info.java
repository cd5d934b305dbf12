/**
 * Saving and loading tensors: the {@link gradwerk.nn.io.SafeTensors} file format (interchangeable with PyTorch),
 * {@link gradwerk.nn.io.Checkpoint} for resumable training, and {@link gradwerk.nn.io.StateDicts} for copying
 * saved tensors into live ones. Every write is atomic ({@link gradwerk.nn.io.AtomicFiles}); every read validates
 * the whole header before trusting it, and says what was wrong with which file.
 */
package gradwerk.nn.io;

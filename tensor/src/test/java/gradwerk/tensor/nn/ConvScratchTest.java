package gradwerk.tensor.nn;

import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.TensorScope;
import gradwerk.tensor.cpu.ArrayPool;
import gradwerk.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The lowered convolutions' chunks run on worker threads, where no step scope is open: their column buffers and
 * partial weight gradients must still go back to the array pool when the chunk ends, or every training step would
 * leave them to the garbage collector (and take new ones).
 */
class ConvScratchTest {
    /** Runs every chunk on a thread of its own, one after the other: a worker with no scope open. */
    private static final ConvLowering.Tasks ON_NEW_THREADS = (count, body) -> {
        List<Throwable> errors = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            int from = count * c / 2, to = count * (c + 1) / 2;
            Thread t = new Thread(() -> {
                if (TensorScope.current() != null) errors.add(new AssertionError("a scope is open on a new thread"));
                body.run(from, to);
            });
            t.setUncaughtExceptionHandler((th, e) -> errors.add(e));
            t.start();
            try {
                t.join();
            } catch (InterruptedException e) {
                throw new RuntimeException(e);
            }
        }
        if (!errors.isEmpty()) throw new AssertionError(errors.getFirst());
    };

    @Test
    void everyEngineGivesItsChunksScratchBackAndComputesWhatTheSequentialRunDoes() {
        Generator g = new Generator(5);
        Window2d win = Window2d.square(3, 1, 1, 1);
        Tensor x = Tensor.randn(g, 2, 16, 24, 24), w = Tensor.randn(g, 1, 8, 16 * 9), dy = Tensor.randn(g, 2, 8, 24, 24);
        CpuBackend be = CpuBackend.INSTANCE;
        assertNull(TensorScope.current());

        long given = ArrayPool.stats().given();
        Tensor out = Tensor.zeros(2, 8, 24, 24), ref = Tensor.zeros(2, 8, 24, 24);
        ConvLowering.unfoldProduct(be, x, w, win, null, out, ON_NEW_THREADS);
        long givenByChunks = ArrayPool.stats().given() - given;
        ConvLowering.unfoldProduct(be, x, w, win, null, ref, ConvLowering.SEQUENTIAL);
        assertEquals(2, givenByChunks, "forward: one column buffer per chunk given back");
        assertArrayEquals(ref.toFloatArray(), out.toFloatArray());

        given = ArrayPool.stats().given();
        Tensor gx = Tensor.zeros(2, 16, 24, 24), gxRef = Tensor.zeros(2, 16, 24, 24);
        ConvLowering.foldProduct(be, dy, w, win, gx, ON_NEW_THREADS);
        givenByChunks = ArrayPool.stats().given() - given;
        ConvLowering.foldProduct(be, dy, w, win, gxRef, ConvLowering.SEQUENTIAL);
        assertEquals(2, givenByChunks, "input gradient: one column buffer per chunk");
        assertArrayEquals(gxRef.toFloatArray(), gx.toFloatArray());

        given = ArrayPool.stats().given();
        Tensor gw = Tensor.zeros(1, 8, 16 * 9), gwRef = Tensor.zeros(1, 8, 16 * 9);
        ConvLowering.unfoldWeightProduct(be, dy, x, win, gw, ON_NEW_THREADS);
        givenByChunks = ArrayPool.stats().given() - given;
        ConvLowering.unfoldWeightProduct(be, dy, x, win, gwRef, ConvLowering.SEQUENTIAL);
        assertEquals(2, givenByChunks, "weight gradient: the chunks' column buffers");
        assertArrayEquals(gwRef.toFloatArray(), gw.toFloatArray(), 1e-3f);
    }
}

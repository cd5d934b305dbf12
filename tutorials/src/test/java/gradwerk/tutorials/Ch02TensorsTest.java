package gradwerk.tutorials;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import static org.junit.jupiter.api.Assertions.*;

class Ch02TensorsTest {
    @Test
    void viewsShareStorageAndBroadcastingUsesStrideZero() {
        var text = new ByteArrayOutputStream();
        var r = Ch02Tensors.run(new PrintStream(text));
        assertTrue(r.transposeSharesStorage());
        assertArrayEquals(new int[] {1, 4}, r.transposeStrides());
        assertTrue(r.viewOfTransposeRefused());
        assertArrayEquals(new int[] {0, 1}, r.expandedStrides());
        assertEquals(100 + 0, r.broadcastSum()[0]);
        assertEquals(400 + 11, r.broadcastSum()[11]);
        assertTrue(r.sliceSharesStorage());
        assertTrue(r.layoutPicture().contains("   0   1   2   3"), r.layoutPicture());
        assertTrue(text.toString().contains("xt: shape [4, 3], strides [1, 4], offset 0, contiguous false"), text.toString());
    }
}

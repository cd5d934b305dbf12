package gradwerk.tensor.opencl;

import gradwerk.tensor.ReduceOp;
import gradwerk.tensor.UnaryOp;
import static gradwerk.tensor.opencl.OpenClTestSupport.context;
import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Host transfers and the buffer pool. */
class BufferTest {
    @Test
    void bucketsWasteAtMostAQuarter() {
        assertEquals(256, ClBufferPool.bucket(1));
        assertEquals(256, ClBufferPool.bucket(256));
        assertEquals(320, ClBufferPool.bucket(257));
        assertEquals(1024, ClBufferPool.bucket(1000));
        assertEquals(1280, ClBufferPool.bucket(1025));
        for (long n = 257; n < 5_000_000; n = n * 3 / 2 + 1) {
            long b = ClBufferPool.bucket(n);
            assertTrue(b >= n && b <= n * 1.25 + 1, n + " -> " + b);
            assertEquals(b, ClBufferPool.bucket(b), "a bucket size is its own bucket");
        }
    }

    @Test
    void writeThenReadRoundTrips() {
        OpenClContext ctx = context();
        float[] f = new float[1001];
        for (int i = 0; i < f.length; i++) f[i] = i * 0.5f - 7;
        try (ClBuffer b = ctx.upload(f)) {
            assertArrayEquals(f, b.readFloats());
            float[] part = new float[10];
            b.read(500, part, 0, 10);
            assertArrayEquals(Arrays.copyOfRange(f, 500, 510), part);
            b.write(3, new float[] {1, 2, 3, 4}, 1, 2); // elements 3, 4 := 2, 3
            float[] back = b.readFloats();
            assertEquals(2, back[3]);
            assertEquals(3, back[4]);
            assertEquals(f[5], back[5]);
        }
        if (ctx.device().fp64()) {
            double[] d = {Math.PI, -0.0, Double.MIN_VALUE, 1e300};
            try (ClBuffer b = ctx.upload(d)) {
                assertArrayEquals(d, b.readDoubles());
            }
        }
    }

    @Test
    void writesCopyTheArraySoItMayBeReusedAtOnce() {
        OpenClContext ctx = context();
        float[] host = new float[4096];
        try (ClBuffer a = ctx.allocate(4L * host.length); ClBuffer b = ctx.allocate(4L * host.length)) {
            Arrays.fill(host, 1);
            a.write(host); // not blocking
            Arrays.fill(host, 2); // reusing the array must not change what a receives
            b.write(host);
            assertEquals(1, a.readFloats()[4095]);
            assertEquals(2, b.readFloats()[0]);
        }
    }

    @Test
    void releasedBuffersAreReused() {
        OpenClContext ctx = OpenClContext.open(context().device());
        try (ctx) {
            ClBuffer first = ctx.allocate(10_000);
            first.close();
            var before = ctx.pool().stats();
            ClBuffer again = ctx.allocate(9_500); // same bucket
            var after = ctx.pool().stats();
            assertEquals(before.driverAllocations(), after.driverAllocations());
            assertEquals(before.reuses() + 1, after.reuses());
            assertEquals(1, after.liveBuffers());
            assertEquals(0, after.pooledBuffers());
            again.close();
            assertEquals(1, ctx.pool().stats().pooledBuffers());
            ctx.pool().trim();
            assertEquals(0, ctx.pool().stats().pooledBytes());
            ctx.pool().setMaxPooledBytes(0); // pooling off: released buffers go straight back to the driver
            ctx.allocate(100).close();
            assertEquals(0, ctx.pool().stats().pooledBuffers());
        }
        assertThrows(IllegalStateException.class, () -> ctx.allocate(10));
    }

    @Test
    void aTrainingLikeLoopStopsAllocatingAfterTheFirstStep() {
        OpenClContext ctx = OpenClContext.open(context().device());
        try (ctx) {
            ClView x = ClView.of(ctx, new float[64 * 33], 64, 33);
            long allocationsAfterFirstStep = 0;
            for (int step = 0; step < 5; step++) {
                ClView y = ClView.allocate(ctx, ClType.FLOAT, 64, 33);
                ClView s = ClView.allocate(ctx, ClType.FLOAT, 64);
                ctx.kernels().unary(UnaryOp.EXP, x, y);
                ctx.kernels().reduce(ReduceOp.SUM, y, 1, s);
                y.buffer().close();
                s.buffer().close();
                if (step == 0) allocationsAfterFirstStep = ctx.pool().stats().driverAllocations();
            }
            ctx.finish();
            assertEquals(allocationsAfterFirstStep, ctx.pool().stats().driverAllocations());
        }
    }
}

package gradwerk.tensor;

import gradwerk.tensor.cpu.ArrayPool;
import gradwerk.tensor.cpu.CpuStorage;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorScopeTest {
    private static final int BIG = ArrayPool.MIN_LENGTH * 3 + 17; // pooled, and a length no other test uses

    @Test
    void closingReleasesWhatTheScopeAllocatedAndUseAfterwardsSaysWhy() {
        Tensor t, view;
        try (TensorScope step = TensorScope.open("step")) {
            t = Tensor.ones(BIG);
            view = t.reshape(1, BIG);
            assertEquals(BIG, t.sum().item());
        }
        assertTrue(t.storage().isReleased());
        IllegalStateException e = assertThrows(IllegalStateException.class, view::toFloatArray);
        assertTrue(e.getMessage().contains("released") && e.getMessage().contains("keep()"), e.getMessage());
    }

    @Test
    void runCallsTheBodyInAScopeThatIsClosedAfterwards() {
        TensorScope.run("call", () -> assertTrue(TensorScope.current() != null, "no scope during the call"));
        assertEquals(null, TensorScope.current(), "the call's scope was left open");
    }

    @Test
    void keptTensorsMoveToTheEnclosingScopeAndPersistedOnesToNone() {
        Tensor kept, dropped, persisted;
        try (TensorScope outer = TensorScope.open("outer")) {
            try (TensorScope inner = TensorScope.open("inner")) {
                kept = Tensor.zeros(BIG);
                dropped = Tensor.zeros(BIG);
                persisted = Tensor.zeros(BIG);
                assertTrue(inner.keep(kept.reshape(BIG, 1))); // a view keeps the shared storage
                assertFalse(inner.keep(kept), "kept twice: the inner scope no longer owns it");
                TensorScope.persist(persisted);
            }
            assertTrue(dropped.storage().isReleased());
            assertFalse(kept.storage().isReleased());
        }
        assertTrue(kept.storage().isReleased(), "the outer scope owned it after the keep");
        assertFalse(persisted.storage().isReleased());
        assertEquals(0, persisted.sum().item());
    }

    @Test
    void aReleasedArrayServesTheNextAllocationOfItsSizeZeroFilled() {
        float[] first;
        try (TensorScope step = TensorScope.open("step")) {
            Tensor t = Tensor.full(DType.FLOAT32, 7, BIG);
            first = CpuStorage.floats(t);
        }
        long reused = ArrayPool.stats().reused();
        Tensor again = Tensor.zeros(BIG);
        assertSame(first, CpuStorage.floats(again));
        assertEquals(reused + 1, ArrayPool.stats().reused());
        for (float v : CpuStorage.floats(again)) assertEquals(0f, v);
        Tensor other = Tensor.zeros(BIG);
        assertNotSame(first, CpuStorage.floats(other), "one array is handed out once");
    }

    @Test
    void smallTensorsAreReleasedButNotPooled() {
        int small = ArrayPool.MIN_LENGTH - 1;
        float[] first;
        Tensor t;
        try (TensorScope step = TensorScope.open("step")) {
            t = Tensor.zeros(small);
            first = CpuStorage.floats(t);
        }
        assertTrue(t.storage().isReleased());
        assertNotSame(first, CpuStorage.floats(Tensor.zeros(small)));
    }

    @Test
    void anArrayTheCallerHandedInIsNeverRecycled() {
        float[] mine = new float[BIG + 1];
        Tensor wrapped = new Tensor(new CpuStorage(mine), BIG + 1);
        wrapped.storage().release();
        assertTrue(wrapped.storage().isReleased());
        assertNotSame(mine, CpuStorage.floats(Tensor.zeros(BIG + 1)));
    }

    @Test
    void anArrayThatNobodyTakesForRetainStepsIsDropped() {
        int n = BIG + 2;
        float[][] kept = releaseThenTakeAfterIdleSteps(n, ArrayPool.RETAIN_STEPS - 1);
        assertSame(kept[0], kept[1], "kept while it was unused for fewer than RETAIN_STEPS steps");
        float[][] dropped = releaseThenTakeAfterIdleSteps(n, ArrayPool.RETAIN_STEPS);
        assertNotSame(dropped[0], dropped[1], "dropped after RETAIN_STEPS steps without use");
    }

    /** The array of a size-n tensor released by a step, and the one a size-n tensor gets after {@code idle} steps. */
    private static float[][] releaseThenTakeAfterIdleSteps(int n, int idle) {
        float[] released;
        try (TensorScope step = TensorScope.open("step 0")) {
            released = CpuStorage.floats(Tensor.zeros(n));
        }
        for (int s = 1; s <= idle; s++)
            try (TensorScope step = TensorScope.open("step " + s)) {
                Tensor.zeros(3); // nothing of that size
            }
        try (TensorScope step = TensorScope.open("taker")) {
            return new float[][] {released, CpuStorage.floats(Tensor.zeros(n))};
        }
    }

    @Test
    void aDiscardedTensorIsReleasedWithTheScopeAndServesTheNextAllocation() {
        int n = BIG + 5;
        Tensor state = TensorScope.persist(Tensor.zeros(n)); // e.g. a gradient kept from an earlier step
        float[] array = CpuStorage.floats(state);
        try (TensorScope step = TensorScope.open("step")) {
            TensorScope.discard(state);
            assertFalse(state.storage().isReleased(), "usable until the scope ends");
        }
        assertTrue(state.storage().isReleased());
        assertSame(array, CpuStorage.floats(Tensor.zeros(n)));
    }

    @Test
    void discardLeavesScopedTensorsAndTensorsOutsideScopesAlone() {
        Tensor loose = TensorScope.persist(Tensor.zeros(BIG));
        TensorScope.discard(loose); // no scope open: the garbage collector's
        Tensor outerOwned;
        try (TensorScope outer = TensorScope.open("outer")) {
            outerOwned = Tensor.zeros(BIG);
            try (TensorScope inner = TensorScope.openTemporary("inner")) {
                TensorScope.discard(outerOwned); // already owned: the outer scope keeps it
            }
            assertFalse(outerOwned.storage().isReleased());
        }
        assertFalse(loose.storage().isReleased());
        assertTrue(outerOwned.storage().isReleased());
    }

    @Test
    void keepAllHandsEverythingToTheEnclosingScope() {
        Tensor a, b, loose;
        try (TensorScope outer = TensorScope.open("outer")) {
            try (TensorScope work = TensorScope.openTemporary("work")) {
                a = Tensor.zeros(BIG);
                b = a.add(1);
                work.keepAll();
            }
            assertFalse(a.storage().isReleased());
            assertFalse(b.storage().isReleased());
        }
        assertTrue(a.storage().isReleased(), "the enclosing scope owned it");
        assertTrue(b.storage().isReleased());
        try (TensorScope work = TensorScope.openTemporary("outermost")) {
            loose = Tensor.zeros(BIG);
            work.keepAll();
        }
        assertFalse(loose.storage().isReleased(), "no enclosing scope: the garbage collector's");
    }

    @Test
    void temporaryScopesDoNotEndAStep() {
        int n = BIG + 3;
        float[] released;
        try (TensorScope step = TensorScope.open("step")) {
            released = CpuStorage.floats(Tensor.zeros(n));
        }
        for (int i = 0; i < 3; i++)
            try (TensorScope rule = TensorScope.openTemporary("rule")) {
                Tensor.zeros(3);
            }
        assertSame(released, CpuStorage.floats(Tensor.zeros(n)), "still pooled: no step ended");
    }

    @Test
    void scopesCloseInReverseOrderOnTheirOwnThread() throws InterruptedException {
        TensorScope outer = TensorScope.open("outer"), inner = TensorScope.open("inner");
        IllegalStateException e = assertThrows(IllegalStateException.class, outer::close);
        assertTrue(e.getMessage().contains("'inner'"), e.getMessage());
        AtomicReference<Throwable> other = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                inner.close();
            } catch (Throwable x) {
                other.set(x);
            }
        });
        t.start();
        t.join();
        assertTrue(other.get() instanceof IllegalStateException, String.valueOf(other.get()));
        inner.close();
        outer.close();
        assertEquals(null, TensorScope.current());
    }

    @Test
    void anotherThreadsAllocationsAreNotTracked() throws InterruptedException {
        AtomicReference<Tensor> fromThread = new AtomicReference<>();
        try (TensorScope step = TensorScope.open("step")) {
            Thread t = new Thread(() -> fromThread.set(Tensor.zeros(BIG)));
            t.start();
            t.join();
        }
        assertFalse(fromThread.get().storage().isReleased());
    }
}

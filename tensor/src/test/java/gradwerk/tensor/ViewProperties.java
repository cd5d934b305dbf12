package gradwerk.tensor;

import net.jqwik.api.*;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** Views: every one checked element by element against the index arithmetic it promises. */
class ViewProperties {

    @Property(tries = 150)
    void permuteMovesEveryElement(@ForAll("shapes") int[] shape, @ForAll long seed, @ForAll long layout) {
        Tensor t = Gen.strided(Gen.tensor(shape, seed, DType.FLOAT64), layout);
        int[] perm = new int[shape.length];
        for (int i = 0; i < perm.length; i++) perm[i] = i;
        new Generator(seed).shuffle(perm);
        Tensor p = t.permute(perm);
        for (int[] idx : Gen.indices(p.shape())) {
            int[] src = new int[idx.length];
            for (int i = 0; i < idx.length; i++) src[perm[i]] = idx[i];
            assertEquals(t.get(src), p.get(idx));
        }
    }

    @Property(tries = 150)
    void sliceWithStepPicksEveryStepthElement(@ForAll("shapes") int[] shape, @ForAll long seed,
                                               @ForAll @net.jqwik.api.constraints.IntRange(min = 1, max = 3) int step,
                                               @ForAll @net.jqwik.api.constraints.IntRange(min = -4, max = 4) int start) {
        Assume.that(shape.length > 0);
        Tensor t = Gen.strided(Gen.tensor(shape, seed, DType.FLOAT32), seed + 1);
        int dim = (int) Math.floorMod(seed, shape.length);
        Tensor s = t.slice(dim, start, shape[dim], step);
        int from = Math.clamp(start < 0 ? start + shape[dim] : start, 0, shape[dim]);
        assertEquals(Math.max(0, (shape[dim] - from + step - 1) / step), s.size(dim));
        for (int[] idx : Gen.indices(s.shape())) {
            int[] src = idx.clone();
            src[dim] = from + idx[dim] * step;
            assertEquals(t.get(src), s.get(idx));
        }
    }

    @Property(tries = 150)
    void reshapeKeepsRowMajorOrder(@ForAll("shapes") int[] shape, @ForAll long seed, @ForAll long layout) {
        Tensor t = Gen.strided(Gen.tensor(shape, seed, DType.FLOAT64), layout);
        double[] flat = t.toDoubleArray();
        Tensor r = t.reshape(-1);
        assertArrayEquals(flat, r.toDoubleArray());
        // and back: a views-of-views round trip
        assertArrayEquals(flat, r.reshape(shape).toDoubleArray());
        assertArrayEquals(shape, r.reshape(shape).shape());
    }

    @Property(tries = 150)
    void viewNeverCopiesAndReshapeOnlyWhenNeeded(@ForAll("shapes") int[] shape, @ForAll long seed, @ForAll long layout) {
        Tensor t = Gen.strided(Gen.tensor(shape, seed, DType.FLOAT32), layout);
        Tensor r = t.reshape(Shape.numel(shape));
        try {
            Tensor v = t.view(Shape.numel(shape));
            assertSame(t.storage(), v.storage());
            assertArrayEquals(t.toDoubleArray(), v.toDoubleArray());
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().startsWith("view: tensor of shape " + Shape.str(shape)), e.getMessage());
            assertNotSame(t.storage(), r.storage(), "reshape must copy when view is impossible");
        }
        if (t.isContiguous()) assertSame(t.storage(), r.storage());
    }

    @Property(tries = 100)
    void selectDropsOneDim(@ForAll("shapes") int[] shape, @ForAll long seed) {
        Assume.that(shape.length > 0 && Shape.numel(shape) > 0);
        Tensor t = Gen.strided(Gen.tensor(shape, seed, DType.FLOAT64), seed);
        int dim = (int) Math.floorMod(seed, shape.length);
        int i = (int) Math.floorMod(seed >> 8, shape[dim]);
        Tensor s = t.select(dim, i);
        assertEquals(shape.length - 1, s.rank());
        for (int[] idx : Gen.indices(s.shape())) {
            int[] src = Views.insert(idx, dim, i);
            assertEquals(t.get(src), s.get(idx));
        }
    }

    @Property(tries = 100)
    void expandRepeatsWithoutCopying(@ForAll("shapes") int[] shape, @ForAll long seed) {
        int[] small = shape.clone();
        for (int i = 0; i < small.length; i++) if ((seed >> i & 1) == 1) small[i] = 1;
        Tensor t = Gen.tensor(small, seed, DType.FLOAT32);
        int[] target = Views.insert(shape, 0, 2); // plus a new leading dim
        Tensor e = t.expand(target);
        assertSame(t.storage(), e.storage());
        for (int[] idx : Gen.indices(target)) {
            int[] src = new int[small.length];
            for (int d = 0; d < small.length; d++) src[d] = small[d] == 1 ? 0 : idx[d + 1];
            assertEquals(t.get(src), e.get(idx));
        }
    }

    @Property(tries = 100)
    void squeezeUnsqueezeRoundTrip(@ForAll("shapes") int[] shape, @ForAll long seed) {
        Tensor t = Gen.strided(Gen.tensor(shape, seed, DType.FLOAT64), seed);
        int dim = (int) Math.floorMod(seed, shape.length + 1);
        Tensor u = t.unsqueeze(dim);
        assertEquals(1, u.size(dim));
        assertArrayEquals(t.toDoubleArray(), u.toDoubleArray());
        assertArrayEquals(shape, u.squeeze(dim).shape());
        assertArrayEquals(t.toDoubleArray(), u.squeeze().toDoubleArray());
    }

    @Property(tries = 100)
    void contiguousCopiesOnlyWhenNeeded(@ForAll("shapes") int[] shape, @ForAll long seed, @ForAll long layout) {
        Tensor t = Gen.strided(Gen.tensor(shape, seed, DType.FLOAT32), layout);
        Tensor c = t.contiguous();
        assertTrue(c.isContiguous());
        assertArrayEquals(t.toDoubleArray(), c.toDoubleArray());
        assertSame(c, c.contiguous());
    }

    @Provide
    Arbitrary<int[]> shapes() {
        return Gen.shapes(4, 4);
    }

    // ------------------------------------------------------------------ examples and errors

    @Test
    void transposeOfTransposeIsIdentity() {
        Tensor t = Tensor.arange(6).view(2, 3);
        Tensor tt = t.t();
        assertArrayEquals(new int[] {3, 2}, tt.shape());
        assertArrayEquals(new int[] {1, 3}, tt.strides());
        assertEquals(5.0, tt.get(2, 1));
        assertArrayEquals(t.toDoubleArray(), tt.t().toDoubleArray());
    }

    @Test
    void viewOfTransposedMatrixIsRefusedWithShapes() {
        Tensor t = Tensor.arange(6).view(2, 3).t();
        var e = assertThrows(IllegalArgumentException.class, () -> t.view(6));
        assertEquals("view: tensor of shape [3,2] with strides [1,3] cannot be viewed as [6] without a copy; "
                + "use reshape() (which copies) or contiguous() first", e.getMessage());
        assertArrayEquals(new double[] {0, 3, 1, 4, 2, 5}, t.reshape(6).toDoubleArray());
    }

    @Test
    void viewSplitsAndMergesCompatibleDims() {
        Tensor t = Tensor.arange(24).view(2, 3, 4).permute(1, 0, 2); // [3,2,4], strides [4,12,1]
        Tensor v = t.view(3, 2, 2, 2);
        assertArrayEquals(new int[] {4, 12, 2, 1}, v.strides());
        assertArrayEquals(t.toDoubleArray(), v.toDoubleArray());
        assertThrows(IllegalArgumentException.class, () -> t.view(6, 4));
    }

    @Test
    void zeroDimTensorsAndEmptyDims() {
        Tensor s = Tensor.scalar(3.5);
        assertEquals(0, s.rank());
        assertEquals(1, s.numel());
        assertEquals(3.5, s.item());
        assertArrayEquals(new int[] {1, 1}, s.view(1, 1).shape());
        Tensor e = Tensor.zeros(2, 0, 3);
        assertEquals(0, e.numel());
        assertArrayEquals(new int[] {0, 5}, e.reshape(0, 5).shape());
        assertArrayEquals(new int[] {2, 3}, e.sum(1).shape());
        assertEquals(0.0, e.sum().item());
    }

    @Test
    void badViewArgumentsNameTheOp() {
        Tensor t = Tensor.zeros(2, 3);
        assertEquals("reshape: shape [2,3] (6 elements) cannot become [4] (4 elements)",
                assertThrows(IllegalArgumentException.class, () -> t.reshape(4)).getMessage());
        assertEquals("permute: dim 0 repeated in [0, 0]",
                assertThrows(IllegalArgumentException.class, () -> t.permute(0, 0)).getMessage());
        assertEquals("select: dim 2 out of range for a tensor of rank 2",
                assertThrows(IllegalArgumentException.class, () -> t.select(2, 0)).getMessage());
        assertEquals("expand: shape [2,3] cannot expand to [2,4] (dim 1: 3 is not 1)",
                assertThrows(IllegalArgumentException.class, () -> t.expand(2, 4)).getMessage());
        assertEquals("squeeze: dim 0 of shape [2,3] has size 2, not 1",
                assertThrows(IllegalArgumentException.class, () -> t.squeeze(0)).getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> t.select(0, 2));
    }

    @Test
    void inPlaceOpsBumpTheVersionAndRefuseExpandedDestinations() {
        Tensor t = Tensor.zeros(2, 3);
        int v = t.storage().version();
        t.narrow(1, 1, 2).addInPlace(Tensor.ones(2));
        assertEquals(v + 1, t.storage().version());
        assertArrayEquals(new double[] {0, 1, 1, 0, 1, 1}, t.toDoubleArray());
        Tensor e = Tensor.zeros(1, 3).expand(2, 3);
        var ex = assertThrows(IllegalArgumentException.class, () -> e.addInPlace(Tensor.ones(2, 3)));
        assertTrue(ex.getMessage().startsWith("addInPlace: cannot write into an expanded"), ex.getMessage());
        assertTrue(Arrays.equals(new double[] {0, 0, 0}, Tensor.zeros(1, 3).toDoubleArray()));
    }
}

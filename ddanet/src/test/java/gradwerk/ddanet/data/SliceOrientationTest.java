package gradwerk.ddanet.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SliceOrientationTest {
    // 2 rows x 3 columns:  1 2 3
    //                      4 5 6
    private static final float[] IMG = {1, 2, 3, 4, 5, 6};

    @Test
    void asStoredIsIdentity() {
        assertArrayEquals(IMG, SliceOrientation.AS_STORED.apply(IMG, 2, 3));
    }

    @Test
    void transposeSwapsRowsAndColumns() {
        SliceOrientation t = SliceOrientation.TRANSPOSED;
        assertEquals(3, t.outHeight(2, 3));
        assertEquals(2, t.outWidth(2, 3));
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, t.apply(IMG, 2, 3));
    }

    @Test
    void flipsAfterTranspose() {
        assertArrayEquals(new float[] {4, 5, 6, 1, 2, 3}, new SliceOrientation(false, true, false).apply(IMG, 2, 3));
        assertArrayEquals(new float[] {3, 2, 1, 6, 5, 4}, new SliceOrientation(false, false, true).apply(IMG, 2, 3));
        assertArrayEquals(new float[] {3, 6, 2, 5, 1, 4}, new SliceOrientation(true, true, false).apply(IMG, 2, 3));
        assertArrayEquals(new float[] {4, 1, 5, 2, 6, 3}, new SliceOrientation(true, false, true).apply(IMG, 2, 3));
    }

    @Test
    void flipRowsIsNumpyRot90OfTheXMajorArray() {
        // nibabel returns vol[x][y]; for this slice that is {{1, 4}, {2, 5}, {3, 6}}, and np.rot90 of it is
        // {{4, 5, 6}, {1, 2, 3}}: the as-stored slice upside down.
        assertArrayEquals(new float[] {4, 5, 6, 1, 2, 3}, new SliceOrientation(false, true, false).apply(IMG, 2, 3));
    }

    @Test
    void labelsFollowTheSameMap() {
        byte[] lab = {0, 1, 2, 0, 1, 2};
        assertArrayEquals(new byte[] {0, 0, 1, 1, 2, 2}, SliceOrientation.TRANSPOSED.apply(lab, 2, 3));
    }
}

package gradwerk.nn.data;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataLoaderProperties {
    private static DataLoader<Integer, List<Integer>> loader(int n, int batch, boolean dropLast, long seed) {
        Integer[] items = new Integer[n];
        for (int i = 0; i < n; i++) items[i] = i;
        return DataLoader.builder(Dataset.of(List.of(items)), (List<Integer> xs) -> xs)
                .batchSize(batch).shuffle(true).seed(seed).dropLast(dropLast).build();
    }

    @Property(tries = 200)
    void orderIsAReproduciblePermutation(@ForAll @IntRange(max = 300) int n, @ForAll long seed,
                                         @ForAll @IntRange(max = 1000) int epoch) {
        int[] order = loader(n, 1, false, seed).order(epoch);
        int[] sorted = order.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < n; i++) assertEquals(i, sorted[i]);
        assertArrayEquals(order, loader(n, 7, true, seed).order(epoch), "order ignores batching options");
    }

    @Property(tries = 100)
    void batchesCoverTheEpochOnce(@ForAll @IntRange(max = 60) int n, @ForAll @IntRange(min = 1, max = 9) int batch,
                                  @ForAll boolean dropLast, @ForAll long seed) {
        var dl = loader(n, batch, dropLast, seed);
        int[] order = dl.order(3);
        int served = 0, count = 0;
        try (Epoch<List<Integer>> e = dl.epoch(3)) {
            for (List<Integer> b : e) {
                assertTrue(b.size() == batch || (!dropLast && b.size() < batch));
                for (int x : b) assertEquals(order[served++], x);
                count++;
            }
        }
        assertEquals(dl.batchesPerEpoch(), count);
        assertEquals(dropLast ? n / batch * batch : n, served);
    }
}

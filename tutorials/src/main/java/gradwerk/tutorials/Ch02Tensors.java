package gradwerk.tutorials;

import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * Chapter 2: tensors as strided views. Prints the storage, shape, strides and offset of a tensor and of views of
 * it, showing that the views share one storage, and explains broadcasting with stride-0 views.
 */
public final class Ch02Tensors {
    /** What the chapter's claims rest on (checked by the tests). */
    public record Result(boolean transposeSharesStorage, int[] transposeStrides, boolean viewOfTransposeRefused,
                         int[] expandedStrides, double[] broadcastSum, boolean sliceSharesStorage, String layoutPicture) {}

    public static void main(String[] args) {
        run(System.out);
    }

    public static Result run(PrintStream out) {
        Tensor x = Tensor.arange(12).view(3, 4);
        out.println("x = arange(12).view(3, 4)");
        out.println(x);
        describe(out, "x", x);
        String picture = layout(x);
        out.println(picture);

        Tensor xt = x.t();
        out.println("\nxt = x.t()  -- the same 12 numbers, read with the strides swapped");
        describe(out, "xt", xt);
        out.println(xt);

        boolean refused = false;
        try {
            xt.view(12);
        } catch (IllegalArgumentException e) {
            refused = true;
            out.println("\nxt.view(12) is refused: " + e.getMessage());
        }
        Tensor flat = xt.reshape(12);
        out.println("xt.reshape(12) copies instead: " + Arrays.toString(flat.toFloatArray()));

        Tensor everyOther = x.slice(1, 0, 4, 2);
        out.println("\nx.slice(1, 0, 4, 2)  -- columns 0 and 2: stride doubles, nothing is copied");
        describe(out, "slice", everyOther);
        out.println(everyOther);

        Tensor row = Tensor.of(100f, 200f, 300f, 400f);
        Tensor expanded = row.expand(3, 4);
        out.println("\nbroadcasting: row [4] + x [3,4] reads row through a view of shape [3,4] with stride 0");
        describe(out, "row.expand(3,4)", expanded);
        Tensor sum = x.add(row);
        out.println(sum);

        Tensor noise = Tensor.randn(new Generator(7), 2, 3);
        out.println("\nrandn with seed 7 (the same on every machine):");
        out.println(noise);
        return new Result(xt.storage() == x.storage(), xt.strides(), refused, expanded.strides(),
                sum.toDoubleArray(), everyOther.storage() == x.storage(), picture);
    }

    static void describe(PrintStream out, String name, Tensor t) {
        out.printf("%s: shape %s, strides %s, offset %d, contiguous %s%n", name, Arrays.toString(t.shape()),
                Arrays.toString(t.strides()), t.offset(), t.isContiguous());
    }

    /** Draws which storage slot each element of a 2-d tensor reads. */
    static String layout(Tensor t) {
        StringBuilder sb = new StringBuilder("storage slots read by each element (offset + i*stride0 + j*stride1):\n");
        for (int i = 0; i < t.size(0); i++) {
            sb.append("  ");
            for (int j = 0; j < t.size(1); j++) sb.append(String.format("%4d", t.index(i, j)));
            sb.append('\n');
        }
        return sb.toString();
    }
}

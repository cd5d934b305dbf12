package gradwerk.autograd.rules;

import gradwerk.autograd.GradCheck.Problem;
import gradwerk.autograd.Node;
import gradwerk.autograd.Saves;
import gradwerk.autograd.OpFamily;
import gradwerk.autograd.OpRegistry.Entry;
import gradwerk.autograd.Sampler;
import gradwerk.autograd.Variable;
import gradwerk.tensor.DType;
import gradwerk.tensor.Shape;
import gradwerk.tensor.Tensor;

import java.util.Arrays;
import java.util.List;

import static gradwerk.autograd.VjpRule.grads;

/**
 * Views, joining and casting: ops that move numbers without arithmetic. Their VJPs move the gradient back:
 * <ul>
 *   <li>view/reshape/squeeze/unsqueeze: reshape the gradient to the input's shape;</li>
 *   <li>permute/transpose: apply the inverse permutation;</li>
 *   <li>expand: sum over the broadcast dims ({@link Variable#sumTo});</li>
 *   <li>slice/select: write the gradient into zeros at the positions read ({@code embedSlice}, itself an op whose
 *       VJP is the slice, so second derivatives work);</li>
 *   <li>cat/stack: cut the gradient into the pieces; to(dtype): cast the gradient back.</li>
 * </ul>
 * The forwards are the tensor module's views, so the results share storage with the inputs (in-place writes to
 * either bump the shared version counter that the engine checks).
 */
public final class ShapeRules implements OpFamily {
    /** Instantiated by ServiceLoader as the family that registers these ops. */
    public ShapeRules() {}

    public static Variable view(Variable x, int[] shape) {
        int[] in = x.shape();
        return Node.record("view", x.value().view(shape), Saves.NOTHING, (n, g) -> grads(g.reshape(in)), x);
    }

    public static Variable reshape(Variable x, int[] shape) {
        int[] in = x.shape();
        return Node.record("reshape", x.value().reshape(shape), Saves.NOTHING, (n, g) -> grads(g.reshape(in)), x);
    }

    /** All size-1 dims when dim is null, else that one. */
    public static Variable squeeze(Variable x, Integer dim) {
        int[] in = x.shape();
        Tensor result = dim == null ? x.value().squeeze() : x.value().squeeze(dim);
        return Node.record("squeeze", result, Saves.NOTHING, (n, g) -> grads(g.reshape(in)), x);
    }

    public static Variable unsqueeze(Variable x, int dim) {
        int[] in = x.shape();
        return Node.record("unsqueeze", x.value().unsqueeze(dim), Saves.NOTHING, (n, g) -> grads(g.reshape(in)), x);
    }

    public static Variable contiguous(Variable x) {
        return Node.record("contiguous", x.value().contiguous(), Saves.NOTHING, (n, g) -> grads(g), x);
    }

    public static Variable permute(Variable x, int[] order) {
        int[] inverse = new int[order.length];
        for (int i = 0; i < order.length; i++) inverse[Shape.dim("permute", order[i], order.length)] = i;
        return Node.record("permute", x.value().permute(order), Saves.NOTHING, (n, g) -> grads(g.permute(inverse)), x);
    }

    public static Variable transpose(Variable x, int d0, int d1) {
        return Node.record("transpose", x.value().transpose(d0, d1), Saves.NOTHING, (n, g) -> grads(g.transpose(d0, d1)), x);
    }

    public static Variable expand(Variable x, int[] shape) {
        int[] in = x.shape();
        return Node.record("expand", x.value().expand(shape), Saves.NOTHING, (n, g) -> grads(g.sumTo(in)), x);
    }

    public static Variable slice(Variable x, int dim, int start, int end, int step) {
        int[] in = x.shape();
        return Node.record("slice", x.value().slice(dim, start, end, step),
                Saves.NOTHING, (n, g) -> grads(embedSlice(g, in, dim, start, end, step)), x);
    }

    public static Variable select(Variable x, int dim, int index) {
        int[] in = x.shape();
        int d = Shape.dim("select", dim, in.length);
        int i = index < 0 ? index + in[d] : index;
        return Node.record("select", x.value().select(dim, index),
                Saves.NOTHING, (n, g) -> grads(embedSlice(g.unsqueeze(d), in, d, i, i + 1, 1)), x);
    }

    /**
     * A zero tensor of {@code shape} with {@code src} written at {@code [start:end:step]} along dim: the VJP of
     * slice (PyTorch's slice_backward). Its own VJP is that slice.
     */
    public static Variable embedSlice(Variable src, int[] shape, int dim, int start, int end, int step) {
        Tensor out = src.value().newZeros(shape);
        out.slice(dim, start, end, step).copyFrom(src.value());
        return Node.record("embedSlice", out, Saves.NOTHING, (n, g) -> grads(g.slice(dim, start, end, step)), src);
    }

    public static Variable cat(int dim, Variable... xs) {
        Tensor[] values = new Tensor[xs.length];
        for (int i = 0; i < xs.length; i++) values[i] = xs[i].value();
        Tensor result = Tensor.cat(dim, values);
        int d = Shape.dim("cat", dim, result.rank());
        int[] lengths = new int[xs.length];
        for (int i = 0; i < xs.length; i++) lengths[i] = xs[i].size(d);
        return Node.record("cat", result, Saves.NOTHING, (n, g) -> {
            Variable[] pieces = new Variable[lengths.length];
            for (int i = 0, at = 0; i < lengths.length; at += lengths[i], i++) pieces[i] = g.narrow(d, at, lengths[i]);
            return pieces;
        }, xs);
    }

    public static Variable stack(int dim, Variable... xs) {
        Tensor[] values = new Tensor[xs.length];
        for (int i = 0; i < xs.length; i++) values[i] = xs[i].value();
        Tensor result = Tensor.stack(dim, values);
        int d = Shape.dim("stack", dim, result.rank());
        int count = xs.length;
        return Node.record("stack", result, Saves.NOTHING, (n, g) -> {
            Variable[] pieces = new Variable[count];
            for (int i = 0; i < pieces.length; i++) pieces[i] = g.select(d, i);
            return pieces;
        }, xs);
    }

    public static Variable to(Variable x, DType dtype) {
        DType from = x.dtype();
        return Node.record("to", x.value().to(dtype), Saves.NOTHING, (n, g) -> grads(g.to(from)), x);
    }

    // ---------------------------------------------------------------- registry: names and gradient check cases

    @Override
    public List<Entry> ops() {
        return List.of(
                Entry.of("view", s -> { // view needs compatible strides: a contiguous input
                    int[] shape = s.shape(1, 3, 4);
                    int[] target = regrouped(s, shape);
                    return Problem.of("view " + Shape.str(shape) + " as " + Shape.str(target), v -> v[0].view(target),
                            s.normal(shape).copy());
                }),
                Entry.of("reshape", s -> {
                    int[] shape = s.shape(0, 3, 4);
                    int[] target = regrouped(s, shape);
                    return Problem.of("reshape " + Shape.str(shape) + " to " + Shape.str(target),
                            v -> v[0].reshape(target), s.normal(shape));
                }),
                Entry.of("squeeze", s -> {
                    int[] shape = withOne(s, s.shape(0, 2, 3));
                    int dim = Arrays.asList(box(shape)).indexOf(1);
                    boolean all = s.coin();
                    return Problem.of("squeeze " + Shape.str(shape) + (all ? "" : " dim " + dim),
                            v -> all ? v[0].squeeze() : v[0].squeeze(dim), s.normal(shape));
                }),
                Entry.of("unsqueeze", s -> {
                    int[] shape = s.shape(0, 3, 3);
                    int dim = s.between(-shape.length - 1, shape.length);
                    return Problem.of("unsqueeze " + Shape.str(shape) + " at " + dim, v -> v[0].unsqueeze(dim), s.normal(shape));
                }),
                Entry.of("contiguous", s -> Problem.of("contiguous copy of a transposed view",
                        v -> v[0].t().contiguous(), s.normal(s.shape(2, 3, 3)))),
                Entry.of("permute", s -> {
                    int[] shape = s.shape(1, 4, 3);
                    int[] order = new int[shape.length];
                    for (int i = 0; i < order.length; i++) order[i] = i;
                    for (int i = order.length - 1; i > 0; i--) { int j = s.nextInt(i + 1), t = order[i]; order[i] = order[j]; order[j] = t; }
                    return Problem.of("permute " + Shape.str(shape) + " by " + Arrays.toString(order),
                            v -> v[0].permute(order), s.normal(shape));
                }),
                Entry.of("transpose", s -> {
                    int[] shape = s.shape(1, 3, 4);
                    int d0 = s.nextInt(shape.length), d1 = s.nextInt(shape.length) - shape.length;
                    return Problem.of("transpose " + Shape.str(shape) + " " + d0 + "," + d1,
                            v -> v[0].transpose(d0, d1), s.normal(shape));
                }),
                Entry.of("expand", s -> {
                    int[] full = s.shape(1, 3, 3);
                    int[] small = s.broadcastable(full);
                    return Problem.of("expand " + Shape.str(small) + " to " + Shape.str(full), v -> v[0].expand(full),
                            s.normal(small));
                }),
                Entry.of("slice", s -> {
                    int[] shape = s.shape(1, 3, 5);
                    int dim = s.nextInt(shape.length), size = shape[dim], step = s.between(1, 3);
                    int start = s.between(-size, size - 1), end = s.between(-size, size + 1);
                    return Problem.of("slice " + Shape.str(shape) + " dim " + dim + " [" + start + ":" + end + ":" + step + "]",
                            v -> v[0].slice(dim, start, end, step), s.normal(shape));
                }),
                Entry.of("select", s -> {
                    int[] shape = s.shape(1, 3, 4);
                    int dim = s.nextInt(shape.length) - (s.coin() ? shape.length : 0);
                    int size = shape[Math.floorMod(dim, shape.length)], index = s.between(-size, size - 1);
                    return Problem.of("select " + Shape.str(shape) + " dim " + dim + " index " + index,
                            v -> v[0].select(dim, index), s.normal(shape));
                }),
                Entry.of("embedSlice", s -> {
                    int[] shape = s.shape(1, 3, 5);
                    int dim = s.nextInt(shape.length), step = s.between(1, 3), start = s.nextInt(shape[dim]);
                    int[] srcShape = Tensor.zeros(shape).slice(dim, start, shape[dim], step).shape();
                    return Problem.of("embedSlice into " + Shape.str(shape) + " dim " + dim + " [" + start + "::" + step + "]",
                            v -> embedSlice(v[0], shape, dim, start, shape[dim], step), s.normal(srcShape));
                }),
                Entry.of("cat", s -> {
                    int[] shape = s.shape(1, 3, 3);
                    int dim = s.nextInt(shape.length);
                    Tensor[] parts = new Tensor[s.between(1, 3)];
                    for (int i = 0; i < parts.length; i++) {
                        shape[dim] = s.between(1, 3);
                        parts[i] = s.normal(shape.clone());
                    }
                    return Problem.of("cat of " + parts.length + " along " + dim, v -> Variable.cat(dim, v), parts);
                }),
                Entry.of("stack", s -> {
                    int[] shape = s.shape(0, 2, 3);
                    int dim = s.between(0, shape.length);
                    Tensor[] parts = new Tensor[s.between(1, 3)];
                    for (int i = 0; i < parts.length; i++) parts[i] = s.normal(shape);
                    return Problem.of("stack of " + parts.length + " " + Shape.str(shape) + " at " + dim,
                            v -> Variable.stack(dim, v), parts);
                }),
                // Through float32 and back. The values lie on a grid of halves and the step is 2^-10, so x ± eps is
                // exact in float32 and the difference quotient is exact; eps = 1e-6 would drown in float32 rounding.
                Entry.of("to", s -> Problem.of("float64 -> float32 -> float64", v -> v[0].to(DType.FLOAT32).to(DType.FLOAT64),
                        s.onGrid(0, s.shape(0, 3, 3))).withEps(0x1p-10)));
    }

    /** Another shape with as many elements: dims merged, split or flattened. */
    private static int[] regrouped(Sampler s, int[] shape) {
        int n = Shape.numel(shape);
        return switch (s.nextInt(4)) {
            case 0 -> new int[] {n};
            case 1 -> new int[] {1, n, 1};
            case 2 -> shape.length >= 2 ? new int[] {shape[0] * shape[1], -1} : new int[] {-1, 1};
            default -> shape.length >= 2 ? new int[] {shape[0], -1} : new int[] {1, -1};
        };
    }

    /** The shape with a size-1 dim inserted at a random position. */
    private static int[] withOne(Sampler s, int[] shape) {
        int at = s.between(0, shape.length);
        int[] out = new int[shape.length + 1];
        for (int i = 0, j = 0; i < out.length; i++) out[i] = i == at ? 1 : shape[j++];
        return out;
    }

    private static Integer[] box(int[] a) {
        return Arrays.stream(a).boxed().toArray(Integer[]::new);
    }
}

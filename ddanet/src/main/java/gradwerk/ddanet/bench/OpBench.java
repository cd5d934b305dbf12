package gradwerk.ddanet.bench;

import gradwerk.autograd.NoGrad;
import gradwerk.autograd.Variable;
import gradwerk.ddanet.attention.CrissCrossAttention;
import gradwerk.ddanet.attention.DeformableCrissCrossAttention;
import gradwerk.nn.Module;
import gradwerk.nn.Parameter;
import gradwerk.tensor.Device;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;
import gradwerk.tensor.TensorScope;
import gradwerk.tensor.nn.GridPadding;
import gradwerk.tensor.nn.Interpolation;
import gradwerk.tensor.nn.Sampling;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Milliseconds (medians after warm-up) of the ops the DDANet models add to a U-Net, under the same row names as
 * {@code tools/bench_pytorch.py grid-sample|attention}:
 * <ul>
 *   <li>{@code grid-sample aug|attn fwd|fwd+bwd}: bilinear grid sampling, align_corners, at the augmentation warp's
 *       shape ([4,1,256,256], 256×256 grid, zero padding) and the deformable block's ([4,256,16,16], 256×31 grid,
 *       border padding); fwd+bwd includes the input and grid gradients;</li>
 *   <li>{@code attention cca|dcca fwd|fwd+bwd}: the criss-cross and deformable criss-cross blocks at the bottleneck
 *       of a 256² input ([4,256,16,16], two loops); fwd+bwd includes every weight's and the input's gradient.</li>
 * </ul>
 */
public final class OpBench {
    private OpBench() {}

    /** name: N, C, H, W, grid rows, grid columns, padding (0 zeros, 1 border). */
    private static final Object[][] GRID_SHAPES = {
            {"aug", new int[] {4, 1, 256, 256, 256, 256}, GridPadding.ZEROS},
            {"attn", new int[] {4, 256, 16, 16, 256, 31}, GridPadding.BORDER},
    };

    /** The least time spent warming up each row before it is timed (1.5 s). */
    static final long WARM_NANOS = 1_500_000_000L;

    public static Map<String, Double> gridSample(int reps, Device device) {
        Map<String, Double> rows = new LinkedHashMap<>();
        Generator g = new Generator(3);
        for (Object[] row : GRID_SHAPES) {
            String name = (String) row[0];
            int[] s = (int[]) row[1];
            GridPadding pad = (GridPadding) row[2];
            Tensor x = Tensor.randn(g, s[0], s[1], s[2], s[3]).to(device);
            Tensor grid = Tensor.rand(g, s[0], s[4], s[5], 2).mul(2.2).sub(1.1).to(device);
            Tensor gy = Tensor.randn(g, s[0], s[1], s[4], s[5]).to(device);
            Runnable fwd = () -> sync(Sampling.gridSample(x, grid, Interpolation.BILINEAR, pad, true));
            Runnable both = () -> {
                Sampling.gridSample(x, grid, Interpolation.BILINEAR, pad, true);
                var gr = Sampling.gridSampleBackward(gy, x, grid, Interpolation.BILINEAR, pad, true, true, true);
                sync(gr.grid());
            };
            rows.put("grid-sample " + name + " fwd", ms(reps, 3, fwd));
            rows.put("grid-sample " + name + " fwd+bwd", ms(reps, 3, both));
        }
        return rows;
    }

    public static Map<String, Double> attention(int reps, Device device) {
        Map<String, Double> rows = new LinkedHashMap<>();
        Generator g = new Generator(5);
        Tensor x0 = Tensor.randn(g, 4, 256, 16, 16).to(device);
        Tensor gy = Tensor.randn(g, 4, 256, 16, 16).to(device);
        for (String name : new String[] {"cca", "dcca"}) {
            Module blk = name.equals("cca") ? new CrissCrossAttention(256, 2, g)
                    : new DeformableCrissCrossAttention(256, 16, 16, 2, true, g);
            for (Map.Entry<String, Parameter> p : blk.namedParameters().entrySet()) { // on the CPU, then moved
                if (p.getKey().equals("gamma")) p.getValue().value().fill(0.5);
                if (p.getKey().startsWith("offset.")) p.getValue().value().copyFrom(Tensor.randn(g, p.getValue().value().shape()).mul(0.02));
            }
            blk.to(device);
            Runnable fwd = () -> {
                try (var _ = NoGrad.enter()) {
                    sync(blk.forward(Variable.constant(x0)).value());
                }
            };
            Runnable both = () -> {
                for (Parameter p : blk.parameters()) p.zeroGrad();
                Variable x = new Variable(x0, true);
                blk.forward(x).backward(gy);
                sync(x.grad());
            };
            rows.put("attention " + name + " fwd", ms(reps, 2, fwd));
            rows.put("attention " + name + " fwd+bwd", ms(reps, 2, both));
        }
        return rows;
    }

    /** Reads one element back, so that an asynchronous device has finished. */
    private static void sync(Tensor t) {
        if (t.numel() > 0) t.reshape(-1).get(0);
    }

    /**
     * Median milliseconds of {@code reps} timed runs of {@code body}, each in a {@link TensorScope} of its own as a
     * training step runs (its tensors come from the pool, as PyTorch's come from its allocator's free blocks; see
     * {@code ConvBench}), after at least {@code warmup} untimed runs and at
     * least {@link #WARM_NANOS} of them: the JIT compiles a kernel only after it has run many times, so a fixed two or
     * three calls (enough for PyTorch, whose kernels are compiled ahead of time) would time the interpreter.
     */
    static double ms(int reps, int warmup, Runnable body) {
        long warmEnd = System.nanoTime() + WARM_NANOS;
        for (int i = 0; i < warmup || System.nanoTime() < warmEnd; i++) TensorScope.run("op benchmark call", body);
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            TensorScope.run("op benchmark call", body);
            t[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(t);
        return reps % 2 == 1 ? t[reps / 2] : (t[reps / 2 - 1] + t[reps / 2]) / 2;
    }
}

package gradwerk.tutorials;

import gradwerk.autograd.GradCheck;
import gradwerk.autograd.NoGrad;
import gradwerk.autograd.Variable;
import gradwerk.ddanet.plot.Charts;
import gradwerk.tensor.DType;
import gradwerk.tensor.Generator;
import gradwerk.tensor.Tensor;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Chapter 6: convolutions and the U-Net. im2col on a 4 x 4 example, convolution as one matrix product, receptive
 * fields computed and measured by backpropagation, and three small networks learning to segment circles (but not
 * squares) in toy images: plain convolutions, a U-Net without its skip connections, and a U-Net.
 */
public final class Ch06ConvUNet {
    /** Settings: training steps and batch size (images per step). */
    public record Settings(int steps, int batch) {
        public static Settings full() { return new Settings(600, 16); }
        public static Settings quick() { return new Settings(120, 8); }
    }

    /** One receptive-field row: after this layer, computed and measured. */
    public record Field(String layer, int jump, int computed, int measured) {}

    /** One trained network: its loss curve and its Dice score for the circles on unseen images. */
    public record Trained(String name, double[] losses, double dice, String picture) {}

    public record Result(String columns, double[] convViaGemm, double[] convDirect, GradCheck.Result gradCheck,
                         List<Field> fields, List<Trained> nets, Path plot) {
        public Trained net(String name) { return nets.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow(); }
    }

    public static void main(String[] args) {
        run(System.out, Path.of(args.length > 0 ? args[0] : "out/tutorial-06"), Settings.full());
    }

    public static Result run(PrintStream out, Path outDir, Settings s) {
        // 1. im2col on a 4x4 image and a 3x3 kernel
        Variable img = Variable.constant(Tensor.arange(16).view(1, 1, 4, 4));
        Tensor cols = ViewConv.im2col(img, 3).value();                          // [1, 9, 4]
        out.println("1. a 4x4 image (values 0..15) and its im2col matrix for a 3x3 kernel: one column per output pixel");
        String columns = drawColumns(img.value(), cols);
        out.print(columns);
        Tensor w = Tensor.of(new float[] {1, 0, -1, 2, 0, -2, 1, 0, -1}, 1, 1, 3, 3); // a Sobel filter
        double[] viaGemm = ViewConv.conv2d(img, Variable.constant(w), Variable.constant(Tensor.zeros(1)), 0)
                .value().toDoubleArray();
        double[] direct = directConv(img.value(), w);
        out.printf(Locale.ROOT, "   Sobel kernel as a row [1 0 -1 2 0 -2 1 0 -1] times the columns: %s; direct loops: %s%n",
                java.util.Arrays.toString(viaGemm), java.util.Arrays.toString(direct));

        // 2. autograd differentiates the view-built convolution with no new rule
        Generator g = new Generator(6);
        GradCheck.Result check = GradCheck.check("conv2d from views", v -> ViewConv.conv2d(v[0], v[1], v[2], 1),
                Tensor.randn(DType.FLOAT64, g, 2, 2, 5, 5), Tensor.randn(DType.FLOAT64, g, 3, 2, 3, 3),
                Tensor.randn(DType.FLOAT64, g, 3));
        out.printf(Locale.ROOT, "%n2. GradCheck of conv2d from views (x [2,2,5,5], w [3,2,3,3], padding 1): passed %s, max error %.1e%n",
                check.passed(), check.maxError());

        // 3. receptive fields of the U-Net's encoder: computed, and measured by backpropagation
        List<Field> fields = receptiveFields();
        out.println("\n3. receptive field of one output pixel, after each layer of the encoder");
        out.printf("   %-14s %5s %9s %9s%n", "layer", "jump", "computed", "measured");
        for (Field f : fields) out.printf("   %-14s %5d %9d %9d%n", f.layer(), f.jump(), f.computed(), f.measured());

        // 4. segmentation: circles are foreground, squares are not
        Tensor[] test = shapes(new Generator(99), 32);
        List<Trained> nets = new ArrayList<>();
        out.printf(Locale.ROOT, "%n4. segmenting circles but not squares, 16x16 images, %d steps of %d images, Adam%n",
                s.steps(), s.batch());
        for (String name : List.of("plain convs", "U-Net, no skips", "U-Net")) {
            Net net = new Net(name, new Generator(1));
            double[] losses = new double[s.steps()];
            Generator d = new Generator(11);
            for (int step = 0; step < s.steps(); step++) {
                Tensor[] b = shapes(d, s.batch());
                Variable loss = pixelCrossEntropy(net.forward(Variable.constant(b[0])), b[1]);
                loss.backward();
                net.adamStep(0.01);
                losses[step] = loss.item();
            }
            double dice;
            String picture;
            try (var _ = NoGrad.enter()) {
                Tensor predicted = net.forward(Variable.constant(test[0])).value().argmax(1, false); // [N, H, W]
                dice = dice(predicted, test[1]);
                picture = draw(test[0].select(0, 0).select(0, 0), test[1].select(0, 0), predicted.select(0, 0));
            }
            out.printf(Locale.ROOT, "   %-16s %6d parameters, loss %.3f -> %.3f, Dice on 32 new images %.3f%n",
                    name, net.parameterCount(), losses[0], mean(losses, s.steps() - 20), dice);
            nets.add(new Trained(name, losses, dice, picture));
        }
        out.println("\n   one test image: input | target | U-Net | plain convs   (# circle, + square, . background)");
        String[] unet = nets.get(2).picture().split("\n"), plain = nets.get(0).picture().split("\n");
        for (int r = 0; r < unet.length; r++) out.println("   " + unet[r] + " | " + plain[r].split(" \\| ")[2]);
        Path plot = Charts.lines(outDir.resolve("loss.png"), "Chapter 6: segmenting circles, not squares", "step",
                "pixel cross-entropy (mean of 20 steps)", true,
                nets.stream().map(t -> Charts.Series.of(t.name(), smooth(t.losses(), 20))).toArray(Charts.Series[]::new));
        out.println("   loss curves written to " + plot);
        return new Result(columns, viaGemm, direct, check, fields, nets, plot);
    }

    // ---------------------------------------------------------------- the networks

    /** Three networks from one class: plain 3x3 convolutions, or a two-level U-Net with or without skips. */
    static final class Net {
        final String kind;
        final List<Variable> params = new ArrayList<>();
        final List<Tensor> moment1 = new ArrayList<>(), moment2 = new ArrayList<>();
        int step;
        final Generator g;
        final Variable[][] convs;

        Net(String kind, Generator g) {
            this.kind = kind;
            this.g = g;
            boolean skips = kind.equals("U-Net");
            convs = kind.equals("plain convs")
                    ? new Variable[][] {conv(1, 8, 3), conv(8, 8, 3), conv(8, 8, 3), conv(8, 2, 1)}
                    : new Variable[][] {
                            conv(1, 4, 3), conv(4, 4, 3),                 // level 1: 16x16
                            conv(4, 8, 3), conv(8, 8, 3),                 // level 2: 8x8
                            conv(8, 16, 3), conv(16, 16, 3),              // bottom: 4x4
                            conv(skips ? 24 : 16, 8, 3),                  // up to 8x8 (+ level 2's features)
                            conv(skips ? 12 : 8, 4, 3),                   // up to 16x16 (+ level 1's features)
                            conv(4, 2, 1)};                               // per-pixel logits: background, circle
        }

        private Variable[] conv(int in, int out, int k) {
            double std = Math.sqrt(2.0 / (in * k * k)); // He et al. 2015: keeps the activations' scale through relu
            Variable w = Variable.param(Tensor.randn(g, out, in, k, k).mul(std)), b = Variable.param(Tensor.zeros(out));
            for (Variable p : List.of(w, b)) {
                params.add(p);
                moment1.add(p.value().zerosLike());
                moment2.add(p.value().zerosLike());
            }
            return new Variable[] {w, b};
        }

        private Variable apply(int i, Variable x) {
            Variable[] c = convs[i];
            return ViewConv.conv2d(x, c[0], c[1], c[0].size(2) / 2);
        }

        Variable forward(Variable x) {
            if (kind.equals("plain convs"))
                return apply(3, apply(2, apply(1, apply(0, x).relu()).relu()).relu());
            boolean skips = kind.equals("U-Net");
            Variable l1 = apply(1, apply(0, x).relu()).relu();                               // [N, 4, 16, 16]
            Variable l2 = apply(3, apply(2, ViewConv.maxPool2(l1)).relu()).relu();           // [N, 8, 8, 8]
            Variable bottom = apply(5, apply(4, ViewConv.maxPool2(l2)).relu()).relu();       // [N, 16, 4, 4]
            Variable up2 = ViewConv.upsample2(bottom);                                       // [N, 16, 8, 8]
            Variable d2 = apply(6, skips ? Variable.cat(1, l2, up2) : up2).relu();           // [N, 8, 8, 8]
            Variable up1 = ViewConv.upsample2(d2);                                           // [N, 8, 16, 16]
            Variable d1 = apply(7, skips ? Variable.cat(1, l1, up1) : up1).relu();           // [N, 4, 16, 16]
            return apply(8, d1);                                                             // [N, 2, 16, 16]
        }

        /**
         * Adam (Kingma and Ba 2015; chapter 5): running means of the gradient (m) and of its square (v), corrected
         * for their zero start, and a step of lr·m/√v for every weight. Then the gradients are cleared.
         */
        void adamStep(double lr) {
            step++;
            double c1 = 1 - Math.pow(0.9, step), c2 = 1 - Math.pow(0.999, step);
            for (int i = 0; i < params.size(); i++) {
                Variable p = params.get(i);
                Tensor m = moment1.get(i).mulInPlace(0.9).addInPlace(p.grad().mul(0.1));
                Tensor v = moment2.get(i).mulInPlace(0.999).addInPlace(p.grad().square().mul(0.001));
                p.value().subInPlace(m.div(v.div(c2).sqrt().add(1e-8)).mul(lr / c1));
                p.zeroGrad();
            }
        }

        long parameterCount() {
            return params.stream().mapToLong(Variable::numel).sum();
        }
    }

    /** Mean over pixels of -log softmax(logits)[target]: logits [N, 2, H, W], target [N, H, W] of 0/1. */
    static Variable pixelCrossEntropy(Variable logits, Tensor target) {
        Tensor oneHot = Tensor.stack(1, target.neg().add(1), target);                          // [N, 2, H, W]
        return logits.logSoftmax(1).mul(oneHot).sum(1).mean().neg();
    }

    // ---------------------------------------------------------------- receptive fields

    /**
     * The encoder's layers: a k x k stride-s layer widens the field by (k - 1)·jump and multiplies the jump (the
     * input distance between neighbouring outputs) by s. Measured: backpropagate from the centre output pixel of a
     * stack with all-positive weights and count the input rows that receive a gradient.
     */
    static List<Field> receptiveFields() {
        String[] names = {"conv 3x3", "conv 3x3", "maxpool 2x2/2", "conv 3x3", "conv 3x3", "maxpool 2x2/2", "conv 3x3", "conv 3x3"};
        List<Field> fields = new ArrayList<>();
        int rf = 1, jump = 1;
        for (int l = 0; l < names.length; l++) {
            boolean pool = names[l].startsWith("maxpool");
            int k = pool ? 2 : 3, stride = pool ? 2 : 1;
            rf += (k - 1) * jump;
            jump *= stride;
            fields.add(new Field(names[l], jump, rf, measureField(names, l + 1)));
        }
        return fields;
    }

    private static int measureField(String[] layers, int count) {
        int size = 64;
        Variable x = Variable.param(Tensor.ones(1, 1, size, size)); // equal values: max pooling splits its gradient
        Variable y = x;
        Variable w = Variable.constant(Tensor.ones(1, 1, 3, 3)), b = Variable.constant(Tensor.zeros(1));
        for (int l = 0; l < count; l++) y = layers[l].startsWith("maxpool") ? ViewConv.maxPool2(y) : ViewConv.conv2d(y, w, b, 0);
        int c = y.size(2) / 2;
        y.select(3, c).select(2, c).sum().backward();
        Tensor touched = x.grad().select(0, 0).select(0, 0).ne(Tensor.zeros(size, size)).sum(1); // per input row
        int rows = 0;
        for (double v : touched.toDoubleArray()) if (v > 0) rows++;
        return rows;
    }

    // ---------------------------------------------------------------- data, scores and pictures

    /**
     * n images [n, 1, 16, 16] with one circle and one square each (radius / half-side 3 to 5, placed apart), with
     * noise; targets [n, 16, 16]: 1 on the circle. Both shapes have the same brightness: only their outline
     * tells them apart.
     */
    static Tensor[] shapes(Generator g, int n) {
        int size = 16;
        float[] img = new float[n * size * size], target = new float[n * size * size];
        for (int i = 0; i < n; i++) {
            int[] circle, square;
            do {
                circle = new int[] {4 + g.nextInt(8), 4 + g.nextInt(8), 3 + g.nextInt(3)};
                square = new int[] {3 + g.nextInt(10), 3 + g.nextInt(10), 2 + g.nextInt(3)};
            } while (Math.hypot(circle[0] - square[0], circle[1] - square[1]) < circle[2] + 1.5 * square[2] + 2);
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++) {
                    int at = i * size * size + y * size + x;
                    boolean inCircle = Math.hypot(y - circle[0], x - circle[1]) <= circle[2] + 0.3;
                    boolean inSquare = Math.abs(y - square[0]) <= square[2] && Math.abs(x - square[1]) <= square[2];
                    img[at] = (inCircle || inSquare ? 1f : 0f) + 0.2f * (float) g.nextGaussian();
                    target[at] = inCircle ? 1f : 0f;
                }
        }
        return new Tensor[] {Tensor.of(img, n, 1, size, size), Tensor.of(target, n, size, size)};
    }

    /** Dice = 2|P ∩ T| / (|P| + |T|) over all pixels of all images. */
    static double dice(Tensor predicted, Tensor target) {
        double both = predicted.mul(target).sum().item(), sum = predicted.sum().item() + target.sum().item();
        return sum == 0 ? 1 : 2 * both / sum;
    }

    private static String draw(Tensor image, Tensor target, Tensor predicted) {
        StringBuilder sb = new StringBuilder();
        for (int y = 0; y < image.size(0); y++) {
            StringBuilder a = new StringBuilder(), t = new StringBuilder(), p = new StringBuilder();
            for (int x = 0; x < image.size(1); x++) {
                boolean bright = image.get(y, x) > 0.5, circle = target.get(y, x) > 0.5;
                a.append(bright ? '#' : '.');
                t.append(circle ? '#' : bright ? '+' : '.');
                p.append(predicted.get(y, x) > 0.5 ? '#' : bright ? '+' : '.');
            }
            sb.append(a).append(" | ").append(t).append(" | ").append(p).append('\n');
        }
        return sb.toString();
    }

    /** The im2col matrix of a one-channel image, with the image beside it. */
    private static String drawColumns(Tensor image, Tensor cols) {
        StringBuilder sb = new StringBuilder();
        int rows = cols.size(1), n = cols.size(2), h = image.size(2);
        for (int r = 0; r < rows; r++) {
            sb.append("   ");
            if (r < h) for (int x = 0; x < image.size(3); x++) sb.append(String.format(Locale.ROOT, "%3.0f", image.get(0, 0, r, x)));
            else sb.append(" ".repeat(3 * image.size(3)));
            sb.append(r == rows / 2 ? "   ->   " : "        ");
            sb.append(String.format("(ky=%d,kx=%d) ", r / 3, r % 3));
            for (int j = 0; j < n; j++) sb.append(String.format(Locale.ROOT, "%3.0f", cols.get(0, r, j)));
            sb.append('\n');
        }
        return sb.toString();
    }

    private static double[] directConv(Tensor x, Tensor w) {
        int h = x.size(2) - 2, wd = x.size(3) - 2;
        double[] out = new double[h * wd];
        for (int i = 0; i < h; i++)
            for (int j = 0; j < wd; j++)
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++) out[i * wd + j] += x.get(0, 0, i + ky, j + kx) * w.get(0, 0, ky, kx);
        return out;
    }

    private static double mean(double[] v, int from) {
        double s = 0;
        for (int i = from; i < v.length; i++) s += v[i];
        return s / (v.length - from);
    }

    private static double[] smooth(double[] v, int window) {
        double[] s = new double[v.length];
        for (int i = 0; i < v.length; i++) s[i] = mean(java.util.Arrays.copyOfRange(v, Math.max(0, i - window + 1), i + 1), 0);
        return s;
    }
}

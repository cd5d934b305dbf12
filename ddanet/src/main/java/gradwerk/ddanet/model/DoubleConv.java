package gradwerk.ddanet.model;

import gradwerk.autograd.Variable;
import gradwerk.nn.Module;
import gradwerk.nn.init.Init;
import gradwerk.nn.layers.BatchNorm2d;
import gradwerk.nn.layers.Conv2d;
import gradwerk.tensor.Generator;

/**
 * One U-Net level: (3×3 convolution → batch norm → ReLU) × 2, at constant resolution. The convolutions have no bias
 * (the batch norm that follows would cancel it) and He/Kaiming-normal weights, N(0, 2/fan_in), for the ReLU after
 * them. State dict names: {@code conv1.weight, bn1.weight, bn1.bias, bn1.running_mean, ..., conv2.weight, bn2.*}.
 */
public final class DoubleConv extends Module {
    private final int in, out;
    private final Conv2d conv1, conv2;
    private final BatchNorm2d bn1, bn2;

    public DoubleConv(int in, int out, Generator g) {
        this.in = in;
        this.out = out;
        conv1 = registerModule("conv1", conv3x3(in, out, g));
        bn1 = registerModule("bn1", new BatchNorm2d(out));
        conv2 = registerModule("conv2", conv3x3(out, out, g));
        bn2 = registerModule("bn2", new BatchNorm2d(out));
    }

    private static Conv2d conv3x3(int in, int out, Generator g) {
        Conv2d c = new Conv2d(in, out, 3, 1, 1, 1, 1, false, g);
        Init.kaimingNormal(c.weight().value(), g);
        return c;
    }

    @Override
    public Variable forward(Variable x) {
        Variable y = bn1.forwardRelu(conv1.forward(x)); // bn1.forward(...).relu(), keeping one tensor, not two
        return bn2.forwardRelu(conv2.forward(y));
    }

    @Override
    protected String extraRepr() { return in + "→" + out; }
}

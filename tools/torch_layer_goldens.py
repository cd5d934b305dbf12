#!/usr/bin/env python3
"""Writes PyTorch goldens for gradwerk's nn layers (nn/src/test/resources/goldens/layers/modules.json).

    /usr/bin/python3 tools/torch_layer_goldens.py      # Debian's python3-torch (1.13)

Each case is a small torch.nn.Sequential (the layer list is mirrored by LayerGoldenTest) in float64: its state
dict, an input and class-index target, then from one training-mode forward pass the output, the cross-entropy
loss, every parameter's gradient and the updated running statistics; then the eval-mode output. The goldens are
committed; torch is needed only to regenerate them.
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(11)
F64 = torch.float64
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "nn", "src", "test", "resources", "goldens", "layers",
                   "modules.json")


def tj(t):
    t = t.detach().to(F64)
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def conv_net():
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, stride=1, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=2, bias=False),
        nn.GroupNorm(4, 8),
        nn.LeakyReLU(0.1),
        nn.ConvTranspose2d(8, 4, 2, stride=2),
        nn.InstanceNorm2d(4, affine=True),
        nn.GELU(),
        nn.AvgPool2d(2),
        nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
        nn.Conv2d(4, 3, 1),
    ), (2, 3, 8, 8), (2, 8, 8)


def head_net():
    return nn.Sequential(
        nn.Conv2d(2, 4, 3, stride=2, padding=1),
        nn.BatchNorm2d(4, momentum=None),
        nn.Tanh(),
        nn.ConvTranspose2d(4, 4, 3, stride=2, padding=1, output_padding=1, groups=2),
        nn.Sigmoid(),
        nn.Upsample(size=(5, 7), mode="nearest"),
        nn.AdaptiveAvgPool2d((2, 3)),
        nn.Flatten(),
        nn.Linear(24, 5),
    ), (3, 2, 6, 6), (3,)


def case(name, make):
    model, in_shape, t_shape = make()
    model = model.double()
    for m in model.modules():  # non-trivial affine parameters and running stats
        if isinstance(m, (nn.BatchNorm2d, nn.GroupNorm, nn.InstanceNorm2d)) and m.weight is not None:
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_()
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.normal_()
            m.running_var.uniform_(0.5, 2)
    state = {k: tj(v) for k, v in model.state_dict().items()}
    x = torch.randn(in_shape, dtype=F64)
    c = model[-1].out_features if isinstance(model[-1], nn.Linear) else model[-1].out_channels
    t = torch.randint(0, c, t_shape)
    model.train()
    out = model(x)
    loss = F.cross_entropy(out, t)
    loss.backward()
    after = {k: tj(v) for k, v in model.state_dict().items() if "running" in k or "num_batches" in k}
    model.eval()
    with torch.no_grad():
        eval_out = model(x)
    return {"name": name, "state": state, "input": tj(x), "target": tj(t.to(F64)), "output": tj(out),
            "loss": float(loss), "grads": {k: tj(p.grad) for k, p in model.named_parameters()},
            "buffersAfter": after, "evalOutput": tj(eval_out)}


def functional():
    """Spatial transformer pieces and padding: outputs and gradients w.r.t. every input."""
    out = []

    def record(name, args, inputs, fn):
        leaves = [x.clone().requires_grad_(True) for x in inputs]
        y = fn(*leaves)
        up = torch.randn(y.shape, dtype=F64)
        grads = torch.autograd.grad(y, leaves, up)
        out.append({"name": name, "args": args, "inputs": [tj(x) for x in inputs], "output": tj(y), "upstream": tj(up),
                    "grads": [tj(g) for g in grads]})

    for mode, padding, ac in (("bilinear", "zeros", False), ("bilinear", "border", True), ("nearest", "zeros", False)):
        # generic numbers: no sample point may land on a pixel centre, where bilinear sampling has a kink and
        # the one-sided derivative depends on the last bit of the coordinate
        base = torch.tensor([[[0.9, -0.3, 0.1], [0.25, 1.1, -0.2]], [[1.2, 0.1, 0.3], [-0.1, 0.8, 0.05]]], dtype=F64)
        while True:
            theta = base + 0.05 * torch.randn(2, 2, 3, dtype=F64)
            grid = F.affine_grid(theta, [2, 3, 4, 7], align_corners=ac)
            shift = 0.5 if mode == "nearest" else 0.0
            pix = [((grid[..., k] + 1) / 2 * (n - 1) if ac else ((grid[..., k] + 1) * n - 1) / 2) + shift
                   for k, n in ((0, 6), (1, 5))]
            if all(((p - p.round()).abs() > 1e-3).all() for p in pix):
                break
        img = torch.randn(2, 3, 5, 6, dtype=F64)
        record("stn " + mode + " " + padding + (" alignCorners" if ac else ""),
               {"mode": mode, "padding": padding, "alignCorners": ac, "size": [2, 3, 4, 7]}, [img, theta],
               lambda x, th: F.grid_sample(x, F.affine_grid(th, [2, 3, 4, 7], align_corners=ac), mode=mode,
                                           padding_mode=padding, align_corners=ac))
    x = torch.randn(2, 2, 3, 4, dtype=F64)
    record("pad constant", {"pads": [1, 2, -1, 1], "mode": "constant", "value": 0.5}, [x],
           lambda v: F.pad(v, [1, 2, -1, 1], mode="constant", value=0.5))
    record("pad replicate", {"pads": [2, 1, 1, 3], "mode": "replicate", "value": 0}, [x],
           lambda v: F.pad(v, [2, 1, 1, 3], mode="replicate"))
    return out


if __name__ == "__main__":
    with open(OUT, "w") as f:
        json.dump({"cases": [case("conv net", conv_net), case("head net", head_net)], "functional": functional()}, f)
    print("wrote", OUT)

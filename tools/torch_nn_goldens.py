#!/usr/bin/env python3
"""Writes PyTorch reference values ("goldens") for gradwerk's nn kernels.

    /usr/bin/python3 tools/torch_nn_goldens.py      # writes tensor/src/test/resources/goldens/nn/*.json

Every case holds small float64 inputs, the op's parameters, its outputs and the gradients of
sum(output * g) for a random upstream gradient g (itself stored as input "g"). The Java test
gradwerk.tensor.nn.TorchGoldenTest replays each case. Seeds are fixed, so rerunning the script with the
same PyTorch version reproduces the files; the PyTorch version is recorded in each file.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(1234)
torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tensor", "src", "test", "resources", "goldens", "nn")


def enc(t):
    t = t.detach().to(torch.float64).contiguous()
    return {"shape": list(t.shape), "data": t.flatten().tolist()}


def case(op, params, inputs, outputs):
    return {"op": op, "params": params, "inputs": {k: enc(v) for k, v in inputs.items()},
            "outputs": {k: enc(v) for k, v in outputs.items()}}


def grads(out, g, *wrt):
    """Gradients of sum(out * g) w.r.t. each tensor in wrt (None where it does not require grad)."""
    return torch.autograd.grad(out, [w for w in wrt], grad_outputs=g, allow_unused=True)


def leaf(*shape, lo=None, hi=None):
    t = torch.randn(*shape) if lo is None else torch.rand(*shape) * (hi - lo) + lo
    return t.requires_grad_(True)


def conv_cases():
    cases = []
    configs = [  # (N, Cin, H, W, Cout, kh, kw, stride, padding, dilation, groups, bias)
        (2, 3, 7, 6, 4, 3, 3, (1, 1), (1, 1), (1, 1), 1, True),
        (1, 4, 9, 8, 6, 3, 2, (2, 1), (1, 0), (1, 2), 2, True),
        (2, 6, 8, 7, 3, 2, 3, (2, 3), (0, 2), (2, 1), 3, False),
        (1, 2, 5, 5, 2, 1, 1, (1, 1), (0, 0), (1, 1), 1, True),
        (1, 4, 6, 6, 4, 3, 3, (1, 1), (2, 2), (1, 1), 4, True),  # depthwise
    ]
    for n, ci, h, w, co, kh, kw, s, p, d, g, bias in configs:
        x, wt = leaf(n, ci, h, w), leaf(co, ci // g, kh, kw)
        b = leaf(co) if bias else None
        y = F.conv2d(x, wt, b, s, p, d, g)
        gy = torch.randn_like(y)
        gx, gw, gb = grads(y, gy, x, wt, b if bias else x)
        ins = {"x": x, "weight": wt, "g": gy}
        outs = {"y": y, "grad_x": gx, "grad_weight": gw}
        if bias:
            ins["bias"], outs["grad_bias"] = b, gb
        cases.append(case("conv2d", {"stride": s, "padding": p, "dilation": d, "groups": g}, ins, outs))
    configs = [  # (N, Cin, H, W, Cout, kh, kw, stride, padding, output_padding, dilation, groups, bias)
        (2, 3, 4, 5, 4, 3, 3, (2, 2), (1, 1), (1, 0), (1, 1), 1, True),
        (1, 4, 3, 4, 6, 2, 3, (3, 2), (0, 1), (2, 1), (1, 2), 2, False),
        (1, 2, 5, 3, 2, 3, 2, (1, 1), (1, 0), (0, 1), (2, 2), 1, True),
    ]
    for n, ci, h, w, co, kh, kw, s, p, op, d, g, bias in configs:
        x, wt = leaf(n, ci, h, w), leaf(ci, co // g, kh, kw)
        b = leaf(co) if bias else None
        y = F.conv_transpose2d(x, wt, b, s, p, op, g, d)
        gy = torch.randn_like(y)
        gx, gw, gb = grads(y, gy, x, wt, b if bias else x)
        ins = {"x": x, "weight": wt, "g": gy}
        outs = {"y": y, "grad_x": gx, "grad_weight": gw}
        if bias:
            ins["bias"], outs["grad_bias"] = b, gb
        cases.append(case("conv_transpose2d", {"stride": s, "padding": p, "output_padding": op, "dilation": d,
                                               "groups": g}, ins, outs))
    return cases


def pool_cases():
    cases = []
    for k, s, p, d, ceil in [((3, 3), (2, 2), (1, 1), (1, 1), False), ((2, 3), (2, 1), (1, 0), (2, 1), True),
                             ((2, 2), (2, 2), (0, 0), (1, 1), True), ((3, 2), (1, 2), (1, 1), (1, 1), False)]:
        x = leaf(2, 3, 7, 6)
        y, idx = F.max_pool2d(x, k, s, p, d, ceil_mode=ceil, return_indices=True)
        gy = torch.randn_like(y)
        (gx,) = grads(y, gy, x)
        cases.append(case("max_pool2d", {"kernel": k, "stride": s, "padding": p, "dilation": d, "ceil_mode": ceil},
                          {"x": x, "g": gy}, {"y": y, "indices": idx.double(), "grad_x": gx}))
    # ties: small integers, first maximum wins
    x = torch.randint(-1, 2, (1, 2, 5, 5)).double().requires_grad_(True)
    y, idx = F.max_pool2d(x, 2, 1, 0, 1, return_indices=True)
    gy = torch.randn_like(y)
    (gx,) = grads(y, gy, x)
    cases.append(case("max_pool2d", {"kernel": (2, 2), "stride": (1, 1), "padding": (0, 0), "dilation": (1, 1),
                                     "ceil_mode": False}, {"x": x, "g": gy}, {"y": y, "indices": idx.double(), "grad_x": gx}))
    for k, s, p, ceil, inc, div in [((3, 3), (2, 2), (1, 1), False, True, None), ((3, 3), (2, 2), (1, 1), True, False, None),
                                    ((2, 3), (2, 2), (1, 1), True, True, None), ((2, 2), (1, 2), (0, 1), False, True, 3)]:
        x = leaf(2, 2, 7, 6)
        y = F.avg_pool2d(x, k, s, p, ceil_mode=ceil, count_include_pad=inc, divisor_override=div)
        gy = torch.randn_like(y)
        (gx,) = grads(y, gy, x)
        cases.append(case("avg_pool2d", {"kernel": k, "stride": s, "padding": p, "ceil_mode": ceil,
                                         "count_include_pad": inc, "divisor_override": div or 0},
                          {"x": x, "g": gy}, {"y": y, "grad_x": gx}))
    for out in [(3, 2), (1, 1), (7, 9), (4, 5)]:
        x = leaf(2, 2, 5, 6)
        y = F.adaptive_avg_pool2d(x, out)
        gy = torch.randn_like(y)
        (gx,) = grads(y, gy, x)
        cases.append(case("adaptive_avg_pool2d", {"size": out}, {"x": x, "g": gy}, {"y": y, "grad_x": gx}))
    return cases


def sampling_cases():
    cases = []
    for mode, align, size, scale in [("bilinear", True, (7, 5), None), ("bilinear", False, (7, 5), None),
                                     ("bilinear", False, (3, 2), None), ("bilinear", True, None, 2.0),
                                     ("bilinear", False, None, 1.5), ("nearest", None, (7, 9), None),
                                     ("nearest", None, (3, 2), None), ("nearest", None, None, 1.5),
                                     ("nearest", None, None, 2.0)]:
        x = leaf(2, 2, 4, 6)
        y = F.interpolate(x, size=size, scale_factor=scale, mode=mode, align_corners=align)
        gy = torch.randn_like(y)
        (gx,) = grads(y, gy, x)
        cases.append(case("upsample", {"mode": mode, "align_corners": bool(align), "size": size or [],
                                       "scale_factor": scale or 0}, {"x": x, "g": gy}, {"y": y, "grad_x": gx}))
    for mode in ["bilinear", "nearest"]:
        for padding in ["zeros", "border"]:
            for align in [True, False]:
                x = leaf(2, 3, 5, 6)
                grid = leaf(2, 4, 3, 2, lo=-1.25, hi=1.25)
                y = F.grid_sample(x, grid, mode=mode, padding_mode=padding, align_corners=align)
                gy = torch.randn_like(y)
                gx, gg = grads(y, gy, x, grid)
                gg = torch.zeros_like(grid) if gg is None else gg
                cases.append(case("grid_sample", {"mode": mode, "padding_mode": padding, "align_corners": align},
                                  {"x": x, "grid": grid, "g": gy}, {"y": y, "grad_x": gx, "grad_grid": gg}))
    for align in [True, False]:
        theta = leaf(2, 2, 3)
        size = [2, 3, 4, 5]
        grid = F.affine_grid(theta, size, align_corners=align)
        gy = torch.randn_like(grid)
        (gt,) = grads(grid, gy, theta)
        cases.append(case("affine_grid", {"size": size, "align_corners": align}, {"theta": theta, "g": gy},
                          {"grid": grid, "grad_theta": gt}))
    return cases


def norm_cases():
    cases = []
    for shape, training, affine in [((4, 3, 5, 2), True, True), ((3, 2, 7), True, False), ((6, 4), True, True),
                                    ((2, 3, 4, 4), False, True)]:
        c = shape[1]
        x = (torch.randn(*shape) * 2 + 3).requires_grad_(True)
        w, b = (leaf(c), leaf(c)) if affine else (None, None)
        rm, rv = torch.randn(c), torch.rand(c) + 0.5
        rm0, rv0 = rm.clone(), rv.clone()
        y = F.batch_norm(x, rm, rv, w, b, training=training, momentum=0.1, eps=1e-5)
        gy = torch.randn_like(y)
        gs = grads(y, gy, *([x, w, b] if affine else [x]))
        ins = {"x": x, "running_mean": rm0, "running_var": rv0, "g": gy}
        outs = {"y": y, "running_mean_after": rm, "running_var_after": rv, "grad_x": gs[0]}
        if affine:
            ins.update(weight=w, bias=b)
            outs.update(grad_weight=gs[1], grad_bias=gs[2])
        cases.append(case("batch_norm", {"training": training, "momentum": 0.1, "eps": 1e-5}, ins, outs))
    for shape, groups, affine in [((2, 6, 3, 4), 3, True), ((3, 4, 5), 1, True), ((2, 4, 2, 3), 4, False)]:
        c = shape[1]
        x = (torch.randn(*shape) - 1).requires_grad_(True)
        w, b = (leaf(c), leaf(c)) if affine else (None, None)
        y = F.group_norm(x, groups, w, b, eps=1e-5)
        gy = torch.randn_like(y)
        gs = grads(y, gy, *([x, w, b] if affine else [x]))
        ins, outs = {"x": x, "g": gy}, {"y": y, "grad_x": gs[0]}
        if affine:
            ins.update(weight=w, bias=b)
            outs.update(grad_weight=gs[1], grad_bias=gs[2])
        cases.append(case("group_norm", {"groups": groups, "eps": 1e-5}, ins, outs))
    x = leaf(2, 3, 4, 5)
    y = F.instance_norm(x, eps=1e-5)
    gy = torch.randn_like(y)
    (gx,) = grads(y, gy, x)
    cases.append(case("instance_norm", {"eps": 1e-5}, {"x": x, "g": gy}, {"y": y, "grad_x": gx}))
    return cases


def pad_cases():
    cases = []
    for pads, mode, value in [((1, 2), "constant", 0.0), ((2, 1, 0, 3), "constant", 1.5), ((-1, 2, 1, -2), "constant", -2.0),
                              ((1, 2, 3, 0), "replicate", 0.0), ((2, 2, 1, 1), "replicate", 0.0)]:
        x = leaf(2, 3, 4, 5)
        y = F.pad(x, pads, mode=mode, value=value) if mode == "constant" else F.pad(x, pads, mode=mode)
        gy = torch.randn_like(y)
        (gx,) = grads(y, gy, x)
        cases.append(case("pad", {"pads": pads, "mode": mode, "value": value}, {"x": x, "g": gy}, {"y": y, "grad_x": gx}))
    return cases


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, make in [("conv", conv_cases), ("pool", pool_cases), ("sampling", sampling_cases), ("norm", norm_cases),
                       ("pad", pad_cases)]:
        doc = {"torch_version": torch.__version__, "generator": "tools/torch_nn_goldens.py", "cases": make()}
        path = os.path.join(OUT, name + ".json")
        with open(path, "w") as f:
            json.dump(doc, f, separators=(",", ":"))
        print(f"{os.path.normpath(path)}: {len(doc['cases'])} cases")


if __name__ == "__main__":
    main()

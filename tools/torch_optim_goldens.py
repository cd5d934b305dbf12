#!/usr/bin/env python3
"""Writes PyTorch golden files for gradwerk's optimisers and losses (nn module).

    /usr/bin/python3 tools/torch_optim_goldens.py      # Debian's python3-torch (1.13)

nn/src/test/resources/goldens/layers/optim.json: for each case, an optimiser and its hyperparameters, initial
parameters, the gradient fed at every step (None = the parameter has no gradient that step), optional lr changes,
and the parameters after every step. float64 cases check the equations to ~1e-12; a float32 case checks rounding
stays close. Also clip_grad_norm_: grads in, total norm and clipped grads out.

nn/src/test/resources/goldens/layers/losses.json: cross-entropy (class weights, ignore index, every reduction,
[B,C] and [B,C,H,W]) and the soft Dice loss as gradwerk defines it (written here in torch ops): logits, target,
output, an upstream gradient and the gradient w.r.t. the logits.

The goldens are committed; torch is needed only to regenerate them.
"""
import json
import os

import torch

torch.manual_seed(7)
F64 = torch.float64
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "nn", "src", "test", "resources", "goldens",
                       "layers")


def tj(t):
    t = t.detach().to(F64)
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


# ---------------------------------------------------------------- optimisers

def optim_case(name, make, options, dtype=F64, steps=5, shapes=((3, 2), (4,)), no_grad=(), lr_at=None, groups=None):
    params = [torch.randn(s, dtype=dtype) for s in shapes]
    grads = [[torch.randn(s, dtype=dtype) for s in shapes] for _ in range(steps)]
    live = [p.clone().requires_grad_(True) for p in params]
    if groups is None:
        opt = make([{"params": live}], **options)
    else:  # groups: list of (param indices, overrides)
        opt = make([dict({"params": [live[i] for i in idx]}, **over) for idx, over in groups], **options)
    after = []
    for k in range(steps):
        if lr_at and k in lr_at:
            for g in opt.param_groups:
                g["lr"] = lr_at[k]
        for i, p in enumerate(live):
            p.grad = None if (k, i) in no_grad else grads[k][i].clone()
        opt.step()
        after.append([tj(p) for p in live])
    return {"name": name, "optimizer": make.__name__, "options": options, "dtype": str(dtype).replace("torch.", ""),
            "params": [tj(p) for p in params], "grads": [[tj(g) for g in gs] for gs in grads],
            "noGrad": [list(x) for x in no_grad], "lrAt": {str(k): v for k, v in (lr_at or {}).items()},
            "groups": [{"params": idx, "options": over} for idx, over in (groups or [])], "after": after}


def optim_goldens():
    SGD, Adam, AdamW = torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW
    cases = [
        optim_case("sgd plain", SGD, {"lr": 0.1}),
        optim_case("sgd momentum dampening weight decay", SGD,
                   {"lr": 0.05, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
        optim_case("sgd nesterov weight decay", SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3}),
        optim_case("sgd momentum, lr change, a step without grad", SGD, {"lr": 0.1, "momentum": 0.8},
                   lr_at={3: 0.02}, no_grad={(1, 1), (2, 0)}),
        optim_case("sgd two groups", SGD, {"lr": 0.1, "momentum": 0.5},
                   groups=[([0], {}), ([1], {"lr": 0.01, "weight_decay": 0.1})]),
        optim_case("adam defaults", Adam, {"lr": 1e-2}),
        optim_case("adam betas eps weight decay", Adam,
                   {"lr": 3e-3, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1}),
        optim_case("adam lr change, steps without grad", Adam, {"lr": 1e-2}, lr_at={2: 5e-3}, no_grad={(0, 1), (3, 0)}),
        optim_case("adamw", AdamW, {"lr": 1e-2, "weight_decay": 0.05}),
        optim_case("adamw defaults, lr change", AdamW, {"lr": 2e-3}, lr_at={4: 1e-3}),
        optim_case("adam float32", Adam, {"lr": 1e-3}, dtype=torch.float32, steps=10),
        optim_case("sgd nesterov float32", SGD, {"lr": 0.01, "momentum": 0.9, "nesterov": True}, dtype=torch.float32),
    ]
    clips = []
    for max_norm in (0.5, 100.0):
        gs = [torch.randn(s, dtype=F64) for s in ((3, 2), (4,), (2, 2, 2))]
        ps = [torch.zeros_like(g).requires_grad_(True) for g in gs]
        for p, g in zip(ps, gs):
            p.grad = g.clone()
        norm = torch.nn.utils.clip_grad_norm_(ps, max_norm)
        clips.append({"maxNorm": max_norm, "grads": [tj(g) for g in gs], "norm": float(norm),
                      "clipped": [tj(p.grad) for p in ps]})
    return {"cases": cases, "clip": clips}


# ---------------------------------------------------------------- losses

def targets(shape, c, ignore=None, p_ignore=0.2):
    t = torch.randint(0, c, shape).to(F64)
    if ignore is not None:
        t = torch.where(torch.rand(shape) < p_ignore, torch.full(shape, float(ignore), dtype=F64), t)
    t.view(-1)[0] = 0.0 if ignore != 0 else 1.0
    return t


def dice(logits, target, classes, smooth, ignore):
    c = logits.shape[1]
    p = logits.softmax(1)
    valid = (target != ignore).to(F64).unsqueeze(1)
    t = target.clone()
    onehot = torch.zeros_like(p)
    for k in range(c):
        onehot[:, k] = (t == k).to(F64)
    onehot = onehot * valid
    p = p * valid
    dims = [0] + list(range(2, logits.dim()))
    inter, psum, tsum = (p * onehot).sum(dims), p.sum(dims), onehot.sum(dims)
    d = (2 * inter + smooth) / (psum + tsum + smooth)
    chosen = classes if classes is not None else list(range(c))
    return 1 - d[chosen].mean()


def loss_case(kind, shape, args, target, fn):
    x = torch.randn(shape, dtype=F64) * 2
    leaf = x.clone().requires_grad_(True)
    out = fn(leaf)
    up = torch.randn(out.shape, dtype=F64)
    (grad,) = torch.autograd.grad(out, leaf, up)
    return {"kind": kind, "args": args, "logits": tj(x), "target": tj(target), "output": tj(out),
            "upstream": tj(up), "grad": tj(grad)}


def loss_goldens():
    F = torch.nn.functional
    cases = []
    for shape, weight, ignore, red in [((5, 3), None, -100, "mean"), ((4, 4), [0.5, 1, 2, 3], -100, "sum"),
                                       ((2, 3, 4, 5), None, 255, "mean"), ((2, 3, 4, 5), [0.2, 1, 3], 255, "mean"),
                                       ((2, 4, 3, 3), [1, 2, 0.5, 1.5], 0, "mean"), ((2, 3, 3, 4), [1, 2, 3], 255, "none"),
                                       ((3, 2, 2, 2), None, 1, "sum")]:
        t = targets((shape[0],) + shape[2:], shape[1], ignore if ignore != -100 else None)
        w = torch.tensor(weight, dtype=F64) if weight else None
        cases.append(loss_case("crossEntropy", shape, {"weight": weight, "ignoreIndex": ignore, "reduction": red}, t,
                               lambda x: F.cross_entropy(x, t.long(), weight=w, ignore_index=ignore, reduction=red)))
    for shape, classes, smooth, ignore in [((2, 3, 4, 4), None, 1.0, -100), ((2, 4, 3, 5), [1, 2, 3], 1e-5, -100),
                                           ((3, 3, 4, 4), [0, 2], 0.5, 255), ((4, 2, 3, 3), None, 1.0, 0)]:
        t = targets((shape[0],) + shape[2:], shape[1], ignore if ignore != -100 else None)
        cases.append(loss_case("dice", shape, {"classes": classes, "smooth": smooth, "ignoreIndex": ignore}, t,
                               lambda x: dice(x, t, classes, smooth, ignore)))
    return {"cases": cases}


if __name__ == "__main__":
    os.makedirs(OUT_DIR, exist_ok=True)
    for name, data in (("optim.json", optim_goldens()), ("losses.json", loss_goldens())):
        with open(os.path.join(OUT_DIR, name), "w") as f:
            json.dump(data, f)
        print("wrote", os.path.join(OUT_DIR, name))

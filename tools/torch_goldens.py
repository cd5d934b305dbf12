#!/usr/bin/env python3
"""Writes PyTorch golden files for gradwerk's autograd tests.

Each family of differentiable ops gets one small JSON file under autograd/src/test/resources/goldens/: for every
case, the op and its arguments, the float64 inputs, the output, an upstream gradient, and the gradient of every
input (torch.autograd.grad of the output against the upstream). TorchGoldenTest recomputes each case with
gradwerk and compares. The goldens are committed; torch is needed only to regenerate them:

    /usr/bin/python3 tools/torch_goldens.py        # Debian's python3-torch

Inputs are drawn away from each op's kinks (relu at 0, ties in max/min...), where the two libraries may
legitimately pick different subgradients.
"""
import json
import os
import sys

import torch

torch.manual_seed(20240611)
F64 = torch.float64
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "autograd", "src", "test", "resources", "goldens")


def normal(*shape):
    return torch.randn(tuple(shape), dtype=F64)


def away_from(shape, *kinks, margin=0.1):
    x = normal(*shape) * 1.5
    for k in kinks:
        close = (x - k).abs() < margin
        x = torch.where(close, x + torch.sign(x - k + 1e-12) * margin * 2, x)
    return x


def uniform(low, high, *shape):
    return low + (high - low) * torch.rand(tuple(shape), dtype=F64)


def distinct(*shape):
    n = 1
    for s in shape:
        n *= s
    return ((torch.randperm(n).to(F64) - n / 2) * 0.2).reshape(shape)


def tensor_json(t):
    t = t.detach().to(F64)
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def case(op, args, inputs, fn, extra=None):
    """Runs fn on leaf copies of inputs, backpropagates a random upstream, and records everything."""
    leaves = [x.clone().requires_grad_(True) for x in inputs]
    out = fn(*leaves)
    upstream = normal(*out.shape)
    grads = torch.autograd.grad(out, leaves, upstream, allow_unused=True)
    grads = [g if g is not None else torch.zeros_like(x) for g, x in zip(grads, leaves)]
    c = {"op": op, "args": args, "inputs": [tensor_json(x) for x in inputs], "output": tensor_json(out),
         "upstream": tensor_json(upstream), "grads": [tensor_json(g) for g in grads]}
    if extra:
        c.update(extra)
    return c


def unary():
    cases = []
    plain = {
        "neg": torch.neg, "exp": torch.exp, "sin": torch.sin, "cos": torch.cos, "tanh": torch.tanh,
        "sigmoid": torch.sigmoid, "square": torch.square,
        "gelu": torch.nn.functional.gelu,
    }
    for name, f in plain.items():
        cases.append(case(name, {}, [normal(2, 3)], f))
    for name, f in {"abs": torch.abs, "relu": torch.relu, "reciprocal": torch.reciprocal}.items():
        cases.append(case(name, {}, [away_from((2, 3), 0)], f))
    for name, f in {"log": torch.log, "sqrt": torch.sqrt, "rsqrt": torch.rsqrt}.items():
        cases.append(case(name, {}, [uniform(0.2, 3, 2, 3)], f))
    cases.append(case("leakyRelu", {"slope": 0.1}, [away_from((2, 3), 0)],
                      lambda x: torch.nn.functional.leaky_relu(x, 0.1)))
    cases.append(case("clamp", {"min": -0.5, "max": 0.75}, [away_from((2, 3), -0.5, 0.75)],
                      lambda x: torch.clamp(x, -0.5, 0.75)))
    for p in (-1.5, 0.5, 2.0, 3.25):
        cases.append(case("powScalar", {"exponent": p}, [uniform(0.3, 2.5, 2, 3)], lambda x, p=p: x ** p))
    cases.append(case("powScalar", {"exponent": 3.0}, [normal(4)], lambda x: x ** 3.0))
    cases.append(case("addScalar", {"scalar": 1.5}, [normal(3)], lambda x: x + 1.5))
    cases.append(case("mulScalar", {"scalar": -2.5}, [normal(3)], lambda x: x * -2.5))
    return cases


def binary():
    cases = []
    pairs = [((2, 3), (2, 3)), ((2, 3), (3,)), ((4, 1, 3), (2, 1)), ((), (2, 2)), ((3, 1), (1, 4))]
    ops = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "pow": torch.pow,
           "maximum": torch.maximum, "minimum": torch.minimum}
    for name, f in ops.items():
        for sa, sb in pairs:
            if name == "pow":
                a, b = uniform(0.3, 2.5, *sa), normal(*sb)
            elif name == "div":
                a, b = normal(*sa), away_from(sb, 0)
            elif name in ("maximum", "minimum"):  # a on the grid k/2 + 0.25, b on k/2: never a tie
                a = torch.round(normal(*sa) * 2) / 2 + 0.25
                b = torch.round(normal(*sb) * 2) / 2
            else:
                a, b = normal(*sa), normal(*sb)
            cases.append(case(name, {}, [a, b], f))
    for sc, sa, sb in [((2, 3), (2, 3), (2, 3)), ((3,), (2, 3), (1,)), ((2, 1), (3,), (2, 3))]:
        cond = normal(*sc) > 0
        cases.append(case("where", {"cond": tensor_json(cond.to(F64))}, [normal(*sa), normal(*sb)],
                          lambda a, b, cond=cond: torch.where(cond, a, b)))
    return cases


def reductions():
    cases = []
    shape = (2, 3, 2)
    for dims in ([], [1], [-1], [2, 0]):
        for keep in (False, True):
            torch_dims = dims if dims else list(range(len(shape)))
            args = {"dims": dims, "keepDim": keep}
            cases.append(case("sum", args, [normal(*shape)], lambda x, d=torch_dims, k=keep: x.sum(d, keepdim=k)))
            cases.append(case("mean", args, [normal(*shape)], lambda x, d=torch_dims, k=keep: x.mean(d, keepdim=k)))
            cases.append(case("max", args, [distinct(*shape)], lambda x, d=torch_dims, k=keep: x.amax(d, keepdim=k)))
            cases.append(case("min", args, [distinct(*shape)], lambda x, d=torch_dims, k=keep: x.amin(d, keepdim=k)))
            for unbiased in (False, True):
                cases.append(case("var", {"dims": dims, "keepDim": keep, "unbiased": unbiased}, [normal(*shape)],
                                  lambda x, d=torch_dims, k=keep, u=unbiased: x.var(d, unbiased=u, keepdim=k)))
    # ties: the gradient is split evenly between the tied winners (amax/amin)
    tied = torch.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], dtype=F64)
    cases.append(case("max", {"dims": [1], "keepDim": False}, [tied], lambda x: x.amax(1)))
    cases.append(case("min", {"dims": [], "keepDim": False}, [tied], lambda x: x.amin((0, 1))))
    return cases


def matmul():
    forms = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((2, 1, 2, 3), (3, 3, 2)),
             ((3,), (2, 3, 4)), ((2, 2, 3), (3,))]
    return [case("matmul", {}, [normal(*sa), normal(*sb)], torch.matmul) for sa, sb in forms]


def softmax():
    cases = []
    for shape, dim in [((5,), 0), ((2, 3), 1), ((2, 3), 0), ((2, 3, 4), -2)]:
        cases.append(case("softmax", {"dim": dim}, [normal(*shape) * 2], lambda x, d=dim: torch.softmax(x, d)))
        cases.append(case("logSoftmax", {"dim": dim}, [normal(*shape) * 2], lambda x, d=dim: torch.log_softmax(x, d)))
        for keep in (False, True):
            cases.append(case("logSumExp", {"dim": dim, "keepDim": keep}, [normal(*shape) * 2],
                              lambda x, d=dim, k=keep: torch.logsumexp(x, d, keepdim=k)))
    return cases


def index_along(dim, idx):
    return (slice(None),) * dim + (idx,)


def shape_ops():
    cases = [
        case("view", {"shape": [3, 4]}, [normal(2, 6)], lambda x: x.view(3, 4)),
        case("reshape", {"shape": [4, -1]}, [normal(2, 3, 2)], lambda x: x.reshape(4, -1)),
        case("permute", {"order": [2, 0, 1]}, [normal(2, 3, 4)], lambda x: x.permute(2, 0, 1)),
        case("transpose", {"d0": 0, "d1": -1}, [normal(2, 3, 4)], lambda x: x.transpose(0, -1)),
        case("expand", {"shape": [2, 3, 4]}, [normal(3, 1)], lambda x: x.expand(2, 3, 4)),
        case("squeeze", {"dim": 1}, [normal(2, 1, 3)], lambda x: x.squeeze(1)),
        case("squeeze", {}, [normal(1, 2, 1)], lambda x: x.squeeze()),
        case("unsqueeze", {"dim": -1}, [normal(2, 3)], lambda x: x.unsqueeze(-1)),
        case("select", {"dim": 1, "index": -1}, [normal(2, 3, 4)], lambda x: x.select(1, -1)),
        case("cat", {"dim": 1}, [normal(2, 1), normal(2, 3), normal(2, 2)], lambda *xs: torch.cat(xs, 1)),
        case("stack", {"dim": 1}, [normal(2, 3), normal(2, 3)], lambda *xs: torch.stack(xs, 1)),
        case("to", {"dtype": "float32"}, [torch.round(normal(2, 3) * 8) / 8],
             lambda x: x.to(torch.float32).to(F64)),
    ]
    for dim, start, end, step in [(0, 1, 5, 2), (1, -3, 4, 1), (1, 0, 4, 3), (0, -4, -1, 2)]:
        cases.append(case("slice", {"dim": dim, "start": start, "end": end, "step": step}, [normal(6, 4)],
                          lambda x, d=dim, s=start, e=end, st=step: x[index_along(d, slice(s, e, st))]))
    return cases


FAMILIES = {"unary": unary, "binary": binary, "reductions": reductions, "matmul": matmul, "softmax": softmax,
            "shape": shape_ops}


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for family, make in FAMILIES.items():
        cases = make()
        doc = {"family": family, "generator": "tools/torch_goldens.py", "torch": torch.__version__, "cases": cases}
        path = os.path.join(OUT_DIR, family + ".json")
        with open(path, "w") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.write("\n")
        print(f"{path}: {len(cases)} cases, {os.path.getsize(path)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()

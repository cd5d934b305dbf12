#!/usr/bin/env python3
"""PyTorch goldens for gradwerk's DDANet attention blocks and models (ddanet/src/test/resources/goldens/).

    /usr/bin/python3 tools/torch_ddanet_goldens.py      # Debian's python3-torch (1.13)

A reference implementation written for clarity, not speed (it is NOT CCNet's CUDA kernel): every query pixel is
visited in a Python loop, its S = H+W-1 criss-cross positions are listed explicitly (its row, then its column
without itself), keys and values are gathered (criss-cross) or bilinearly sampled with F.grid_sample at
position + learned offset (deformable, border padding), and the softmax-weighted sum is formed per pixel. Autograd
gives the gradients. Everything is float64.

Writes
  attention_blocks.json   cca and deformable cca (align_corners True and False, small and large offsets):
                          weights, input, output, an upstream gradient, and the gradients of the input and every
                          weight (keys are the Java modules' state-dict names)
  models.safetensors      unet / cca / ddanet with base channels 1 on a [2,1,32,32] batch, training mode:
                          '<model>/state/<name>' (the state dict loaded into the Java model), '<model>/logits',
                          '<model>/loss', '<model>/grad/<param>' (after cross-entropy + backward) and
                          '<model>/running/<name>' (the updated batch-norm statistics); 'input', 'target'
  param_counts.json       parameter counts of the three models at the default configuration (base 16, 256x256)
The goldens are committed; torch is needed only to regenerate them.
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_safetensors_golden import save as save_safetensors  # noqa: E402  (the format, written by hand)

F64 = torch.float64
torch.set_default_dtype(F64)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ddanet", "src", "test", "resources", "goldens")


def tj(t):
    t = t.detach().to(F64)
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


# ------------------------------------------------------------------------------------------------ the blocks

def criss_cross_positions(i, j, h, w):
    """(row, col) of the S = H+W-1 positions pixel (i, j) attends to: its row, then its column without itself."""
    return [(i, c) for c in range(w)] + [(r, j) for r in range(h) if r != i]


def normalised(p, size, align_corners):
    if align_corners:
        return 2 * p / (size - 1) - 1 if size > 1 else 0 * p
    return (2 * p + 1) / size - 1


def attention_once(x, p, deformable, align_corners):
    """One application of (deformable) criss-cross attention: Y = gamma * out + X."""
    q = F.conv2d(x, p["query.weight"], p["query.bias"])
    k = F.conv2d(x, p["key.weight"], p["key.bias"])
    v = F.conv2d(x, p["value.weight"], p["value.bias"])
    b, c, h, w = x.shape
    s = h + w - 1
    offsets = F.conv2d(x, p["offset.weight"], p["offset.bias"], padding=1) if deformable else None  # [B,2S,H,W]
    columns = []
    for i in range(h):
        for j in range(w):
            pos = criss_cross_positions(i, j, h, w)
            if deformable:
                px = torch.tensor([float(cc) for _, cc in pos]) + offsets[:, 0::2, i, j]   # [B,S] x = column
                py = torch.tensor([float(rr) for rr, _ in pos]) + offsets[:, 1::2, i, j]   # [B,S] y = row
                grid = torch.stack([normalised(px, w, align_corners), normalised(py, h, align_corners)], -1)
                grid = grid.view(b, 1, s, 2)
                ks = F.grid_sample(k, grid, mode="bilinear", padding_mode="border", align_corners=align_corners)[:, :, 0, :]
                vs = F.grid_sample(v, grid, mode="bilinear", padding_mode="border", align_corners=align_corners)[:, :, 0, :]
            else:
                ks = torch.stack([k[:, :, rr, cc] for rr, cc in pos], 2)   # [B,C',S]
                vs = torch.stack([v[:, :, rr, cc] for rr, cc in pos], 2)   # [B,C,S]
            energy = (q[:, :, i, j].unsqueeze(2) * ks).sum(1)              # [B,S], no scaling
            a = torch.softmax(energy, 1)
            columns.append((vs * a.unsqueeze(1)).sum(2))                   # [B,C]
    out = torch.stack(columns, 2).view(b, c, h, w)
    return p["gamma"] * out + x


def attention(x, p, loops, deformable, align_corners):
    for _ in range(loops):
        x = attention_once(x, p, deformable, align_corners)
    return x


def block_params(c, deformable, s, offset_scale, offset_bias):
    kc = max(1, c // 8)
    p = {
        "query.weight": torch.randn(kc, c, 1, 1) * 0.4, "query.bias": torch.randn(kc) * 0.1,
        "key.weight": torch.randn(kc, c, 1, 1) * 0.4, "key.bias": torch.randn(kc) * 0.1,
        "value.weight": torch.randn(c, c, 1, 1) * 0.3, "value.bias": torch.randn(c) * 0.1,
    }
    if deformable:
        p["offset.weight"] = torch.randn(2 * s, c, 3, 3) * offset_scale
        p["offset.bias"] = offset_bias(2 * s)
    p["gamma"] = torch.tensor([0.7])
    return p


def block_case(name, deformable, align_corners, b, c, h, w, loops, offset_scale=0.0, offset_bias=None):
    s = h + w - 1
    p = block_params(c, deformable, s, offset_scale, offset_bias)
    x = torch.randn(b, c, h, w)
    leaves = {k: t.clone().requires_grad_(True) for k, t in p.items()}
    xl = x.clone().requires_grad_(True)
    y = attention(xl, leaves, loops, deformable, align_corners)
    up = torch.randn_like(y)
    y.backward(up)
    return {
        "name": name, "deformable": deformable, "alignCorners": align_corners, "loops": loops,
        "channels": c, "height": h, "width": w,
        "state": {k: tj(t) for k, t in p.items()},
        "input": tj(x), "output": tj(y), "upstream": tj(up),
        "inputGrad": tj(xl.grad), "grads": {k: tj(t.grad) for k, t in leaves.items()},
    }


def fractional_bias(n):
    """Offsets whose fractional parts stay in [0.35, 0.65]: samples away from integer coordinates (kinks)."""
    whole = torch.randint(-1, 2, (n,)).to(F64)
    return whole + 0.35 + 0.3 * torch.rand(n)


# ------------------------------------------------------------------------------------------------ the models

class DoubleConv(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.relu(self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))))


class Block(nn.Module):
    """The attention block as a module, so that its parameters appear as attention.query.weight etc."""

    def __init__(self, c, s, loops, deformable, align_corners):
        super().__init__()
        kc = max(1, c // 8)
        self.query, self.key, self.value = nn.Conv2d(c, kc, 1), nn.Conv2d(c, kc, 1), nn.Conv2d(c, c, 1)
        self.offset = nn.Conv2d(c, 2 * s, 3, padding=1) if deformable else None
        self.gamma = nn.Parameter(torch.zeros(1))
        self.loops, self.deformable, self.align_corners = loops, deformable, align_corners

    def forward(self, x):
        p = {n: t for n, t in self.named_parameters()}
        return attention(x, p, self.loops, self.deformable, self.align_corners)


class UNet(nn.Module):
    def __init__(self, kind, base=16, classes=3, image=256, loops=2, align_corners=True):
        super().__init__()
        c = [base << i for i in range(5)]
        self.enc1, self.enc2, self.enc3 = DoubleConv(1, c[0]), DoubleConv(c[0], c[1]), DoubleConv(c[1], c[2])
        self.enc4, self.bottleneck = DoubleConv(c[2], c[3]), DoubleConv(c[3], c[4])
        if kind != "unet":
            n = image // 16
            self.attention = Block(c[4], 2 * n - 1, loops, kind == "ddanet", align_corners)
        else:
            self.attention = None
        self.dec4, self.dec3 = DoubleConv(c[3] + c[4], c[3]), DoubleConv(c[2] + c[3], c[2])
        self.dec2, self.dec1 = DoubleConv(c[1] + c[2], c[1]), DoubleConv(c[0] + c[1], c[0])
        self.head = nn.Conv2d(c[0], classes, 1)
        self.align_corners = align_corners

    def up(self, x):
        return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=self.align_corners)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(F.max_pool2d(e1, 2))
        e3 = self.enc3(F.max_pool2d(e2, 2))
        e4 = self.enc4(F.max_pool2d(e3, 2))
        b = self.bottleneck(F.max_pool2d(e4, 2))
        if self.attention is not None:
            b = self.attention(b)
        d = self.dec4(torch.cat([e4, self.up(b)], 1))
        d = self.dec3(torch.cat([e3, self.up(d)], 1))
        d = self.dec2(torch.cat([e2, self.up(d)], 1))
        d = self.dec1(torch.cat([e1, self.up(d)], 1))
        return self.head(d)


def model_goldens():
    x = torch.randn(2, 1, 32, 32)
    x = F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), 3, stride=1)  # smoother, more image-like
    target = torch.randint(0, 3, (2, 32, 32))
    out = {"input": x, "target": target.to(F64)}
    for kind in ("unet", "cca", "ddanet"):
        m = UNet(kind, base=1, image=32)
        if m.attention is not None:  # make the attention matter: gamma != 0, offsets away from integers
            with torch.no_grad():
                m.attention.gamma.fill_(0.6)
                if m.attention.offset is not None:
                    m.attention.offset.weight.normal_(0, 0.01)
                    m.attention.offset.bias.copy_(fractional_bias(m.attention.offset.bias.numel()))
        for n, t in m.state_dict().items():
            out[f"{kind}/state/{n}"] = t.to(F64).clone()
        m.train()
        logits = m(x)
        loss = F.cross_entropy(logits, target)
        loss.backward()
        out[f"{kind}/logits"] = logits.detach()
        out[f"{kind}/loss"] = loss.detach().reshape(1)
        for n, p in m.named_parameters():
            out[f"{kind}/grad/{n}"] = p.grad.detach()
        for n, t in m.state_dict().items():
            if "running" in n:
                out[f"{kind}/running/{n}"] = t.to(F64).clone()
    save_safetensors(os.path.join(OUT, "models.safetensors"), out)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(2021)
    cases = [
        block_case("cca", False, True, 2, 8, 4, 5, 2),
        block_case("cca one loop", False, True, 1, 16, 3, 6, 1),
        block_case("dcca align_corners", True, True, 2, 8, 4, 5, 2, 0.01, fractional_bias),
        block_case("dcca no align_corners", True, False, 2, 8, 5, 4, 2, 0.01, fractional_bias),
        # large offsets: samples far outside the map (border padding), across several cells
        block_case("dcca large offsets", True, True, 1, 8, 4, 4, 2, 0.05, lambda n: torch.randn(n) * 2.5),
    ]
    with open(os.path.join(OUT, "attention_blocks.json"), "w") as f:
        json.dump({"cases": cases}, f)
    model_goldens()
    counts = {}
    for kind in ("unet", "cca", "ddanet"):
        m = UNet(kind)
        counts[kind] = sum(p.numel() for p in m.parameters())
        print(f"{kind}: {counts[kind]:,} parameters")
    with open(os.path.join(OUT, "param_counts.json"), "w") as f:
        json.dump(counts, f)


if __name__ == "__main__":
    main()

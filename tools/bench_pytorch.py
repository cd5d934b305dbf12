#!/usr/bin/env python3
"""PyTorch side of `./gradwerk bench ... --compare-pytorch`: the same measurements as gradwerk, same line format.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 tools/bench_pytorch.py <what> [options]

  train-step --model unet|cca|ddanet --batch 4 --size 256 [--base-channels 16] [--steps 5] [--warmup 5]
      one training step: forward, cross-entropy + soft Dice (classes 1,2, smooth 1), backward, Adam (lr 1e-3,
      weight decay 1e-4); prints `train-step model=.. batch=.. size=.. seconds=<median> maxrss_bytes=<peak RSS, VmHWM>
      saved_bytes=<tensors autograd saves for backward in one forward pass, parameters excluded>`
  bandwidth [--n 16777216] [--reps 15]
      `add n=.. threads=.. gbps=..` (out = a + b, 12 bytes/element) and `sum ... gbps=..` (4 bytes/element)
  grid-sample [--reps 7]
      bilinear grid_sample fwd and fwd+bwd (input and grid gradients) at the two shapes gradwerk uses:
      `aug` (the augmentation warp, [4,1,256,256] with a 256x256 grid, zeros) and `attn` (the deformable block's
      key/value sampling, [4,256,16,16] with a 256x31 grid, border); `grid-sample <name> fwd ms=..`, `... fwd+bwd ms=..`
  attention [--reps 5]
      the criss-cross (cca) and deformable criss-cross (dcca) blocks at the bottleneck, [4,256,16,16], 2 loops,
      fwd and fwd+bwd: `attention <cca|dcca> fwd ms=..`, `... fwd+bwd ms=..`
All take --threads (default 2). Models come from tools/torch_ddanet_goldens.py (the architecture the Java models are
tested against), with its per-pixel Python attention loop replaced by an equivalent vectorised one (same positions:
the pixel's row, then its column without itself; same softmax; same border-padded bilinear sampling), float32.
"""
import argparse
import os
import resource
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import openblas_core  # noqa: E402

openblas_core.use_cpu_kernels()  # before torch loads OpenBLAS (see openblas_core.py)

import torch  # noqa: E402
import torch.nn.functional as F

import torch_ddanet_goldens as G  # noqa: E402

torch.set_default_dtype(torch.float32)  # the goldens module sets float64 on import


# ------------------------------------------------------------------------------------------ vectorised attention

def _normalised(p, size, align_corners):
    if align_corners:
        return 2 * p / (size - 1) - 1 if size > 1 else 0 * p
    return (2 * p + 1) / size - 1


_positions_cache = {}


def _positions(h, w):
    """rows, cols [H*W, S]: the S = H+W-1 positions of each pixel (its row, then its column without itself)."""
    key = (h, w)
    if key not in _positions_cache:
        rows, cols = [], []
        for i in range(h):
            for j in range(w):
                pos = G.criss_cross_positions(i, j, h, w)
                rows.append([float(r) for r, _ in pos])
                cols.append([float(c) for _, c in pos])
        _positions_cache[key] = (torch.tensor(rows), torch.tensor(cols))
    return _positions_cache[key]


def attention_once(x, p, deformable, align_corners):
    q = F.conv2d(x, p["query.weight"], p["query.bias"])
    k = F.conv2d(x, p["key.weight"], p["key.bias"])
    v = F.conv2d(x, p["value.weight"], p["value.bias"])
    b, c, h, w = x.shape
    s = h + w - 1
    if deformable:
        off = F.conv2d(x, p["offset.weight"], p["offset.bias"], padding=1)           # [B,2S,H,W]
        rows, cols = _positions(h, w)                                              # [HW,S]
        ox = off[:, 0::2].reshape(b, s, h * w).transpose(1, 2)                     # [B,HW,S]
        oy = off[:, 1::2].reshape(b, s, h * w).transpose(1, 2)
        grid = torch.stack([_normalised(cols + ox, w, align_corners), _normalised(rows + oy, h, align_corners)], -1)
        ks = F.grid_sample(k, grid, mode="bilinear", padding_mode="border", align_corners=align_corners)  # [B,C',HW,S]
        vs = F.grid_sample(v, grid, mode="bilinear", padding_mode="border", align_corners=align_corners)  # [B,C,HW,S]
        energy = (q.reshape(b, -1, h * w, 1) * ks).sum(1)                         # [B,HW,S]
        a = torch.softmax(energy, 2)
        out = (vs * a.unsqueeze(1)).sum(3).view(b, c, h, w)
    else:  # CCNet's formulation: row energies [B,H,W,W], column energies [B,H,W,H] with the pixel itself masked
        e_row = torch.einsum("bcij,bcik->bijk", q, k)
        e_col = torch.einsum("bcij,bcrj->bijr", q, k)
        self_mask = torch.eye(h, dtype=torch.bool).view(h, 1, h)                  # [i, 1, r]: r == i
        e_col = e_col.masked_fill(self_mask, float("-inf"))
        a = torch.softmax(torch.cat([e_row, e_col], 3), 3)
        out = torch.einsum("bijk,bcik->bcij", a[..., :w], v) + torch.einsum("bijr,bcrj->bcij", a[..., w:], v)
    return p["gamma"] * out + x


def attention(x, p, loops, deformable, align_corners):
    for _ in range(loops):
        x = attention_once(x, p, deformable, align_corners)
    return x


G.attention = attention  # G.Block.forward calls the module-level attention()


def dice_loss(logits, target, classes=(1, 2), smooth=1.0):
    p = torch.softmax(logits, 1)
    t = F.one_hot(target, logits.shape[1]).permute(0, 3, 1, 2).to(p.dtype)
    dims = (0, 2, 3)
    dice = (2 * (p * t).sum(dims) + smooth) / (p.sum(dims) + t.sum(dims) + smooth)
    return 1 - dice[list(classes)].mean()


# ------------------------------------------------------------------------------------------ measurements

def median_seconds(reps, warmup, body):
    for _ in range(warmup):
        body()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        body()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def peak_rss():
    """VmHWM (bytes): this process image's peak resident set. Not getrusage's ru_maxrss, which a process started by
    the JVM inherits from it (the parent's high-water mark survives fork + exec)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def train_step(a):
    g = torch.Generator().manual_seed(7)
    torch.manual_seed(42)
    m = G.UNet(a.model, base=a.base_channels, image=a.size)
    m.train()
    x = torch.randn(a.batch, 1, a.size, a.size, generator=g)
    y = torch.randint(0, 3, (a.batch, a.size, a.size), generator=g)
    opt = torch.optim.Adam(m.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-4)

    def step():
        logits = m(x)
        loss = F.cross_entropy(logits, y) + dice_loss(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    sec = median_seconds(a.steps, a.warmup, step)
    rss = peak_rss()
    saved = saved_bytes(m, x, y)
    print(f"train-step model={a.model} batch={a.batch} size={a.size} seconds={sec:.4f} maxrss_bytes={rss}"
          f" saved_bytes={saved}", flush=True)


def saved_bytes(m, x, y):
    """Bytes of the distinct tensor storages autograd saves for backward in one forward pass + loss (counted with
    saved_tensors_hooks; parameters, buffers and the input batch, which are saved too but exist anyway, excluded): the activation memory of training."""
    params = {p.data_ptr() for p in m.parameters()} | {b.data_ptr() for b in m.buffers()} | {x.data_ptr()}
    seen = {}

    def pack(t):
        ptr = t.untyped_storage().data_ptr() if hasattr(t, "untyped_storage") else t.storage().data_ptr()
        if ptr not in params:
            size = t.untyped_storage().nbytes() if hasattr(t, "untyped_storage") else t.storage().nbytes()
            seen[ptr] = max(seen.get(ptr, 0), size)
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        logits = m(x)
        loss = F.cross_entropy(logits, y) + dice_loss(logits, y)
    del loss, logits
    return sum(seen.values())


def bandwidth(a):
    n = a.n
    x, y, out = torch.randn(n), torch.randn(n), torch.empty(n)
    t_add = median_seconds(a.reps, 3, lambda: torch.add(x, y, out=out))
    t_sum = median_seconds(a.reps, 3, lambda: x.sum())
    t = torch.get_num_threads()
    print(f"add n={n} threads={t} gbps={12 * n / t_add / 1e9:.2f}")
    print(f"sum n={n} threads={t} gbps={4 * n / t_sum / 1e9:.2f}", flush=True)


GRID_SHAPES = {  # name: (N, C, H, W, grid Hout, grid Wout, padding)
    "aug": (4, 1, 256, 256, 256, 256, "zeros"),
    "attn": (4, 256, 16, 16, 256, 31, "border"),
}


def grid_sample(a):
    g = torch.Generator().manual_seed(3)
    for name, (n, c, h, w, gh, gw, pad) in GRID_SHAPES.items():
        x = torch.randn(n, c, h, w, generator=g, requires_grad=True)
        grid = (torch.rand(n, gh, gw, 2, generator=g) * 2.2 - 1.1).requires_grad_(True)
        gy = torch.randn(n, c, gh, gw, generator=g)

        def fwd():
            with torch.no_grad():
                F.grid_sample(x, grid, mode="bilinear", padding_mode=pad, align_corners=True)

        def both():
            out = F.grid_sample(x, grid, mode="bilinear", padding_mode=pad, align_corners=True)
            torch.autograd.grad(out, [x, grid], gy)

        print(f"grid-sample {name} fwd ms={median_seconds(a.reps, 3, fwd) * 1e3:.3f}")
        print(f"grid-sample {name} fwd+bwd ms={median_seconds(a.reps, 3, both) * 1e3:.3f}", flush=True)


def attention_blocks(a):
    torch.manual_seed(5)
    x0 = torch.randn(4, 256, 16, 16)
    for name, deformable in (("cca", False), ("dcca", True)):
        blk = G.Block(256, 31, 2, deformable, True)
        with torch.no_grad():
            blk.gamma.fill_(0.5)
        x = x0.clone().requires_grad_(True)
        gy = torch.randn_like(x0)

        def fwd():
            with torch.no_grad():
                blk(x)

        def both():
            out = blk(x)
            torch.autograd.grad(out, [x] + list(blk.parameters()), gy)

        print(f"attention {name} fwd ms={median_seconds(a.reps, 2, fwd) * 1e3:.3f}")
        print(f"attention {name} fwd+bwd ms={median_seconds(a.reps, 2, both) * 1e3:.3f}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["train-step", "bandwidth", "grid-sample", "attention"])
    ap.add_argument("--model", default="unet", choices=["unet", "cca", "ddanet"])
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--base-channels", type=int, default=16)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--n", type=int, default=16777216)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    {"train-step": train_step, "bandwidth": bandwidth, "grid-sample": grid_sample, "attention": attention_blocks}[a.what](a)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""PyTorch's conv2d throughput on the shapes of gradwerk's ConvBench, in the same line format.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 tools/bench_conv_pytorch.py [reps] [warmup] [filter] \
        [--shapes N,Cin,Cout,HW,k,pad;...] [--threads 2] [--serve]

With --serve it reads one shape "N,Cin,Cout,HW,k,pad" per line from stdin and prints that shape's four lines,
so that a caller can interleave its own measurements with PyTorch's shape by shape (same machine load).

`./gradwerk bench conv2d` runs this next to gradwerk's ConvBench, passing its shapes with --shapes.

Two threads (the machine the project targets has 2 cores), float32, median of reps after warmup runs.
FLOPs of one pass = 2*N*Cout*Hout*Wout*(Cin/groups)*kh*kw; forward+backward (input and weight gradients) = 3 passes;
the input- and weight-gradient passes are also timed alone (aten.convolution_backward with an output mask).
"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import openblas_core  # noqa: E402

openblas_core.use_cpu_kernels()  # before torch loads OpenBLAS (see openblas_core.py)

import torch  # noqa: E402
import torch.nn.functional as F

SHAPES = [  # N, Cin, Cout, H=W, kernel, padding (same as ConvBench.UNET): the U-Net's 3x3 convolutions
    (4, 1, 16, 256, 3, 1), (4, 16, 16, 256, 3, 1),
    (4, 16, 32, 128, 3, 1), (4, 32, 32, 128, 3, 1),
    (4, 32, 64, 64, 3, 1), (4, 64, 64, 64, 3, 1),
    (4, 64, 128, 32, 3, 1), (4, 128, 128, 32, 3, 1),
    (4, 128, 256, 16, 3, 1), (4, 256, 256, 16, 3, 1),
    (4, 384, 128, 32, 3, 1), (4, 192, 64, 64, 3, 1), (4, 96, 32, 128, 3, 1), (4, 48, 16, 256, 3, 1),
]


def median(reps, warmup, body):
    for _ in range(warmup):
        body()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        body()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def measure(n, cin, cout, hw, k, p, reps, warmup, g):
    """Prints the four lines of one shape."""
    shape = f"n={n} c={cin}->{cout} hw={hw} k={k}"
    x = torch.randn(n, cin, hw, hw, generator=g, requires_grad=True)
    w = (torch.randn(cout, cin, k, k, generator=g) * 0.1).requires_grad_(True)
    b = torch.randn(cout, generator=g, requires_grad=True)
    with torch.no_grad():
        y = F.conv2d(x, w, b, 1, p)
    gy = torch.randn(y.shape, generator=g)
    flops = 2.0 * n * cout * y.shape[2] * y.shape[3] * cin * k * k

    def fwd():
        with torch.no_grad():
            F.conv2d(x, w, b, 1, p)

    def fwd_bwd():
        out = F.conv2d(x, w, b, 1, p)
        torch.autograd.grad(out, [x, w, b], gy)

    def bwd(mask):
        def run():
            torch.ops.aten.convolution_backward(gy, x.detach(), w.detach(), [cout], [1, 1], [p, p], [1, 1], False,
                                                [0, 0], 1, mask)
        return run

    for _ in range(warmup):
        fwd_bwd()
    tf = median(reps, 1, fwd)
    ta = median(reps, 1, fwd_bwd)
    ti = median(reps, 1, bwd([True, False, False]))
    tw = median(reps, 1, bwd([False, True, False]))
    print(f"conv2d fwd {shape} gflops={flops / tf / 1e9:.1f} ms={tf * 1e3:.2f}")
    print(f"conv2d fwd+bwd {shape} gflops={3 * flops / ta / 1e9:.1f} ms={ta * 1e3:.2f}")
    print(f"conv2d bwd-input {shape} gflops={flops / ti / 1e9:.1f}")
    print(f"conv2d bwd-weight {shape} gflops={flops / tw / 1e9:.1f}", flush=True)


def main():
    args, shapes, threads, serve = [], SHAPES, 2, False
    argv = sys.argv[1:]
    while argv:
        a = argv.pop(0)
        if a == "--shapes":
            shapes = [tuple(int(v) for v in item.split(",")) for item in argv.pop(0).split(";") if item]
        elif a == "--threads":
            threads = int(argv.pop(0))
        elif a == "--serve":
            serve = True
        else:
            args.append(a)
    reps = int(args[0]) if len(args) > 0 else 7
    warmup = int(args[1]) if len(args) > 1 else 5
    flt = args[2] if len(args) > 2 else ""
    torch.set_num_threads(threads)
    print(f"# PyTorch {torch.__version__} conv2d: threads={torch.get_num_threads()}, reps={reps} (median), warmup={warmup}, "
          f"mkldnn={torch.backends.mkldnn.is_available()}", flush=True)
    g = torch.Generator().manual_seed(1)
    if serve:
        for line in sys.stdin:
            if line.strip():
                measure(*(int(v) for v in line.strip().split(",")), reps, warmup, g)
        return
    for n, cin, cout, hw, k, p in shapes:
        if flt in f"conv2d fwd n={n} c={cin}->{cout} hw={hw} k={k}":
            measure(n, cin, cout, hw, k, p, reps, warmup, g)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""PyTorch's conv2d throughput on the shapes of gradwerk's ConvBench, in the same line format.

    /usr/bin/python3 tools/bench_conv_pytorch.py [reps] [warmup] [filter]

Two threads (the machine the project targets has 2 cores), float32, median of reps after warmup runs.
FLOPs of one pass = 2*N*Cout*Hout*Wout*(Cin/groups)*kh*kw; forward+backward (input and weight gradients) = 3 passes;
the input- and weight-gradient passes are also timed alone (aten.convolution_backward with an output mask).
"""
import statistics
import sys
import time

import torch
import torch.nn.functional as F

SHAPES = [  # N, Cin, Cout, H=W, kernel, padding (same as ConvBench.SHAPES)
    (4, 16, 16, 256, 3, 1),
    (4, 256, 256, 16, 3, 1),
    (4, 1, 16, 256, 3, 1),
    (4, 32, 32, 128, 3, 1),
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


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    warmup = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    flt = sys.argv[3] if len(sys.argv) > 3 else ""
    torch.set_num_threads(2)
    print(f"# PyTorch {torch.__version__} conv2d: threads={torch.get_num_threads()}, reps={reps} (median), warmup={warmup}, "
          f"mkldnn={torch.backends.mkldnn.is_available()}")
    g = torch.Generator().manual_seed(1)
    for n, cin, cout, hw, k, p in SHAPES:
        shape = f"n={n} c={cin}->{cout} hw={hw} k={k}"
        if flt not in "conv2d fwd " + shape:
            continue
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

        tf = median(reps, warmup, fwd)
        ta = median(reps, warmup, fwd_bwd)
        ti = median(reps, warmup, bwd([True, False, False]))
        tw = median(reps, warmup, bwd([False, True, False]))
        print(f"conv2d fwd {shape} gflops={flops / tf / 1e9:.1f} ms={tf * 1e3:.2f}")
        print(f"conv2d fwd+bwd {shape} gflops={3 * flops / ta / 1e9:.1f} ms={ta * 1e3:.2f}")
        print(f"conv2d bwd-input {shape} gflops={flops / ti / 1e9:.1f} ms={ti * 1e3:.2f}")
        print(f"conv2d bwd-weight {shape} gflops={flops / tw / 1e9:.1f} ms={tw * 1e3:.2f}")


if __name__ == "__main__":
    main()

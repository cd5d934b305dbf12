#!/usr/bin/env python3
"""OpenBLAS SGEMM reference for gradwerk's GEMM benchmark (tensor/.../cpu/GemmBench.java).

Times numpy's float32 matmul (which calls the BLAS that numpy is linked against: Debian's python3-numpy with
libopenblas0-pthread) on random n x n matrices and prints one line, in the same format as GemmBench:

    openblas-sgemm n=1024 threads=2 gflops=123.4

GFLOPS = 2*n^3 / median time, after warm-up. Run it with Debian's python, with the OpenBLAS tuning variables
of this machine's environment removed for this one command (they mis-describe the CPU):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 tools/bench_openblas.py --n 1024 --threads 2

Where OpenBLAS does not know the CPU and falls back to generic kernels, openblas_core.py reruns it with the
AVX-512 or AVX2 kernels; the line ends with the kernels used (core=...).
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import openblas_core  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1024, help="matrix size (n x n times n x n)")
    ap.add_argument("--threads", type=int, default=2, help="BLAS threads")
    ap.add_argument("--reps", type=int, default=0, help="timed repetitions (default: enough for ~2 s, 3..50)")
    ap.add_argument("--verbose", action="store_true", help="also print which BLAS numpy uses (to stderr)")
    args = ap.parse_args()
    # The thread count must be set before anything loads OpenBLAS, and use_cpu_kernels() already does (to ask it
    # which kernels it chose): set later, it was ignored wherever no restart followed (n=1024 "on one thread" ran
    # at the two-thread speed on an Intel model 167). threadpoolctl (if present) double-checks it.
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    openblas_core.use_cpu_kernels()
    import numpy as np

    limiter = None
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
        limiter = threadpool_limits(limits=args.threads, user_api="blas")
        if args.verbose:
            print(threadpool_info(), file=sys.stderr)
    except ImportError:
        if args.verbose:
            np.show_config()

    n = args.n
    rng = np.random.default_rng(42)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    c = np.empty((n, n), dtype=np.float32)

    def once() -> float:
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)
        return time.perf_counter() - t0

    # Warm-up: thread start-up, page faults of c, CPU clocks ramping.
    first = once()
    warm_deadline = time.perf_counter() + 0.5
    while time.perf_counter() < warm_deadline:
        once()
    reps = args.reps or max(3, min(50, int(2.0 / max(first, 1e-6))))
    times = [once() for _ in range(reps)]
    gflops = 2.0 * n ** 3 / statistics.median(times) / 1e9
    print(f"openblas-sgemm n={n} threads={args.threads} gflops={gflops:.1f} core={openblas_core.core_name()}")
    if limiter is not None:
        limiter.restore_original_limits()


if __name__ == "__main__":
    main()

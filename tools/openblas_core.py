"""Make the reference scripts run OpenBLAS with kernels for the CPU they run on.

OpenBLAS picks its kernels at load time from the CPU's family and model numbers. A release older than the CPU does
not know its model and falls back to generic kernels: Debian 12's OpenBLAS 0.3.21 runs its Prescott (SSE3) kernels
on an Intel Xeon of family 6, model 207 (Emerald Rapids), at a fifth of the speed of its AVX-512 ones (measured:
33 against 154 GFLOPS for SGEMM at n=1024 on one core). Comparing gradwerk with that would flatter gradwerk.

`use_cpu_kernels()` must be called first thing in a script, before numpy or torch is imported. When
OPENBLAS_CORETYPE is not set and OpenBLAS has fallen back to generic kernels on a CPU with AVX-512 (or AVX2 and
FMA), it sets OPENBLAS_CORETYPE to SkylakeX (or Haswell), says so on stderr and restarts the script, so that the
library loads again with those kernels. `core_name()` tells which kernels OpenBLAS uses, for the output line.
"""
import ctypes
import os
import sys

# OpenBLAS core names (openblas_get_corename) that mean "no kernels newer than SSE3/SSE4".
_GENERIC = {"prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "banias", "katmai", "coppermine",
            "northwood", "unknown"}
_RESTARTED = "GRADWERK_OPENBLAS_CORE_CHOSEN"


def core_name() -> str:
    """The name of the kernels the BLAS numpy and torch load uses, or 'not-openblas'."""
    try:
        lib = ctypes.CDLL("libblas.so.3")
        get = lib.openblas_get_corename
    except (OSError, AttributeError):
        return "not-openblas"
    get.restype = ctypes.c_char_p
    return get().decode()


def _cpu_flags() -> set:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def use_cpu_kernels() -> None:
    if os.environ.get("OPENBLAS_CORETYPE") or os.environ.get(_RESTARTED):
        return
    core = core_name()
    if core.lower() not in _GENERIC:
        return
    flags = _cpu_flags()
    better = "SkylakeX" if "avx512f" in flags else "Haswell" if {"avx2", "fma"} <= flags else None
    if better is None:
        return
    print(f"# OpenBLAS does not know this CPU and chose its {core} kernels; rerunning with "
          f"OPENBLAS_CORETYPE={better}", file=sys.stderr)
    os.environ["OPENBLAS_CORETYPE"] = better
    os.environ[_RESTARTED] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable] + sys.argv)

#!/usr/bin/env bash
# The side-by-side table of BENCHMARKS.md in one go: the whole suite next to PyTorch / OpenBLAS, then each model's
# training step in its own JVM and Python process for the peak memory (VmHWM is a per-process high-water mark).
#   tools/bench_all.sh [OUT.txt]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench-results.txt}
{
  echo "# $(date -u +%FT%TZ) $(uname -srm), $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg); other java/python processes: $(pgrep -c -f 'java|python' || true)"
  ./gradwerk bench --compare-pytorch --steps 5 --rounds 3
  for m in unet cca ddanet; do
    echo "## ./gradwerk bench train-step --model $m --steps 3 --compare-pytorch --memory"
    ./gradwerk bench train-step --model "$m" --steps 3 --compare-pytorch --memory
  done
  echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
} 2>&1 | grep --line-buffered -v '^WARNING: Using incubator' | tee "$out"

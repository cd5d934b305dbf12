#!/usr/bin/env bash
# Side-by-side SGEMM benchmark: gradwerk (tensor/.../cpu/GemmBench.java) against OpenBLAS via numpy
# (tools/bench_openblas.py), alternating the two so both see the same machine load. Each line printed is one run
# (itself a median over repetitions); the summary is the median of the runs per configuration.
#
#   tools/bench_gemm_vs_openblas.sh [rounds=3]          # n = 256, 1024, 4096 on 2 threads, and 1024 on 1 thread
#
# Needs JDK 25 (JAVA_HOME), Maven, and Debian's numpy + OpenBLAS:
#   apt-get install -y python3-numpy libopenblas0-pthread
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=${1:-3}
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export PATH=$JAVA_HOME/bin:$PATH MAVEN_OPTS=${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}
mvn -q -B -o -pl tensor compile 2>/dev/null || mvn -q -B -pl tensor compile

configs=("256 2" "1024 2" "4096 2" "1024 1")
log=$(mktemp)
for ((r = 1; r <= rounds; r++)); do
  for cfg in "${configs[@]}"; do
    set -- $cfg
    java --add-modules jdk.incubator.vector -cp tensor/target/classes gradwerk.tensor.cpu.GemmBench \
      --n "$1" --threads "$2" 2>/dev/null | tee -a "$log"
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 tools/bench_openblas.py --n "$1" --threads "$2" \
      | tee -a "$log"
  done
done
echo "--- medians over $rounds rounds (GFLOPS) ---"
/usr/bin/python3 - "$log" <<'PY'
import re, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    m = re.match(r"(\S+) n=(\d+) threads=(\d+) gflops=([\d.]+)", line)
    if m:
        runs.setdefault((int(m[2]), int(m[3])), {}).setdefault(m[1], []).append(float(m[4]))
print(f"{'n':>6} {'threads':>7} {'gradwerk':>9} {'openblas':>9} {'ratio':>6}")
for (n, t), r in sorted(runs.items(), key=lambda kv: (-kv[0][1], kv[0][0])):
    g, o = statistics.median(r.get("gemm", [0])), statistics.median(r.get("openblas-sgemm", [0]))
    print(f"{n:>6} {t:>7} {g:>9.1f} {o:>9.1f} {g / o if o else 0:>6.2f}")
PY
rm -f "$log"

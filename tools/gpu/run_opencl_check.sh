#!/usr/bin/env bash
# The GPU proof of gradwerk's OpenCL backend, run on a machine with an NVIDIA (or AMD/Intel) GPU and nothing else
# installed: no JDK, no Maven. Prepare the bundle elsewhere with tools/gpu/make_bundle.sh, copy it over, then
#
#   ./run_opencl_check.sh [DEVICE]          DEVICE: opencl:N, or by default the first GPU `devices` lists
#
# Steps (each prints a "== ..." header; the script stops at the first failure):
#   1. checks the OpenCL loader (libOpenCL.so.1) and a vendor ICD (/etc/OpenCL/vendors/*.icd; for NVIDIA
#      nvidia.icd -> libnvidia-opencl.so.1, which the NVIDIA driver package installs)
#   2. lists the devices (gradwerk devices)
#   3. runs the OpenCL tests on DEVICE with CI=true (a missing platform fails instead of skipping): the tensor
#      kernels vs host references, gradient checks of every op on the device in float64, the PyTorch goldens
#      replayed on OpenCL, training on OpenCL vs the CPU (nn, DDANet), the CLI on OpenCL
#   4. times DDANet training steps on the CPU and on DEVICE (DeviceStepTiming) at 64x64 and 256x256
#   5. a short real training run: gradwerk train --device DEVICE --epochs 2 --size 64 --base-channels 8
# Everything it prints is also written to opencl-check-<date>.log next to this script: send that file back.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
log="$here/opencl-check-$(date +%Y%m%d-%H%M%S).log"
exec > >(tee "$log") 2>&1

java="$here/jdk-runtime/bin/java"
[[ -x "$java" ]] || { echo "no $java: run tools/gpu/make_bundle.sh first and copy the whole bundle"; exit 1; }
flags=(--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m -XX:+UseParallelGC)
cp="$here/lib/*"
tcp="$here/lib/*:$here/test-lib/*"
fail() { echo "FAILED: $*"; echo "log: $log"; exit 1; }

echo "== host: $(uname -srm), $(nproc) cores; $(date -u +%FT%TZ)"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader

echo "== 1. OpenCL loader and ICDs"
if ldconfig -p 2>/dev/null | grep -q 'libOpenCL\.so'; then
  ldconfig -p | grep 'libOpenCL\.so' | head -n 2
else
  fail "no libOpenCL.so on this machine: install the ICD loader (Debian/Ubuntu: apt-get install ocl-icd-libopencl1; or ocl-icd-opencl-dev)"
fi
ls /etc/OpenCL/vendors/*.icd >/dev/null 2>&1 || fail "no /etc/OpenCL/vendors/*.icd: no OpenCL driver is registered (NVIDIA: the driver's OpenCL part, e.g. apt-get install nvidia-opencl-icd or libnvidia-compute-<version>)"
for f in /etc/OpenCL/vendors/*.icd; do echo "$f -> $(cat "$f")"; done
if [[ -e /etc/OpenCL/vendors/nvidia.icd ]]; then
  lib=$(cat /etc/OpenCL/vendors/nvidia.icd)
  ldconfig -p | grep -q "$(basename "$lib")" || [[ -e "$lib" ]] || fail "nvidia.icd names $lib, which is not installed"
  echo "NVIDIA ICD present ($lib)"
else
  echo "note: no nvidia.icd; testing whatever OpenCL platform is registered"
fi

echo "== 2. devices"
"$java" "${flags[@]}" -cp "$cp" gradwerk.ddanet.cli.Main devices || fail "gradwerk devices"
device="${1:-}"
if [[ -z "$device" ]]; then
  device=$("$java" "${flags[@]}" -cp "$cp" gradwerk.ddanet.cli.Main devices 2>/dev/null | awk '$1 ~ /^opencl:/ && $2 == "GPU" {print $1; exit}')
  [[ -n "$device" ]] || { device=opencl; echo "no GPU listed; using the default OpenCL device"; }
fi
echo "device under test: $device"

echo "== 3. OpenCL tests on $device (CI=true: a missing platform fails)"
t0=$(date +%s)
CI=true "$java" "${flags[@]}" -Dgradwerk.test.opencl="$device" -cp "$tcp" org.junit.platform.console.ConsoleLauncher execute \
    --disable-banner --details=summary --details-theme=ascii --fail-if-no-tests \
    --select-package=gradwerk.tensor.opencl \
    --select-class=gradwerk.tensor.nn.TorchGoldenTest \
    --select-class=gradwerk.autograd.DeviceGradCheckTest \
    --select-class=gradwerk.nn.DeviceGradCheckTest \
    --select-class=gradwerk.nn.OpenClTrainingTest \
    --select-class=gradwerk.nn.layers.LayerGoldenTest \
    --select-class=gradwerk.ddanet.train.OpenClTrainTest \
    --select-class=gradwerk.ddanet.cli.OpenClCliTest \
  || fail "OpenCL tests (details above)"
echo "OpenCL tests passed in $(( $(date +%s) - t0 )) s"

echo "== 4. DDANet training-step time, CPU vs $device (median after one warm-up step)"
"$java" "${flags[@]}" -cp "$tcp" gradwerk.ddanet.train.DeviceStepTiming 64 8 4 6 cpu "$device" || fail "step timing 64"
if [[ -z "${QUICK:-}" ]]; then # QUICK=1: skip this one (minutes on a CPU-only OpenCL such as PoCL)
  "$java" "${flags[@]}" -cp "$tcp" gradwerk.ddanet.train.DeviceStepTiming 256 16 4 5 cpu "$device" || fail "step timing 256"
fi

echo "== 5. short training run on $device"
out=$(mktemp -d)
"$java" "${flags[@]}" -cp "$cp" gradwerk.ddanet.cli.Main train --device "$device" --epochs 2 --size 64 \
    --base-channels 8 --out "$out/run" || fail "train"
"$java" "${flags[@]}" -cp "$cp" gradwerk.ddanet.cli.Main eval --device "$device" \
    --checkpoint "$out/run/best.safetensors" --out "$out/eval.json" || fail "eval"
echo "== all passed on $device; log: $log"

#!/usr/bin/env bash
# Trains U-Net, U-Net + criss-cross attention and DDANet on the MedSeg CT-100 slices, one after the other, then
# evaluates each best-on-val checkpoint once on the test split (logits up-sampled to 512x512).
#   tools/train_medseg.sh [DATA] [EPOCHS] [SEEDS...]      e.g. tools/train_medseg.sh ../shared/data/medseg100 100 42 43 44
# Runs land in runs/medseg/<model>-e<EPOCHS>-s<SEED>/ (metrics.csv, checkpoints, plots, eval-test.json, train.log);
# a killed run is continued with --resume when the script is started again.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data/medseg100}
epochs=${2:-100}
shift $(( $# > 2 ? 2 : $# ))
seeds=("$@")
[ ${#seeds[@]} -eq 0 ] && seeds=(42)
for seed in "${seeds[@]}"; do
  for model in unet cca ddanet; do
    out=runs/medseg/$model-e$epochs-s$seed
    if [ -f "$out/eval-test.json" ]; then echo "$out: done"; continue; fi
    if [ -f "$out/last.safetensors" ]; then
      ./gradwerk train --resume --out "$out" 2>&1 | tee -a "$out/train.log" | grep -v '^epoch .* img ' || true
    else
      mkdir -p "$out"
      ./gradwerk train --model "$model" --data "$data" --epochs "$epochs" --seed "$seed" --out "$out" 2>&1 \
        | tee "$out/train.log" | grep -v '^epoch .* img ' || true
    fi
    ./gradwerk eval --checkpoint "$out/best.safetensors" --split test --out "$out/eval-test.json" 2>&1 | tee "$out/eval.log"
  done
done

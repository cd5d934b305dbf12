#!/usr/bin/env python3
"""Summarises runs of tools/train_medseg.sh as the README's results table (Markdown).

For every runs/medseg/<model>-e<E>-s<seed>/ with an eval-test.json: test Dice (global, per class; mean ± sd over
seeds when there are several), the best epoch on val, the wall-clock training time (sum of the per-epoch seconds in
metrics.csv, validation included) and seconds per training step (batch 4, median over epochs of 4 / images_per_s).

    python3 tools/results_table.py [runs/medseg]
"""
import csv
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "runs/medseg")
    rows = defaultdict(list)
    for ev in sorted(root.glob("*/eval-test.json")):
        d = json.loads(ev.read_text())
        with open(ev.parent / "metrics.csv") as f:
            m = list(csv.DictReader(f))
        train_s = sum(float(r["seconds"]) for r in m)
        step_s = statistics.median(4 / float(r["images_per_s"]) for r in m)
        rows[(d["model"], len(m))].append((d["dice_global"]["ggo"], d["dice_global"]["consolidation"],
                                            d["dice_per_slice_mean"]["mean"], d["checkpoint_epoch"], train_s, step_s))
    fmt = lambda xs: (f"{100 * statistics.mean(xs):.1f} ± {100 * statistics.stdev(xs):.1f}" if len(xs) > 1
                      else f"{100 * xs[0]:.1f}")
    print("| model | epochs | seeds | test Dice GGO % | test Dice consolidation % | mean per-slice Dice % "
          "| best epoch (val) | training time | s / step (batch 4) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    order = {"unet": 0, "cca": 1, "ddanet": 2}
    for (model, epochs), rs in sorted(rows.items(), key=lambda kv: (order.get(kv[0][0], 9), kv[0][1])):
        cols = list(zip(*rs))
        print(f"| {model} | {epochs} | {len(rs)} | {fmt(cols[0])} | {fmt(cols[1])} | {fmt(cols[2])} "
              f"| {', '.join(str(e) for e in cols[3])} | {statistics.mean(cols[4]) / 60:.0f} min "
              f"| {statistics.median(cols[5]):.2f} |")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Golden files for gradwerk's safetensors reader/writer and its affine warp, made with PyTorch.

The `safetensors` Python package is not available here, so this script writes and reads the format itself with
the standard library, following the reference implementation's rules (header JSON compact and space-padded to a
multiple of 8, tensors sorted by dtype alignment then name, data tiled without gaps). The data bytes come from
`tensor.numpy().tobytes()`, i.e. exactly what PyTorch holds in memory.

    python3 tools/torch_safetensors_golden.py write nn/src/test/resources/goldens
        writes torch_tensors.safetensors + torch_tensors.json (expected bit patterns) and
        affine_warp.safetensors (inputs, thetas and F.grid_sample outputs)
    python3 tools/torch_safetensors_golden.py verify FILE.safetensors EXPECTED.json [FILE2 EXPECTED2 ...]
        reads a file written by gradwerk with the strict reader below, loads every tensor into torch, and compares
        dtype, shape and bits with the expected JSON (same layout as torch_tensors.json); exit status 0 if all match,
        77 if this Python has no torch

Use Debian's interpreter (/usr/bin/python3), which has python3-torch.
"""
import json
import math
import struct
import sys
from pathlib import Path

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as e:  # exit status 77 = "skipped" (automake's convention); the Java test reads it that way
    print(f"no numpy/torch in {sys.executable}: {e}", file=sys.stderr)
    sys.exit(77)

DTYPES = {"F32": (torch.float32, np.float32, 4), "F64": (torch.float64, np.float64, 8)}
TORCH_TO_NAME = {torch.float32: "F32", torch.float64: "F64"}
MAX_HEADER = 100_000_000


# ---------------------------------------------------------------------------------------------------- writing

def save(path, tensors, metadata=None):
    """Writes a dict name -> torch tensor the way the reference implementation lays it out."""
    # reference order: larger dtype alignment first, then by name
    names = sorted(tensors, key=lambda n: (-DTYPES[TORCH_TO_NAME[tensors[n].dtype]][2], n))
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for n in names:
        t = tensors[n]
        data = t.detach().cpu().contiguous().numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[n] = {"dtype": TORCH_TO_NAME[t.dtype], "shape": list(t.shape),
                     "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    js = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    js += b" " * ((8 - len(js) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(js)))
        f.write(js)
        for b in blobs:
            f.write(b)


# ---------------------------------------------------------------------------------------------------- reading

def load(path):
    """Strict reader with the reference implementation's checks; returns (dict name -> tensor, metadata)."""
    raw = Path(path).read_bytes()
    if len(raw) < 8:
        raise ValueError(f"{path}: shorter than 8 bytes")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > MAX_HEADER or n > len(raw) - 8:
        raise ValueError(f"{path}: header length {n} invalid for a {len(raw)}-byte file")
    text = raw[8:8 + n].decode("utf-8")
    if not text.startswith("{"):
        raise ValueError(f"{path}: header does not start with '{{'")

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError(f"{path}: duplicate key in header")
        return dict(pairs)

    header = json.loads(text, object_pairs_hook=no_duplicates)
    metadata = header.pop("__metadata__", {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise ValueError(f"{path}: metadata must map strings to strings")
    data = raw[8 + n:]
    entries = sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"]))
    cursor = 0
    for name, info in entries:
        begin, end = info["data_offsets"]
        if begin != cursor:
            raise ValueError(f"{path}: tensor {name!r} starts at {begin}, expected {cursor} (gap or overlap)")
        size = DTYPES[info["dtype"]][2] * math.prod(info["shape"])
        if end - begin != size:
            raise ValueError(f"{path}: tensor {name!r} spans {end - begin} bytes, needs {size}")
        cursor = end
    if cursor != len(data):
        raise ValueError(f"{path}: tensors cover {cursor} of {len(data)} data bytes")
    out = {}
    for name, info in header.items():
        torch_dtype, np_dtype, _ = DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        arr = np.frombuffer(data[begin:end], dtype=np.dtype(np_dtype).newbyteorder("<")).reshape(info["shape"])
        out[name] = torch.from_numpy(arr.astype(np_dtype)).to(torch_dtype)
    return out, metadata


# ---------------------------------------------------------------------------------------------------- expected values

def bits(t):
    """Exact bit patterns as hex strings (keeps NaN payloads, -0.0 and infinities)."""
    flat = t.detach().contiguous().reshape(-1).numpy()
    view = flat.view(np.uint32 if t.dtype == torch.float32 else np.uint64)
    return [format(int(v), "x") for v in view]


def expected(tensors, metadata):
    return {"metadata": metadata,
            "tensors": {n: {"dtype": TORCH_TO_NAME[t.dtype], "shape": list(t.shape), "bits": bits(t)}
                        for n, t in tensors.items()}}


def write_goldens(out_dir):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    g = torch.Generator().manual_seed(1234)
    special = torch.tensor([0.0, -0.0, float("inf"), float("-inf"), float("nan"), 1e-45, 3.4028234663852886e38,
                            -1.5], dtype=torch.float32)
    tensors = {
        "conv1.weight": torch.randn(4, 2, 3, 3, generator=g),
        "conv1.bias": torch.randn(4, generator=g),
        "fc.weight64": torch.randn(3, 5, generator=g, dtype=torch.float64),
        "scalar": torch.tensor(3.25),
        "scalar64": torch.tensor(-2.0 ** -30, dtype=torch.float64),
        "empty": torch.zeros(0, 3),
        "transposed": torch.arange(12, dtype=torch.float32).reshape(3, 4).t(),  # non-contiguous in torch
        "special": special,
    }
    metadata = {"format": "pt", "producer": f"torch {torch.__version__}", "note": "ünïcödé ✓ \"quoted\""}
    save(out_dir / "torch_tensors.safetensors", tensors, metadata)
    (out_dir / "torch_tensors.json").write_text(json.dumps(expected(tensors, metadata), indent=1, ensure_ascii=False)
                                                + "\n", encoding="utf-8")
    # the file must read back here, bit for bit
    back, meta = load(out_dir / "torch_tensors.safetensors")
    assert meta == metadata and all(bits(back[n]) == bits(t) for n, t in tensors.items())

    # affine_grid + grid_sample reference outputs for the (temporary) CPU warp in gradwerk.nn.data
    image = torch.rand(2, 5, 7, generator=g)
    labels = torch.randint(0, 4, (5, 7), generator=g).float()
    c, s = math.cos(math.radians(30)), math.sin(math.radians(30))
    thetas = [
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],                 # identity
        [[1.0, 0.0, 0.3], [0.0, 1.0, -0.15]],               # translation (no exact .5 ties for nearest)
        [[c / 1.2, -s / 1.2, 0.1], [s / 1.2, c / 1.2, 0.05]],  # rotation + zoom + shift
        [[0.6, 0.5, -0.25], [-0.4, 1.3, 0.15]],             # general affine (shear, anisotropic)
    ]
    warp = {"image": image, "labels": labels}
    for i, th in enumerate(thetas):
        theta = torch.tensor([th], dtype=torch.float32)
        for ac in (False, True):
            grid = F.affine_grid(theta, (1, 2, 5, 7), align_corners=ac)
            suffix = f"{i}.{'ac' if ac else 'noac'}"
            warp[f"theta.{i}"] = theta[0]
            warp[f"bilinear.{suffix}"] = F.grid_sample(image[None], grid, mode="bilinear", padding_mode="zeros",
                                                       align_corners=ac)[0]
            warp[f"nearest.{suffix}"] = F.grid_sample(labels[None, None], grid, mode="nearest",
                                                      padding_mode="zeros", align_corners=ac)[0, 0]
    save(out_dir / "affine_warp.safetensors", warp, {"producer": f"torch {torch.__version__}"})
    for f in ("torch_tensors.safetensors", "torch_tensors.json", "affine_warp.safetensors"):
        print(f, (out_dir / f).stat().st_size, "bytes")


def verify(path, expected_json):
    want = json.loads(Path(expected_json).read_text(encoding="utf-8"))
    got, metadata = load(path)
    problems = []
    if metadata != want["metadata"]:
        problems.append(f"metadata {metadata} != {want['metadata']}")
    if set(got) != set(want["tensors"]):
        problems.append(f"names {sorted(got)} != {sorted(want['tensors'])}")
    for name, w in want["tensors"].items():
        t = got.get(name)
        if t is None:
            continue
        if TORCH_TO_NAME[t.dtype] != w["dtype"] or list(t.shape) != w["shape"] or bits(t) != w["bits"]:
            problems.append(f"{name}: got {TORCH_TO_NAME[t.dtype]} {list(t.shape)}, values differ or shape/dtype"
                            f" differ from {w['dtype']} {w['shape']}")
    for p in problems:
        print("MISMATCH", p)
    print(f"verified {len(got)} tensors and {len(metadata)} metadata entries from {path}: "
          + ("OK" if not problems else f"{len(problems)} problems"))
    return 0 if not problems else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "write":
        write_goldens(sys.argv[2])
    elif len(sys.argv) >= 4 and len(sys.argv) % 2 == 0 and sys.argv[1] == "verify":
        pairs = list(zip(sys.argv[2::2], sys.argv[3::2]))
        sys.exit(max(verify(f, j) for f, j in pairs))
    else:
        sys.exit(__doc__)

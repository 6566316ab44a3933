#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""compare_h5.py A.h5 B.h5 [RTOL]: every dataset of two results files agrees to RTOL (default 1e-12)
relative to the dataset's largest magnitude; a balance_error series is compared to its species'
applied amount (it is a difference of nearly equal numbers). Prints the worst dataset; exit 1 on a
difference, a dataset in one file only, or a shape mismatch. Attributes that depend on the run
(wall time, version) are not compared, nor output.file in the case text. Debian's /usr/bin/python3 with h5py and numpy."""
import sys
import h5py
import numpy as np



def without_output_file(text):
    """The case text without output.file (two runs compared write to two files)."""
    if isinstance(text, bytes):
        text = text.decode()
    if not isinstance(text, str):
        return text
    out, in_output = [], False
    for line in text.splitlines():
        if line and not line.startswith(" "):
            in_output = line.startswith("output:")
        if in_output and line.strip().startswith("file:"):
            continue
        out.append(line)
    return "\n".join(out)


a_path, b_path = sys.argv[1], sys.argv[2]
rtol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-12
names_a, names_b = {}, {}
for path, names in ((a_path, names_a), (b_path, names_b)):
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: names.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
bad = []
only = sorted(set(names_a) ^ set(names_b))
for n in only:
    bad.append(f"{n}: only in {'A' if n in names_a else 'B'}")
worst, worst_name = 0.0, ""
for n in sorted(set(names_a) & set(names_b)):
    x, y = names_a[n], names_b[n]
    if not (np.issubdtype(np.asarray(x).dtype, np.number) and np.issubdtype(np.asarray(y).dtype, np.number)):
        if n.endswith("case") or n.startswith("run"):  # the resolved case text, less where it was written
            if without_output_file(x) != without_output_file(y):
                bad.append(f"{n}: text differs")
        continue
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.shape != y.shape:
        bad.append(f"{n}: shape {x.shape} vs {y.shape}")
        continue
    scale = float(np.nanmax(np.abs(x))) if x.size else 0.0
    if n.endswith("/balance_error"):
        applied = n[: -len("balance_error")] + "applied"
        if applied in names_a:
            scale = max(scale, float(np.nanmax(np.abs(names_a[applied]))))
    diff = float(np.nanmax(np.abs(x - y))) if x.size else 0.0
    if not np.array_equal(np.isnan(x), np.isnan(y)):
        bad.append(f"{n}: NaN in different places")
        continue
    rel = diff / scale if scale > 0 else diff
    if rel > worst:
        worst, worst_name = rel, n
    if rel > rtol:
        bad.append(f"{n}: relative difference {rel:.3g}")
print(f"{len(set(names_a) & set(names_b))} datasets compared; worst relative difference {worst:.3g} ({worst_name or '-'})")
for b in bad:
    print("  DIFFERS", b)
sys.exit(1 if bad else 0)

# SPDX-License-Identifier: BSD-3-Clause
"""Compares two dermasim results files: the same datasets and attributes, numbers equal to a
relative tolerance (of each dataset's largest magnitude), text equal. Used by test_restart.sh.
Usage: h5_compare.py A.h5 B.h5 [--rtol 1e-12]; exit 0 when they agree, 1 with the differences."""
import sys

import h5py
import numpy as np


def items(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj))
    out["/"] = f
    return out


def same_value(a, b, rtol):
    if isinstance(a, (bytes, str)) or isinstance(b, (bytes, str)):
        return a == b
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "OSU" or b.dtype.kind in "OSU":
        return bool(np.all(a == b))
    if a.size == 0:
        return True
    both_nan = np.isnan(a) & np.isnan(b) if a.dtype.kind == "f" else np.zeros(a.shape, bool)
    scale = np.nanmax(np.abs(np.concatenate([a.ravel(), b.ravel()]).astype(float))) if not np.all(both_nan) else 0.0
    diff = np.where(both_nan, 0.0, np.abs(a.astype(float) - b.astype(float)))
    return bool(np.all(diff <= rtol * scale))


def main():
    args = sys.argv[1:]
    rtol = 1e-12
    if "--rtol" in args:
        i = args.index("--rtol")
        rtol = float(args[i + 1])
        del args[i : i + 2]
    fa, fb = h5py.File(args[0], "r"), h5py.File(args[1], "r")
    a, b = items(fa), items(fb)
    problems = []
    for name in sorted(set(a) | set(b)):
        if name not in a or name not in b:
            problems.append(f"{name}: only in {'first' if name in a else 'second'}")
            continue
        oa, ob = a[name], b[name]
        if isinstance(oa, h5py.Dataset):
            if not isinstance(ob, h5py.Dataset) or not same_value(oa[()], ob[()], rtol):
                problems.append(f"{name}: values differ")
        for k in sorted(set(oa.attrs) | set(ob.attrs)):
            if k not in oa.attrs or k not in ob.attrs:
                problems.append(f"{name}@{k}: only in one")
            elif not same_value(oa.attrs[k], ob.attrs[k], rtol):
                problems.append(f"{name}@{k}: {oa.attrs[k]!r} vs {ob.attrs[k]!r}")
    n_data = sum(isinstance(o, h5py.Dataset) for o in a.values())
    if problems:
        print(f"{len(problems)} differences (of {n_data} datasets):")
        for p in problems[:30]:
            print("  " + p)
        sys.exit(1)
    print(f"equal: {n_data} datasets and their attributes (rtol {rtol})")


main()

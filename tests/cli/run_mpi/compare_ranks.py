# SPDX-License-Identifier: BSD-3-Clause
"""Compares the results of one case run on one rank and on several (tests/cli/test_run_mpi.sh).
Usage: compare_ranks.py ONE.h5 MANY.h5 RTOL. The layout must be identical: the same groups and
datasets with the same shapes and types, the same attribute names. Values: every field of a
snapshot within RTOL of that dataset's largest magnitude; every amount of a species
(scalars/<species>/...) within RTOL of the species' largest applied amount (a tiny amount deep in
the tissue is compared on the scale of the dose, as the solver's tolerance acts on the whole field);
other numbers within RTOL of their own magnitude; text equal, except the name of the linear solver.
Exit 0 when they agree, 1 with the differences."""
import sys

import h5py
import numpy as np


def items(f):
    out = {"/": f}
    f.visititems(lambda name, obj: out.__setitem__(name, obj))
    return out


def close(a, b, scale, rtol):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "OSU" or b.dtype.kind in "OSU":
        return bool(np.all(a == b))
    if a.size == 0:
        return True
    a, b = a.astype(float), b.astype(float)
    if scale is None:
        scale = float(np.nanmax(np.abs(np.concatenate([a.ravel(), b.ravel()])))) if np.isfinite(a).any() else 0.0
    return bool(np.all((np.abs(a - b) <= rtol * scale) | (np.isnan(a) & np.isnan(b))))


def main():
    fa, fb = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
    rtol = float(sys.argv[3])
    a, b = items(fa), items(fb)
    problems = []
    for name in sorted(set(a) | set(b)):
        if name not in a or name not in b:
            problems.append(f"{name}: only in {'the first' if name in a else 'the second'}")
            continue
        oa, ob = a[name], b[name]
        if isinstance(oa, h5py.Dataset) != isinstance(ob, h5py.Dataset):
            problems.append(f"{name}: a dataset in one file only")
            continue
        if isinstance(oa, h5py.Dataset):
            if oa.shape != ob.shape or oa.dtype != ob.dtype:
                problems.append(f"{name}: shape or type {oa.shape} {oa.dtype} vs {ob.shape} {ob.dtype}")
                continue
            parts = name.split("/")
            scale = None
            if parts[0] == "scalars" and len(parts) > 2 and f"scalars/{parts[1]}/applied" in a:
                scale = float(np.max(np.abs(a[f"scalars/{parts[1]}/applied"][()])))
            if not close(oa[()], ob[()], scale, rtol):
                d = np.max(np.abs(oa[()].astype(float) - ob[()].astype(float)))
                problems.append(f"{name}: values differ (largest difference {d:.3g}, scale {scale})")
        if set(oa.attrs) != set(ob.attrs):
            problems.append(f"{name}: attributes {sorted(oa.attrs)} vs {sorted(ob.attrs)}")
            continue
        for k in oa.attrs:
            if k != "linear_solver" and not close(oa.attrs[k], ob.attrs[k], None, rtol):
                problems.append(f"{name}@{k}: {oa.attrs[k]!r} vs {ob.attrs[k]!r}")
    n = sum(isinstance(o, h5py.Dataset) for o in a.values())
    if problems:
        print(f"{len(problems)} differences (of {n} datasets):")
        for p in problems[:30]:
            print("  " + p)
        sys.exit(1)
    print(f"same layout and values: {n} datasets and their attributes (rtol {rtol})")


main()

# SPDX-License-Identifier: BSD-3-Clause
"""Writes the /case and /checkpoint arrays of a dermasim output or checkpoint file as the text that
tests/fuzz/fuzz_restart.cpp reads (sections case:, keys:, counts:, data:, text_keys:,
text_counts:, text_values:; one value a line). Usage: checkpoint_to_text.py FILE.h5 OUT.txt"""
import sys

import h5py

f = h5py.File(sys.argv[1], "r")
g = f["checkpoint"]


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


out = ["case:"] + f["case"][()].decode().splitlines()
for name in ["keys", "counts", "data", "text_keys", "text_counts", "text_values"]:
    out.append(name + ":")
    for v in g[name][()]:
        out.append(text(v) if name in ("keys", "text_keys", "text_values") else repr(float(v)))
open(sys.argv[2], "w").write("\n".join(out) + "\n")

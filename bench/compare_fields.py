#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""compare_fields.py N OPENFOAM_T.txt DERMASIM.f64: largest difference between the final fields of
the peer (OpenFOAM internalField, cells x fastest, z upward) and dermasim (--dump of dermasim_bench,
x fastest, depth downward). Plain Python (no numpy)."""
import array, sys
N = int(sys.argv[1])
of = [float(l) for l in open(sys.argv[2]) if l.strip()]
dm = array.array('d')
with open(sys.argv[3], 'rb') as f:
    dm.frombytes(f.read())
assert len(of) == N ** 3 == len(dm), (len(of), len(dm))
plane = N * N
worst = 0.0
for kz in range(N):                   # OpenFOAM layer kz (from the bottom) = dermasim depth row N-1-kz
    a = kz * plane
    b = (N - 1 - kz) * plane
    for c in range(plane):
        d = abs(of[a + c] - dm[b + c])
        if d > worst:
            worst = d
print(f"max |T_openfoam - u_dermasim| = {worst:.3e} (fields in [0, 1]; max {max(of):.6f} / {max(dm):.6f})")

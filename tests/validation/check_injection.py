#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Injection validation (docs/validation.md, "Injected fluid: wheals and blebs"): runs the cases of
# configs/validation/injection/ and compares each with its observation at the stated tolerance;
# each result is also computed with the domain twice as wide and must change by < 5 %.
#   check_injection.py DERMASIM REPO OUTDIR [--table FILE]
# Exit 0 when every check passes, 1 otherwise (each check printed PASS/FAIL).
import math
import os
import subprocess
import sys

import h5py
import numpy as np

dermasim, repo, out = sys.argv[1], sys.argv[2], sys.argv[3]
table = sys.argv[sys.argv.index("--table") + 1] if "--table" in sys.argv else None
cfg = os.path.join(repo, "configs", "validation", "injection")
os.makedirs(out, exist_ok=True)


def run(name, width_factor=1):
    path = os.path.join(cfg, name + ".yaml")
    tag = name if width_factor == 1 else f"{name}_wide"
    h5 = os.path.join(out, tag + ".h5")
    sets = []
    if width_factor != 1:
        import re
        text = open(path).read()
        w = float(re.search(r"width: ([0-9.]+) mm", text).group(1))
        n = int(re.search(r"lateral_cells: ([0-9]+)", text).group(1))
        # twice the width with the same cells near the axis: the outer part graded further
        sets = ["--set", f"geometry.width={w * width_factor} mm", "--set", f"geometry.lateral_cells={n + 8}"]
    r = subprocess.run([dermasim, "run", path, "--output", h5, "--quiet"] + sets, capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stdout[-3000:], r.stderr[-3000:])
        raise SystemExit(f"{tag}: dermasim failed ({r.returncode})")
    f = h5py.File(h5, "r")
    s = f["scalars"]
    t = s["time"][:]
    res = {"t": t, "height": s["papule/height"][:], "visible": s["papule/visible_diameter"][:],
           "visible_until": s["papule"].attrs["visible_until"], "edge_time": s["papule"].attrs["edge_time"]}
    ex = s["excess_fluid"]
    tissue = sum(ex["layer/" + k][:] for k in ex["layer"].keys())
    res["water"] = tissue
    res["applied"] = ex["applied"][:]
    return res


def at(r, key, when):
    return float(np.interp(when, r["t"], np.nan_to_num(r[key])))


rows, ok = [], True


# Checks the model is known to miss (docs/validation.md says why): reported as KNOWN MISS and not
# counted as failures; one that starts to pass is reported so the table can be updated.
KNOWN_MISSES = {("HA booster 20 uL", "visible until (h)")}


def check(case, what, model, lo, hi, observed, wide=None, unit=""):
    global ok
    passed = lo <= model <= hi
    line = f"{case:22s} {what:34s} model {model:9.3g}{unit}  accepted [{lo:.3g}, {hi:.3g}]  observed {observed}"
    if wide is not None:
        change = abs(wide - model) / max(abs(model), 1e-300)
        line += f"  | 2x width {wide:.3g} ({100 * change:.1f} %)"
        passed = passed and change < 0.05
    known = (case, what) in KNOWN_MISSES
    ok = ok and (passed or known)
    print(("PASS " if passed else "KNOWN MISS " if known else "FAIL ") + line + (" (listed as a known miss: update docs/validation.md)" if passed and known else ""))
    rows.append((case, what, observed, f"{model:.3g}{unit}", f"{lo:.3g}-{hi:.3g}", "" if wide is None else f"{100 * abs(wide - model) / max(abs(model), 1e-300):.1f} %", "yes" if passed else "**no**"))


mm = 1e-3
# Mantoux: 0.1 mL saline intradermal, forearm ([Web:mantoux-label]); resolution ([Web:human-intradermal-bleb])
m, mw = run("mantoux"), run("mantoux", 2)
check("Mantoux 0.1 mL", "visible wheal at 10 min (mm)", at(m, "visible", 600) / mm, 6 * 0.7, 10 * 1.3, "6-10 mm", at(mw, "visible", 600) / mm)
check("Mantoux 0.1 mL", "height at 10 min (mm)", at(m, "height", 600) / mm, 0.5, math.inf, ">= 0.5 mm", at(mw, "height", 600) / mm)
w24, w24w = m["water"][-1] / m["applied"][-1], mw["water"][-1] / mw["applied"][-1]
check("Mantoux 0.1 mL", "extra water at 24 h (% injected)", 100 * w24, 0, 10, "< 10 % (resolved in < 1 d)", 100 * w24w)
# rat intradermal blebs, area at 10 min ([Web:rat-intradermal-bleb])
for vol, area in ((50, 41.0), (100, 55.6)):
    b = run(f"bleb_{vol}uL")
    a = math.pi / 4 * (at(b, "visible", 600) / mm) ** 2
    bw = run(f"bleb_{vol}uL", 2)
    wide = math.pi / 4 * (at(bw, "visible", 600) / mm) ** 2
    check(f"rat bleb {vol} uL", "visible area at 10 min (mm2)", a, 0.7 * area, 1.3 * area, f"{area} mm2", wide)
# HA booster papule: settles in 1-2 days ([Claim:papule-resolution], a clinic statement)
h = run("ha_booster_papule")
until = h["visible_until"] / 3600 if np.isfinite(h["visible_until"]) else 0.0
check("HA booster 20 uL", "visible until (h)", until, 12, 48 * 1.3, "1-2 d")

if table:
    with open(table, "w") as fh:
        fh.write("| case | quantity | observed | model | accepted | change at 2x width | passes |\n|---|---|---|---|---|---|---|\n")
        for r in rows:
            fh.write("| " + " | ".join(r) + " |\n")
sys.exit(0 if ok else 1)

#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Runs the claim cases of configs/claims/ and writes docs/claims.md: for each claim of the clinics
(docs/claims.md lists the sources) the claimed number, what the model says, and the assumptions.

    /usr/bin/python3 scripts/claims.py [--dermasim build/dermasim] [--out results/claims] [--write docs/claims.md]

Without --write the table is printed only. Rerun it after a model change (injections are being reworked on
other branches: the injection and papule rows may shift)."""
import argparse
import csv
import os
import subprocess
import sys

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(dermasim, args):
    r = subprocess.run([dermasim] + args, cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("dermasim %s failed (exit %d):\n%s" % (" ".join(args), r.returncode, r.stderr[-2000:]))
    return r.stdout


def first_time_below(t, v, level, after=0.0):
    for ti, vi in zip(t, v):
        if ti >= after and vi <= level:
            return ti
    return float("nan")


def topical(dermasim, out):
    h5 = os.path.join(out, "topical_absorption.h5")
    run(dermasim, ["run", "configs/claims/topical_absorption.yaml", "--set", "output.file=" + h5])
    rows = []
    with h5py.File(h5, "r") as f:
        for sp in ("niacinamide", "caffeine", "retinol"):
            s = f["scalars/" + sp]
            applied = s["applied"][-1]
            left = s["vehicle"][-1] + (s["washed"][-1] if "washed" in s else 0.0)
            layers = s["layer"]
            below_sc = sum(layers[k][-1] for k in layers if k != "stratum_corneum")
            below_sc += sum(s[k][-1] for k in ("cleared_blood", "cleared_lymph", "degraded") if k in s)
            rows.append((sp, 100 * (applied - left) / applied, 100 * below_sc / applied))
    model = "; ".join("%s %.3g %% absorbed (%.3g %% below the SC)" % r for r in rows)
    return ("Topical products reach only about 5-10 % absorption", "5-10 % of the dose absorbed",
            "24 h on the cheek: " + model,
            "2 mg/cm2 of product, no evaporation or rub-off; niacinamide and caffeine 2 % aqueous serums, retinol 0.3 % o/w cream "
            "(oil/water partition from its measured oil and water solubilities); `absorbed` = left the vehicle into or through the skin",
            "configs/claims/topical_absorption.yaml")


def injection(dermasim, out):
    run(dermasim, ["compare", "configs/claims/injection_vs_topical.yaml", "--out", os.path.join(out, "injection_vs_topical")])
    rows = {}
    with open(os.path.join(out, "injection_vs_topical", "compare.csv")) as fh:
        for r in csv.DictReader(fh):
            rows[r["scenario"]] = r
    s, p = rows["serum"], rows["papule"]
    cmax = float(p["cmax_mg_mL"]) / float(s["cmax_mg_mL"])
    auc = float(p["auc_mg_mL_h"]) / float(s["auc_mg_mL_h"])
    per_dose = auc / (float(p["dose_ug"]) / float(s["dose_ug"]))
    return ('Injection gives concentrations "dozens or even hundreds of times" higher in the dermis', "tens to hundreds of times",
            "papillary dermis, 24 h, papule / serum: Cmax x %.0f, AUC x %.0f; per ug of dose AUC x %.1f" % (cmax, auc, per_dose),
            "niacinamide 2 %%: serum 2 mg/cm2 (%.0f ug) vs one 20 uL papule 1 mm deep (%.0f ug in the skin) on 1 cm2 of cheek; "
            "the doses differ as in practice" % (float(s["dose_ug"]), float(p["dose_ug"])),
            "configs/claims/injection_vs_topical.yaml")


def papule(dermasim, out):
    h5 = os.path.join(out, "papule_settling.h5")
    run(dermasim, ["run", "configs/claims/papule_settling.yaml", "--set", "output.file=" + h5])
    rows = []
    with h5py.File(h5, "r") as f:
        t = f["scalars/time"][:] / 86400.0
        g = f["scalars/papule"]
        peak = g.attrs["peak_height"]
        h = g["height"][:]
        t10 = first_time_below(t, h, 0.1 * peak)
        vol = g["volume"][:]
        vpeak = np.nanmax(vol)
        tv10 = first_time_below(t, vol, 0.1 * vpeak, after=t[int(np.nanargmax(vol))])
        rem = f["scalars/ha_remaining"]
        water = rem.attrs["water_per_gram_end"]
        r14 = np.interp(14.0, t, rem[:])
        r21 = rem[-1]
        half = rem.attrs["half_life"] / 86400.0
    common = ("one 20 uL papule of 16 mg/mL linear HA 1 mm deep in the cheek, half mobile chains and half an entangled "
              "deposit (assumed split), fluid on, Horkay hydration at 150 mM")
    rows.append(("Papules settle in 1-2 days", "1-2 days",
                 "height below 10 %% of its %.2f mm peak after %.2g d (the free water spreads at once); swollen volume below 10 %% of its "
                 "peak after %.2g d; at 21 d the HA still holds %.0f um" % (peak * 1e3, t10, tv10, h[-1] * 1e6),
                 common + "; the model's free water spreads far faster than real wheals (docs/ha.md)", "configs/claims/papule_settling.yaml"))
    rows.append(("One gram of HA holds up to six litres of water", "6000 mL per g",
                 "%.1f mL of excess water per g of HA in tissue at 21 d (about %.0f times less)" % (water, 6000.0 / water),
                 common + "; tissue stiffness H = 1e5 Pa opposes swelling (docs/ha.md)", "configs/claims/papule_settling.yaml"))
    rows.append(("Sessions 2-3 weeks apart", "14-21 days",
                 "HA remaining %.0f %% of the dose at 14 d, %.0f %% at 21 d (half-life %.0f d): a session every 2-3 weeks tops up "
                 "what is still there rather than replacing what is gone" % (r14, r21, half),
                 common + "; the interval a clinic uses also follows the skin's response, which the model does not have",
                 "configs/claims/papule_settling.yaml"))
    return rows


def table(rows):
    lines = ["| claim | the claim's number | what the model says | assumptions | case |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append("| " + " | ".join(x.replace("|", "/") for x in r[:4]) + " | `" + r[4] + "` |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dermasim", default=os.path.join(ROOT, "build", "dermasim"))
    ap.add_argument("--out", default=os.path.join(ROOT, "results", "claims"))
    ap.add_argument("--write", help="rewrite the generated table in this markdown file")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rows = [topical(a.dermasim, a.out), injection(a.dermasim, a.out)] + papule(a.dermasim, a.out)
    t = table(rows)
    print(t)
    if a.write:
        begin, end = "<!-- BEGIN generated by scripts/claims.py -->", "<!-- END generated -->"
        s = open(a.write).read()
        i, j = s.index(begin) + len(begin) + 1, s.index(end)
        open(a.write, "w").write(s[:i] + t + s[j:])


if __name__ == "__main__":
    main()

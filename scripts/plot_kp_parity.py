#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Parity plot of the stratum-corneum permeability model against measured kp (docs/validation.md).

Usage:
    build/tests/dermasim_kp_validation configs/validation/topical/kp_set.csv --out build/kp_parity.csv
    /usr/bin/python3 scripts/plot_kp_parity.py build/kp_parity.csv docs/img/kp_parity.png

Reads the predictions CSV written by dermasim_kp_validation (model and Potts-Guy log10 kp per compound, cm/s)
and draws predicted against measured kp, log-log, with the line of identity, the +-0.5 log band and the RMSE
of each model in the legend. Uses Debian's python3 (matplotlib).
"""
import csv
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def rmse(pred, meas):
    return math.sqrt(sum((p - m) ** 2 for p, m in zip(pred, meas)) / len(meas))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1], newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"{sys.argv[1]}: no rows")
    meas = [float(r["log_kp_measured_cm_s"]) for r in rows]
    model = [float(r["log_kp_model_cm_s"]) for r in rows]
    pg = [float(r["log_kp_potts_guy_cm_s"]) for r in rows]
    polar = [float(r["log_kow"]) < -1 for r in rows]

    fig, ax = plt.subplots(figsize=(6.4, 6.0))
    lo = math.floor(min(meas + model + pg)) - 0.2
    hi = math.ceil(max(meas + model + pg)) + 0.2
    ax.plot([lo, hi], [lo, hi], color="black", lw=1, label="identity")
    ax.fill_between([lo, hi], [lo - 0.5, hi - 0.5], [lo + 0.5, hi + 0.5], color="0.9", label="+-0.5 log")
    ax.scatter(meas, pg, marker="x", color="tab:gray", s=30, label=f"Potts-Guy 1992 alone (RMSE {rmse(pg, meas):.2f})")
    ax.scatter([m for m, p in zip(meas, polar) if not p], [v for v, p in zip(model, polar) if not p], color="tab:blue", s=28,
               label=f"model: Mitragotri lipid + aqueous pores (RMSE {rmse(model, meas):.2f})")
    ax.scatter([m for m, p in zip(meas, polar) if p], [v for v, p in zip(model, polar) if p], color="tab:red", s=36, marker="s",
               label="model, log Kow < -1 (water, urea, mannitol, sucrose)")
    for r, m, v in zip(rows, meas, model):
        if abs(v - m) > 0.5:
            ax.annotate(r["compound"], (m, v), fontsize=7, xytext=(3, -9), textcoords="offset points")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    ax.set_xlabel("measured log10 kp (cm/s)")
    ax.set_ylabel("predicted log10 kp (cm/s)")
    ax.set_title(f"Human skin kp from aqueous solution, {len(rows)} compounds")
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=120)
    print(f"wrote {sys.argv[2]}: RMSE model {rmse(model, meas):.3f}, Potts-Guy {rmse(pg, meas):.3f} (n = {len(rows)})")


if __name__ == "__main__":
    main()

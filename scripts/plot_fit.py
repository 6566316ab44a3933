#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Draws DIR/fit.png for `dermasim fit`: per data set, the data (with sds) and the fitted model
# (top), and the residuals, model - data (bottom). Reads DIR/fit_points.csv and DIR/fit_curves.csv.
# Usage: /usr/bin/python3 scripts/plot_fit.py DIR
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: plot_fit.py DIR")
    d = sys.argv[1]
    pts = read(os.path.join(d, "fit_points.csv"))
    cur = read(os.path.join(d, "fit_curves.csv"))
    names = []
    for r in pts:
        if r["dataset"] not in names:
            names.append(r["dataset"])
    fig, axes = plt.subplots(2, len(names), figsize=(4.8 * len(names), 6.2), squeeze=False,
                             gridspec_kw={"height_ratios": [3, 1.3]}, sharex="col")
    for k, name in enumerate(names):
        p = [r for r in pts if r["dataset"] == name]
        c = [r for r in cur if r["dataset"] == name]
        x = [float(r["x"]) for r in p]
        y = [float(r["data"]) for r in p]
        sd = [float(r["sd"]) for r in p]
        res = [float(r["residual"]) for r in p]
        tape = p[0]["quantity"] == "tape_strips"
        ax, axr = axes[0][k], axes[1][k]
        if any(s > 0 for s in sd):
            ax.errorbar(x, y, yerr=sd, fmt="o", ms=4, capsize=2, color="k", label="data (sd)")
        else:
            ax.plot(x, y, "o", ms=4, color="k", label="data")
        cx = [float(r["x"]) for r in c]
        cy = [float(r["model"]) for r in c]
        ax.plot(cx, cy, "-" if not tape else "s--", color="tab:red", label="fitted model")
        ax.set_title(f"{name} ({p[0]['quantity']})")
        ax.set_ylabel(f"{p[0]['quantity']} ({p[0]['unit'].replace('_', '/', 1).replace('_', '/')})")
        ax.legend(fontsize=8)
        axr.axhline(0, color="0.5", lw=0.8)
        axr.plot(x, res, "o", ms=4, color="tab:blue")
        axr.set_ylabel("model - data")
        axr.set_xlabel("depth (um)" if tape else "time (h)")
    fig.tight_layout()
    fig.savefig(os.path.join(d, "fit.png"), dpi=110)


if __name__ == "__main__":
    main()

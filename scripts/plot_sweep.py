#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Plots of a sweep folder written by `dermasim sweep` (docs/sweep.md).

    /usr/bin/python3 scripts/plot_sweep.py DIR [--metric NAME ...] [--out FOLDER]

Reads DIR/results.h5 (and sensitivity.csv, curves.csv when there) and writes PNGs to DIR/plots:
  response_<metric>.png      the metric against each input (lines for a second input of a factorial)
  heatmap_<metric>.png       the metric over the first two inputs of a factorial design
  tornado_<metric>.png       the sensitivity indices per input (Sobol' total and first order with
                             their bootstrap intervals for a saltelli design, Morris mu* and sigma
                             for a morris design, else Spearman's rho)
  bands.png                  percentile bands (5-95, 25-75, median) of the target-layer and
                             receptor curves over time (sampled designs)
Uses Debian's python3 (h5py, numpy, matplotlib).
"""
import argparse
import csv
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def read(folder):
    with h5py.File(os.path.join(folder, "results.h5"), "r") as f:
        design = f.attrs["design"]
        design = design.decode() if isinstance(design, bytes) else str(design)
        status = [s.decode() if isinstance(s, bytes) else s for s in f["status"][()]]
        ok = np.array([s == "ok" for s in status])
        inputs = {}
        texts = {}
        for key in f["inputs_si"]:
            inputs[key] = f["inputs_si"][key][()]
            texts[key] = [s.decode() if isinstance(s, bytes) else s for s in f["inputs"][key][()]]
        metrics = {k: f["metrics"][k][()] for k in f["metrics"]}
    # keep the order of the table's columns
    with open(os.path.join(folder, "results.csv"), newline="") as fh:
        header = next(csv.reader(fh))
    order = header[2:]
    keys = [k for k in order if k in inputs]
    names = [m for m in order if m in metrics]
    return design, ok, keys, inputs, texts, names, metrics


def unit_of(texts):
    for t in texts:
        parts = t.split(None, 1)
        if len(parts) == 2:
            return parts[1]
    return ""


def display(values_si, texts):
    """Values in the unit they were written in (SI ratio from the first text with a number)."""
    for v, t in zip(values_si, texts):
        parts = t.split(None, 1)
        try:
            shown = float(parts[0])
        except (ValueError, IndexError):
            continue
        if v and np.isfinite(v) and shown:
            return values_si * (shown / v)
    return values_si


def response(folder, design, ok, keys, inputs, texts, name, y, outdir):
    numeric = [k for k in keys if np.isfinite(inputs[k]).all()]
    if not numeric:
        return None
    fig, axes = plt.subplots(1, len(numeric), figsize=(4.2 * len(numeric), 3.6), squeeze=False)
    for ax, k in zip(axes[0], numeric):
        x = display(inputs[k], texts[k])
        others = [o for o in numeric if o != k]
        if design == "factorial" and others:
            g = others[0]
            for gv in np.unique(inputs[g]):
                sel = ok & (inputs[g] == gv)
                idx = np.argsort(x[sel])
                label = texts[g][int(np.argmax(inputs[g] == gv))]
                ax.plot(x[sel][idx], y[sel][idx], "o-", ms=3, label=f"{g} = {label}")
            ax.legend(fontsize=6)
        else:
            ax.plot(x[ok], y[ok], "o", ms=3, alpha=0.6)
        ax.set_xlabel(f"{k} ({unit_of(texts[k])})" if unit_of(texts[k]) else k)
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    path = os.path.join(outdir, f"response_{name}.png")
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def heatmap(design, ok, keys, inputs, texts, name, y, outdir):
    numeric = [k for k in keys if np.isfinite(inputs[k]).all()]
    if design != "factorial" or len(numeric) < 2:
        return None
    a, b = numeric[0], numeric[1]
    xa, xb = np.unique(inputs[a]), np.unique(inputs[b])
    z = np.full((len(xb), len(xa)), np.nan)
    for i, vb in enumerate(xb):
        for j, va in enumerate(xa):
            sel = ok & (inputs[a] == va) & (inputs[b] == vb)
            if sel.any():
                z[i, j] = np.nanmean(y[sel])  # mean over any further inputs
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    im = ax.imshow(z, origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(xa)), [texts[a][int(np.argmax(inputs[a] == v))] for v in xa], rotation=45, fontsize=7)
    ax.set_yticks(range(len(xb)), [texts[b][int(np.argmax(inputs[b] == v))] for v in xb], fontsize=7)
    ax.set_xlabel(a)
    ax.set_ylabel(b)
    fig.colorbar(im, ax=ax, label=name)
    fig.tight_layout()
    path = os.path.join(outdir, f"heatmap_{name}.png")
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def tornado(folder, name, outdir):
    path = os.path.join(folder, "sensitivity.csv")
    if not os.path.exists(path):
        return None
    rows = [r for r in csv.DictReader(open(path, newline="")) if r["metric"] == name]
    if not rows:
        return None
    sobol = [r for r in rows if r["method"] == "sobol_total"]
    morris = [r for r in rows if r["method"] == "morris_mu_star"]
    num = lambda s: float(s) if s not in ("", "n/a") else np.nan  # noqa: E731
    n_inputs = len({r["input"] for r in rows})
    fig, ax = plt.subplots(figsize=(7, 1.5 + 0.5 * n_inputs))
    if morris:
        sigma = {r["input"]: num(r["value"]) for r in rows if r["method"] == "morris_sigma"}
        morris.sort(key=lambda r: num(r["value"]))
        pos = np.arange(len(morris))
        mu = np.array([num(r["value"]) for r in morris])
        err = np.array([[mu[i] - num(r["ci_low"]), num(r["ci_high"]) - mu[i]] for i, r in enumerate(morris)]).T
        ax.barh(pos + 0.2, mu, 0.4, xerr=np.abs(err), label="mu* (95 % bootstrap)", color="tab:blue")
        ax.barh(pos - 0.2, [sigma.get(r["input"], np.nan) for r in morris], 0.4, label="sigma", color="tab:gray")
        ax.set_yticks(pos, [r["input"] for r in morris], fontsize=7)
        ax.set_xlabel(f"Morris elementary effects of {name}\n(change per unit of the input's probability scale)")
        ax.legend(fontsize=7)
    elif sobol:
        first = {r["input"]: r for r in rows if r["method"] == "sobol_first"}
        sobol.sort(key=lambda r: num(r["value"]))
        labels = [r["input"] for r in sobol]
        pos = np.arange(len(sobol))
        st = np.array([num(r["value"]) for r in sobol])
        err_t = np.array([[st[i] - num(r["ci_low"]), num(r["ci_high"]) - st[i]] for i, r in enumerate(sobol)]).T
        s1 = np.array([num(first[l]["value"]) for l in labels])
        err_1 = np.array([[s1[i] - num(first[l]["ci_low"]), num(first[l]["ci_high"]) - s1[i]] for i, l in enumerate(labels)]).T
        ax.barh(pos + 0.2, st, 0.4, xerr=np.abs(err_t), label="total (95 % bootstrap)", color="tab:blue")
        ax.barh(pos - 0.2, s1, 0.4, xerr=np.abs(err_1), label="first order", color="tab:orange")
        ax.set_yticks(pos, labels, fontsize=7)
        ax.set_xlabel(f"Sobol' index of {name}")
        ax.legend(fontsize=7)
    else:
        sp = [r for r in rows if r["method"] == "spearman"]
        sp.sort(key=lambda r: abs(num(r["value"])) if np.isfinite(num(r["value"])) else 0)
        vals = [num(r["value"]) for r in sp]
        ax.barh(range(len(sp)), vals, color=["tab:red" if v < 0 else "tab:blue" for v in vals])
        ax.set_yticks(range(len(sp)), [r["input"] for r in sp], fontsize=7)
        ax.axvline(0, color="k", lw=0.8)
        ax.set_xlim(-1, 1)
        ax.set_xlabel(f"Spearman rank correlation with {name}")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    out = os.path.join(outdir, f"tornado_{name}.png")
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def bands(folder, outdir):
    path = os.path.join(folder, "curves.csv")
    if not os.path.exists(path):
        return None
    rows = list(csv.DictReader(open(path, newline="")))
    if not rows:
        return None
    col = lambda k: np.array([float(r[k]) if r[k] != "n/a" else np.nan for r in rows])  # noqa: E731
    t = col("time_h")
    # a panel per curve that has values (no receptor in vivo: the target layer alone)
    panels = [(w, title) for w, title in [("target", "target layer"), ("receptor", "receptor")]
              if np.isfinite(col(f"{w}_pct_dose_p50")).any()]
    if not panels:
        return None
    fig, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 3.6), squeeze=False)
    for ax, (which, title) in zip(axes[0], panels):
        p = {q: col(f"{which}_pct_dose_p{q}") for q in (5, 25, 50, 75, 95)}
        ax.fill_between(t, p[5], p[95], alpha=0.2, color="tab:blue", label="5-95 %")
        ax.fill_between(t, p[25], p[75], alpha=0.4, color="tab:blue", label="25-75 %")
        ax.plot(t, p[50], color="tab:blue", label="median")
        ax.set_xlabel("time (h)")
        ax.set_ylabel("% of the dose")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    out = os.path.join(outdir, "bands.png")
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("--metric", action="append", help="metric(s) to plot (default: all)")
    ap.add_argument("--out", help="output folder (default: FOLDER/plots)")
    a = ap.parse_args()
    design, ok, keys, inputs, texts, names, metrics = read(a.folder)
    outdir = a.out or os.path.join(a.folder, "plots")
    os.makedirs(outdir, exist_ok=True)
    chosen = a.metric or names
    for m in chosen:
        if m not in metrics:
            sys.exit(f"plot_sweep: no metric '{m}' in {a.folder}; metrics: {', '.join(names)}")
    written = []
    for m in chosen:
        y = metrics[m]
        for p in (
            response(a.folder, design, ok, keys, inputs, texts, m, y, outdir),
            heatmap(design, ok, keys, inputs, texts, m, y, outdir),
            tornado(a.folder, m, outdir),
        ):
            if p:
                written.append(p)
    p = bands(a.folder, outdir)
    if p:
        written.append(p)
    for p in written:
        print(p)


if __name__ == "__main__":
    main()

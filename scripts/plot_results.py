#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Plots a dermasim result (.h5) as PNG figures for slides and reports.

    /usr/bin/python3 scripts/plot_results.py RESULT.h5 [--out DIR] [--species NAME ...]

Use Debian's /usr/bin/python3 (it has h5py, numpy and matplotlib); no display is needed.

Figures written (one set per run; species side by side):
  <stem>_where.png      where the drug is over time: vehicle, each skin layer, receptor, cleared to
                        blood / lymph, degraded, washed off, as % of the dose (stacked, and per
                        compartment on a log scale)
  <stem>_profiles.png   concentration against depth at several times: the lateral average
                        (area-weighted; ring areas in axisymmetric geometry) and, where the field is
                        not laterally uniform, the profile through the peak column (the axis r = 0
                        for an injection on the axis)
  <stem>_maps.png       2d / axisymmetric / 3d only: cross-sections of the concentration at a few
                        times (axisymmetric: mirrored about the axis; 3d: the vertical x-z slice
                        through the injection or the middle of y)
  <stem>_depth_time.png 1d only: concentration as a function of depth and time
  <stem>_hydration.png  with the injected fluid on: the papule's height over time (its halving time
                        marked), the excess water per layer, the HA remaining with its fitted
                        half-life, and (2d / axisymmetric / 3d) the surface raised across the skin

Units: concentrations in kg/m3 are shown as mg/mL (the same number), depth and lateral positions in
mm, time in min, h or d depending on the run length.
"""
import argparse
import os
import sys

import numpy as np

try:
    import h5py
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import colors as mcolors
except ImportError as e:  # pragma: no cover - environment problem
    sys.exit(
        f"plot_results.py: {e}. Run it with Debian's /usr/bin/python3 "
        "(apt-get install python3-h5py python3-matplotlib python3-numpy)."
    )


class NotAResult(Exception):
    pass


# --------------------------------------------------------------------------------------------------
# Reading


def _str(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray) and v.shape == ():
        return _str(v[()])
    return str(v)


def _strs(v):
    return [_str(s) for s in np.atleast_1d(v)]


def resolved_case_text(f):
    """The resolved case stored in a results file: the dataset /case (an attribute before issue 14)."""
    return _str(f["case"][()]) if "case" in f else _str(f.attrs.get("case", ""))


class Result:
    """The parts of a dermasim .h5 file that the plots need (all in SI units)."""

    def __init__(self, path):
        self.path = path
        try:
            f = h5py.File(path, "r")
        except FileNotFoundError:
            raise NotAResult(f"'{path}': no such file")
        except OSError as e:
            raise NotAResult(f"'{path}' is not an HDF5 file that can be read ({e}); give the .h5 file that dermasim run writes")
        with f:
            missing = [n for n in ("grid/x", "grid/y", "grid/z", "grid/layer", "scalars/time", "snapshots") if n not in f]
            missing += [f"attribute '{a}'" for a in ("geometry", "species", "amount_units") if a not in f.attrs]
            if missing:
                raise NotAResult(
                    f"'{path}' is not a dermasim result (missing: {', '.join(missing)}). "
                    "Give the .h5 written by 'dermasim run' (not the .xmf or .pvd)"
                )
            self.geometry = _str(f.attrs["geometry"])
            self.species = _strs(f.attrs["species"])
            self.amount_units = _str(f.attrs["amount_units"])
            self.version = _str(f.attrs.get("dermasim_version", "?"))
            self.name = os.path.splitext(os.path.basename(path))[0]
            # the resolved case: the dataset /case (an attribute before issue 14)
            case = resolved_case_text(f)
            for line in case.splitlines():
                if line.startswith("name:"):
                    self.name = line.split(":", 1)[1].strip() or self.name
                    break
            self.xn = f["grid/x"][()]
            self.yn = f["grid/y"][()]
            self.zn = f["grid/z"][()]
            self.layer = f["grid/layer"][()]
            self.layer_names = _strs(f["grid/layer"].attrs.get("names", []))
            self.nz, self.ny, self.nx = self.layer.shape
            self.t = f["scalars/time"][()]
            self.scalars = {}
            for s in self.species:
                d = {}
                if s in f["scalars"]:
                    g = f["scalars"][s]
                    for k, v in g.items():
                        if isinstance(v, h5py.Dataset):
                            d[k] = v[()]
                    if "layer" in g:
                        for k, v in g["layer"].items():
                            d["layer/" + k] = v[()]
                self.scalars[s] = d
            snaps = []
            for k, g in f["snapshots"].items():
                if "time" in g.attrs:
                    snaps.append((float(g.attrs["time"]), k))
            snaps.sort()
            self.snap_t = np.array([t for t, _ in snaps])
            self.snap_keys = [k for _, k in snaps]
            self._f = None
        self.zc = 0.5 * (self.zn[1:] + self.zn[:-1])
        self.xc = 0.5 * (self.xn[1:] + self.xn[:-1])
        self.yc = 0.5 * (self.yn[1:] + self.yn[:-1])
        if self.geometry == "axisymmetric":
            wx = np.pi * (self.xn[1:] ** 2 - self.xn[:-1] ** 2)
            wy = np.ones(self.ny)
        else:
            wx = np.diff(self.xn)
            wy = np.diff(self.yn)
        self.lat_w = np.outer(wy, wx)  # (ny, nx) area of each column
        # layer of each depth row and the depth of each layer interface
        rows = self.layer[:, 0, 0]
        self.layer_bounds = []  # (name, z_top, z_bottom)
        k = 0
        while k < self.nz:
            k2 = k
            while k2 + 1 < self.nz and rows[k2 + 1] == rows[k]:
                k2 += 1
            idx = int(rows[k])
            nm = self.layer_names[idx] if 0 <= idx < len(self.layer_names) else f"layer {idx}"
            self.layer_bounds.append((nm, self.zn[k], self.zn[k2 + 1]))
            k = k2 + 1

    def field(self, species, key):
        with h5py.File(self.path, "r") as f:
            return f["snapshots"][key][species][()]


# --------------------------------------------------------------------------------------------------
# Presentation helpers

# series in /scalars/<species> that are not compartments of their own: the vehicle's volume (m3, not an
# amount) and the solid deposit (part of `vehicle`, which counts dissolved + deposited)
NOT_COMPARTMENTS = {"vehicle_volume", "deposit"}
LABEL = {
    "vehicle": "on the skin (vehicle)",
    "washed": "washed off",
    "receptor": "through the skin (receptor / sink)",
    "cleared_blood": "removed by blood",
    "cleared_lymph": "removed by lymph",
    "cleared": "removed (blood + lymph)",
    "degraded": "degraded",
}
COLOR = {
    "vehicle": "#e6b422",
    "washed": "#9ecae1",
    "receptor": "#6a51a3",
    "cleared_blood": "#a50f15",
    "cleared_lymph": "#31a354",
    "cleared": "#a50f15",
    "degraded": "#636363",
}
# skin-like colours for the usual layer names; other layers get colours from a ramp
LAYER_COLOR = {
    "stratum_corneum": "#8c510a",
    "viable_epidermis": "#d8a47f",
    "epidermis": "#d8a47f",
    "papillary_dermis": "#f4a6a6",
    "reticular_dermis": "#de6b6b",
    "dermis": "#de6b6b",
    "hypodermis": "#fee391",
    "subcutis": "#fee391",
    "fat": "#fee391",
    "muscle": "#7f2704",
}


def pretty(name):
    return name.replace("_", " ")


def layer_color(name, i, n):
    if name in LAYER_COLOR:
        return LAYER_COLOR[name]
    return plt.get_cmap("copper")(0.2 + 0.7 * i / max(1, n - 1))


def time_unit(t_end):
    if t_end <= 2 * 3600:
        return 60.0, "min"
    if t_end <= 72 * 3600:
        return 3600.0, "h"
    return 86400.0, "d"


def fmt_time(t, scale, unit):
    v = t / scale
    if v == 0:
        return f"0 {unit}"
    if abs(v - round(v)) < 1e-6 * max(1, abs(v)):
        return f"{int(round(v))} {unit}"
    if v < 10:
        return f"{v:.3g} {unit}"
    return f"{v:.0f} {unit}"


def fmt_amount(kg, amount_units):
    """A dose in a readable unit: kg, kg/m2 (1d) or kg/m (2d) -> ug/mg, per cm2 or per mm."""
    if amount_units.startswith("kg/m2") or amount_units in ("kg/m^2", "kg m-2"):
        v, per = kg * 1e6 / 1e4, "/cm²"  # mg/cm2
        base = "mg"
    elif amount_units.startswith("kg/m"):
        v, per = kg * 1e6 / 1e3, "/mm"  # mg/mm
        base = "mg"
    else:
        v, per, base = kg * 1e6, "", "mg"
    for unit, f in (("g", 1e-3), ("mg", 1.0), ("µg", 1e3), ("ng", 1e6), ("pg", 1e9)):
        if abs(v * f) >= 1 or unit == "pg":
            return f"{v * f:.3g} {unit}{per}"
    return f"{v:.3g} {base}{per}"


def choose_times(snap_t, n, skip_zero=True):
    """About n snapshot indices, spaced geometrically in time (diffusion looks even that way)."""
    idx = [i for i, t in enumerate(snap_t) if (t > 0 or not skip_zero)]
    if not idx:
        return list(range(len(snap_t)))[-n:]
    ts = snap_t[idx]
    if len(idx) <= n:
        return idx
    t0, t1 = ts[0], ts[-1]
    targets = np.geomspace(t0, t1, n) if t0 > 0 else np.linspace(t0, t1, n)
    picked = []
    for tt in targets:
        j = idx[int(np.argmin(np.abs(np.log(ts) - np.log(tt))))] if t0 > 0 else idx[int(np.argmin(np.abs(ts - tt)))]
        if j not in picked:
            picked.append(j)
    return sorted(picked)


def save(fig, out_dir, fname, written):
    path = os.path.join(out_dir, fname)
    fig.savefig(path, dpi=150, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    written.append(path)


def suptitle(fig, r, text):
    fig.suptitle(f"{text}\n", fontsize=15, fontweight="bold", y=1.0)
    fig.text(0.5, 0.985 if False else 0.955, f"{pretty(r.name)}  ·  {r.geometry} geometry", ha="center", va="top",
             fontsize=10, color="0.35", transform=fig.transFigure)


# --------------------------------------------------------------------------------------------------
# (a) where is it


def compartments(r, s):
    """[(key, label, colour, series kg)] in the order they are stacked: outside-in, then losses."""
    d = r.scalars[s]
    out = []
    if "vehicle" in d:
        out.append(("vehicle", LABEL["vehicle"], COLOR["vehicle"], d["vehicle"]))
    for i, nm in enumerate(r.layer_names):
        if "layer/" + nm in d:
            out.append(("layer/" + nm, "in " + pretty(nm), layer_color(nm, i, len(r.layer_names)), d["layer/" + nm]))
    if "receptor" in d:
        out.append(("receptor", LABEL["receptor"], COLOR["receptor"], d["receptor"]))
    if "cleared_blood" in d or "cleared_lymph" in d:
        for k in ("cleared_blood", "cleared_lymph"):
            if k in d:
                out.append((k, LABEL[k], COLOR[k], d[k]))
    elif "cleared" in d:
        out.append(("cleared", LABEL["cleared"], COLOR["cleared"], d["cleared"]))
    if "degraded" in d:
        out.append(("degraded", LABEL["degraded"], COLOR["degraded"], d["degraded"]))
    if "washed" in d:
        out.append(("washed", LABEL["washed"], COLOR["washed"], d["washed"]))
    known = {k for k, *_ in out} | {"applied", "balance_error", "cleared"} | NOT_COMPARTMENTS
    for k, v in d.items():  # any other loss channel a model adds
        if k not in known and not k.startswith("layer/"):
            out.append((k, pretty(k), None, v))
    return out


def plot_where(r, species, out_dir, written):
    scale, unit = time_unit(r.t[-1])
    tt = r.t / scale
    n = len(species)
    fig, axes = plt.subplots(2, n, figsize=(6.4 * n + 2.8, 8.6), squeeze=False, sharex=True,
                             gridspec_kw={"height_ratios": [1.25, 1]})
    handles = {}
    for c, s in enumerate(species):
        d = r.scalars[s]
        applied = d.get("applied")
        dose = float(np.max(applied)) if applied is not None and len(applied) else 0.0
        ax_s, ax_l = axes[0, c], axes[1, c]
        if dose <= 0:
            ax_s.text(0.5, 0.5, "nothing applied", ha="center", va="center", transform=ax_s.transAxes)
            ax_s.set_title(pretty(s), fontsize=13, fontweight="bold")
            continue
        comps = [(k, lab, col, 100.0 * v / dose) for k, lab, col, v in compartments(r, s)]
        # stacked: every compartment that ever holds at least 0.05 % of the dose
        shown = [cmp for cmp in comps if np.max(np.abs(cmp[3])) >= 0.05]
        stack = ax_s.stackplot(tt, *[np.clip(p, 0, None) for _, _, _, p in shown],
                               colors=[col for _, _, col, _ in shown], labels=[lab for _, lab, _, _ in shown],
                               linewidth=0.3, edgecolor="white")
        for poly, (k, lab, _, _) in zip(stack, shown):
            handles.setdefault(lab, poly)
        ax_s.set_ylim(0, 100 * max(1.0, np.max(applied) / dose) * 1.001)
        ax_s.set_xlim(tt[0], tt[-1])
        ax_s.set_title(f"{pretty(s)}  (dose {fmt_amount(dose, r.amount_units)})", fontsize=13, fontweight="bold")
        ax_s.set_ylabel("% of dose (stacked)", fontsize=11)
        ax_s.grid(alpha=0.25)
        # log lines: each compartment on its own, so small amounts are visible too
        for k, lab, col, p in comps:
            if np.max(np.abs(p)) < 1e-4:
                continue
            (ln,) = ax_l.plot(tt, np.where(p > 0, p, np.nan), color=col, lw=2.2, label=lab)
            handles.setdefault(lab, ln)
        ax_l.set_yscale("log")
        ax_l.set_ylim(1e-3, 150)
        ax_l.set_yticks([1e-3, 1e-2, 1e-1, 1, 10, 100])
        ax_l.set_yticklabels(["0.001", "0.01", "0.1", "1", "10", "100"])
        ax_l.set_ylabel("% of dose (log scale)", fontsize=11)
        ax_l.set_xlabel(f"time ({unit})", fontsize=11)
        ax_l.grid(alpha=0.25, which="both")
        err = d.get("balance_error")
        if err is not None and len(err):
            rel = float(np.max(np.abs(err))) / dose
            ax_l.text(0.99, 0.02, f"mass balance error ≤ {rel:.1e} of dose", transform=ax_l.transAxes,
                      ha="right", va="bottom", fontsize=8, color="0.4")
    # one legend for all panels, in stacking order
    order = []
    for s in species:
        for k, lab, col, v in compartments(r, s):
            if lab in handles and lab not in order:
                order.append(lab)
    fig.legend([handles[l] for l in order], order, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=11,
               frameon=False, title="where the drug is", title_fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    suptitle(fig, r, "Where is the drug?  Amounts as % of the dose")
    save(fig, out_dir, f"{r.stem}_where.png", written)


# --------------------------------------------------------------------------------------------------
# (b) depth profiles


def lateral_mean(r, c):
    """Area-weighted lateral average per depth row; c has shape (nz, ny, nx)."""
    w = r.lat_w
    return (c * w[None, :, :]).sum(axis=(1, 2)) / w.sum()


def peak_column(r, c):
    """(j, i) of the column holding the most drug (per unit area), or None if laterally uniform."""
    dz = np.diff(r.zn)
    col = (c * dz[:, None, None]).sum(axis=0)  # (ny, nx)
    if col.max() <= 0:
        return None
    if (col.max() - col.min()) <= 1e-3 * col.max():
        return None
    j, i = np.unravel_index(int(np.argmax(col)), col.shape)
    return int(j), int(i)


def column_label(r, j, i):
    if r.geometry == "axisymmetric":
        return "on the axis (r = 0)" if i == 0 else f"at r = {r.xc[i] * 1e3:.2f} mm"
    if r.geometry == "2d":
        return f"at x = {r.xc[i] * 1e3:.2f} mm"
    return f"at x = {r.xc[i] * 1e3:.2f}, y = {r.yc[j] * 1e3:.2f} mm"


def sqrt_depth_axis(ax, zmax_mm):
    ax.set_yscale("function", functions=(lambda z: np.sqrt(np.clip(z, 0, None)), lambda s: np.square(s)))
    ticks = []
    for t in (0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 3, 5, 10, 20, 50):
        # keep ticks at least 5 % of the axis apart (on the sqrt scale)
        if t <= zmax_mm * 1.0001 and (not ticks or np.sqrt(t) - np.sqrt(ticks[-1]) >= 0.05 * np.sqrt(zmax_mm)):
            ticks.append(t)
    ax.set_yticks(ticks)
    ax.set_yticklabels([f"{t:g}" for t in ticks])
    ax.set_ylim(zmax_mm, 0)


def draw_layers(ax, r, zmax_mm, label=True, text_x=1.015):
    for n, (nm, z0, z1) in enumerate(r.layer_bounds):
        z0m, z1m = z0 * 1e3, min(z1 * 1e3, zmax_mm)
        if z0m >= zmax_mm:
            break
        ax.axhspan(z0m, z1m, color=layer_color(nm, n, len(r.layer_bounds)), alpha=0.13, lw=0, zorder=0)
        ax.axhline(z0m, color="0.6", lw=0.6, zorder=1)
        if label:
            # the label goes in the middle of the band, on the sqrt axis, if the band is tall enough
            s0, s1 = np.sqrt(z0m), np.sqrt(z1m)
            if (s1 - s0) / np.sqrt(zmax_mm) > 0.045:
                ax.text(text_x, (0.5 * (s0 + s1)) ** 2, pretty(nm), transform=ax.get_yaxis_transform(),
                        ha="left" if text_x > 1 else "right", va="center", fontsize=9, color="0.3", style="italic",
                        zorder=5)


def plot_profiles(r, species, out_dir, written):
    scale, unit = time_unit(r.t[-1])
    picks = choose_times(r.snap_t, 6)
    cmap = plt.get_cmap("viridis")
    n = len(species)
    fig, axes = plt.subplots(1, n, figsize=(6.6 * n, 7.6), squeeze=False)
    any_col = False
    handles, labels = [], []
    for c, s in enumerate(species):
        ax = axes[0, c]
        prof, axis_prof, cmax, zdeep = [], [], 0.0, 0.0
        col = None
        for p in picks:
            f = r.field(s, r.snap_keys[p])
            m = lateral_mean(r, f)
            pc = peak_column(r, f)
            if col is None and pc is not None:
                col = pc
            prof.append(m)
            axis_prof.append(f)
            cmax = max(cmax, float(m.max()), float(f.max()))
        if cmax <= 0:
            ax.text(0.5, 0.5, "no drug in the skin at these times", ha="center", va="center", transform=ax.transAxes)
            ax.set_title(pretty(s), fontsize=13, fontweight="bold")
            continue
        floor = cmax * 1e-5
        for m, f in zip(prof, axis_prof):
            curves = [m] + ([f[:, col[0], col[1]]] if col is not None else [])
            for cv in curves:
                above = np.nonzero(cv > 1e-3 * max(cv.max(), 1e-300))[0]
                if len(above):
                    zdeep = max(zdeep, r.zn[above[-1] + 1])
        # show down to where the drug is, never less than the top 0.1 mm, plus a margin
        zmax_mm = min(r.zn[-1], max(zdeep * 1.15, 1e-4)) * 1e3
        use_log = True
        for n_, p in enumerate(picks):
            color = cmap(n_ / max(1, len(picks) - 1) * 0.92)
            lab = fmt_time(r.snap_t[p], scale, unit)
            cut = lambda v: np.where(v >= floor, v, np.nan)  # noqa: E731 - a curve ends where it drops below
            ax.plot(cut(prof[n_]), r.zc * 1e3, color=color, lw=2.4, label=lab, drawstyle="steps-mid")
            if col is not None:
                ax.plot(cut(axis_prof[n_][:, col[0], col[1]]), r.zc * 1e3, color=color, lw=1.5, ls="--",
                        drawstyle="steps-mid")
                any_col = True
        if use_log:
            ax.set_xscale("log")
            ax.set_xlim(floor, cmax * 2)
        sqrt_depth_axis(ax, zmax_mm)
        draw_layers(ax, r, zmax_mm)
        ax.set_xlabel("concentration (mg/mL, log scale)", fontsize=11)
        if c == 0:
            ax.set_ylabel("depth below the skin surface (mm, square-root scale)", fontsize=11)
        ax.set_title(pretty(s), fontsize=13, fontweight="bold")
        ax.grid(alpha=0.25, which="major")
        if col is not None:
            ax.text(0.01, 0.01, "dashed: " + column_label(r, *col), transform=ax.transAxes, fontsize=9, color="0.25",
                    ha="left", va="bottom", bbox=dict(boxstyle="round,pad=0.25", fc="white", ec="0.8", alpha=0.9))
        handles, labels = ax.get_legend_handles_labels()
    from matplotlib.lines import Line2D

    extra_h, extra_l = [], []
    if any_col:
        avg = "solid: average over the width" if r.geometry == "2d" else "solid: average over the surface"
        extra_h = [Line2D([], [], color="0.3", lw=2.4), Line2D([], [], color="0.3", lw=1.5, ls="--")]
        extra_l = [avg, "dashed: through the peak"]
    fig.legend(handles + extra_h, labels + extra_l, loc="lower center", ncol=len(labels) + len(extra_l),
               fontsize=10, title="time", title_fontsize=10.5, frameon=False, bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, 0.07, 1, 0.92))
    suptitle(fig, r, "How deep does it go?  Concentration against depth")
    save(fig, out_dir, f"{r.stem}_profiles.png", written)


# --------------------------------------------------------------------------------------------------
# (c) maps


def slice_for_maps(r, species):
    """For 3d: the y row through the injection (peak column of any species), else the middle row."""
    if r.geometry != "3d":
        return 0
    for s in species:
        for p in range(len(r.snap_keys)):
            f = r.field(s, r.snap_keys[p])
            pc = peak_column(r, f)
            if pc is not None:
                return pc[0]
    return r.ny // 2


def amounts_at(r, s, t):
    """% of the dose on the skin, in the skin, removed (blood, lymph, degraded, receptor) and washed off at time t."""
    d = r.scalars[s]
    applied = d.get("applied")
    if applied is None or not len(applied) or np.max(applied) <= 0:
        return None
    dose = float(np.max(applied))

    def at(k):
        return float(np.interp(t, r.t, d[k])) if k in d else 0.0

    skin = sum(at("layer/" + nm) for nm in r.layer_names)
    gone = at("receptor") + at("degraded") + (at("cleared_blood") + at("cleared_lymph")
                                               if ("cleared_blood" in d or "cleared_lymph" in d) else at("cleared"))
    out = {"on the skin": at("vehicle"), "in the skin": skin, "removed": gone, "washed off": at("washed")}
    return {k: 100.0 * v / dose for k, v in out.items()}


def fmt_pct(p):
    if p >= 9.95:
        return f"{p:.0f} %"
    if p >= 0.095:
        return f"{p:.1f} %"
    if p >= 0.001:
        return f"{p:.2g} %"
    return "<0.001 %" if p > 0 else "0 %"


def section_x_mm(r):
    """Lateral cell edges (mm) of a vertical section; axisymmetric results are mirrored about the axis."""
    return (np.concatenate([-r.xn[:0:-1], r.xn]) if r.geometry == "axisymmetric" else r.xn) * 1e3


def mirrored(r, f):
    """A (nz, nx) section on the edges of section_x_mm: mirrored about the axis in axisymmetric geometry."""
    return np.concatenate([f[:, ::-1], f], axis=1) if r.geometry == "axisymmetric" else f


def map_depth_mm(r, sections):
    """Depth (mm) a map shows: where the drug gets to (1e-4 of the peak) in any of the (section, peak)
    pairs, and at least the bottom of the dermis."""
    zdeep = 0.0
    for f, vmax in sections:
        if vmax > 0:
            rows = np.nonzero(f.max(axis=1) > 1e-4 * vmax)[0]
            if len(rows):
                zdeep = max(zdeep, r.zn[rows[-1] + 1])
    for nm, z0, z1 in r.layer_bounds:
        if "dermis" in nm and "hypo" not in nm:
            zdeep = max(zdeep, z1)
    return min(r.zn[-1] * 1e3, max(zdeep * 1e3 * 1.1, 0.2))


def label_layers_inside(ax, r, zmax, depth_scale="sqrt", fontsize=7.5):
    """Layer names inside a map, on its left edge, where the band is tall enough."""
    for nm, z0, z1 in r.layer_bounds:
        z0m, z1m = z0 * 1e3, min(z1 * 1e3, zmax)
        if z0m >= zmax:
            continue
        if depth_scale == "sqrt":
            frac, zc = (np.sqrt(z1m) - np.sqrt(z0m)) / np.sqrt(zmax), (0.5 * (np.sqrt(z0m) + np.sqrt(z1m))) ** 2
        else:
            frac, zc = (z1m - z0m) / zmax, 0.5 * (z0m + z1m)
        if frac > 0.09:
            ax.text(0.008, zc, pretty(nm), transform=ax.get_yaxis_transform(), fontsize=fontsize, color="0.3",
                    va="center", ha="left", style="italic",
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.6))


def plot_maps(r, species, out_dir, written, depth_scale="sqrt"):
    scale, unit = time_unit(r.t[-1])
    picks = choose_times(r.snap_t, 4)
    j = slice_for_maps(r, species)
    n = len(species)
    axi = r.geometry == "axisymmetric"
    xe = section_x_mm(r)
    ze = r.zn * 1e3
    fields, vmax = {}, {}
    for s in species:
        vmax[s] = 0.0
        for p in picks:
            f = r.field(s, r.snap_keys[p])[:, j, :]
            fields[(s, p)] = f
            vmax[s] = max(vmax[s], float(f.max()))
    zmax = map_depth_mm(r, [(f, vmax[s]) for (s, p), f in fields.items()])
    width = xe[-1] - xe[0]
    if depth_scale == "sqrt":
        ratio = 0.42
    else:
        ratio = float(np.clip(zmax / width, 0.25, 1.0))
    panel_w = 6.0 if n > 1 else 8.0
    panel_h = panel_w * ratio
    nrow = len(picks)
    fig = plt.figure(figsize=(n * (panel_w + 1.9) + 0.9, nrow * (panel_h + 0.75) + 1.4))
    gs = fig.add_gridspec(nrow, 3 * n - 1, width_ratios=([1, 0.03, 0.3] * n)[:-1], hspace=0.32, wspace=0.04,
                          left=0.07, right=0.9 if n == 1 else 0.93, top=1 - 1.25 / fig.get_figheight(),
                          bottom=0.55 / fig.get_figheight())
    for c, s in enumerate(species):
        norm = mcolors.LogNorm(vmin=max(vmax[s], 1e-300) * 1e-4, vmax=max(vmax[s], 1e-300))
        cmap = plt.get_cmap("magma_r").copy()
        cmap.set_under("white")
        im = None
        for rr, p in enumerate(picks):
            ax = fig.add_subplot(gs[rr, 3 * c])
            data = mirrored(r, fields[(s, p)])
            im = ax.pcolormesh(xe, ze, np.ma.masked_less_equal(data, 0), norm=norm, cmap=cmap, shading="flat",
                               rasterized=True)
            if depth_scale == "sqrt":
                sqrt_depth_axis(ax, zmax)
            else:
                ax.set_ylim(zmax, 0)
            for nm, z0, z1 in r.layer_bounds[1:]:
                if z0 * 1e3 < zmax:
                    ax.axhline(z0 * 1e3, color="0.55", lw=0.7, ls=(0, (4, 3)))
            ax.axhline(0, color="#8c510a", lw=2.5, clip_on=False)
            ax.set_xlim(xe[0], xe[-1])
            if axi:
                ax.axvline(0, color="0.7", lw=0.6, ls=":")
            ax.set_title(f"{pretty(s)}  ·  t = {fmt_time(r.snap_t[p], scale, unit)}", fontsize=12,
                         fontweight="bold", loc="left")
            am = amounts_at(r, s, r.snap_t[p])
            if am:
                parts = [f"{k} {fmt_pct(v)}" for k, v in am.items() if v >= 0.001 or k == "in the skin"]
                ax.text(0.99, 0.04, "   ".join(parts), transform=ax.transAxes, ha="right", va="bottom", fontsize=9,
                        color="0.15", bbox=dict(boxstyle="round,pad=0.3", fc="white", ec="0.75", alpha=0.85))
            if c == 0:
                ax.set_ylabel("depth (mm" + (", sqrt scale)" if depth_scale == "sqrt" else ")"), fontsize=10.5)
            else:
                ax.set_yticklabels([])
            if rr == nrow - 1:
                ax.set_xlabel("distance from the axis (mm)" if axi else "x (mm)", fontsize=10.5)
            else:
                ax.set_xticklabels([])
            label_layers_inside(ax, r, zmax, depth_scale)
        cax = fig.add_subplot(gs[:, 3 * c + 1])
        cb = fig.colorbar(im, cax=cax, extend="min")
        cb.set_label(f"{pretty(s)}: concentration (mg/mL)", fontsize=10.5)
    where = ""
    if r.geometry == "3d":
        where = f" (vertical slice at y = {r.yc[j] * 1e3:.2f} mm)"
    elif axi:
        where = " (cross-section through the axis)"
    fig.suptitle(f"Where is the drug in the skin?{where}", fontsize=15, fontweight="bold",
                 y=1 - 0.15 / fig.get_figheight())
    sub = f"{pretty(r.name)}  ·  {r.geometry} geometry  ·  white: below 1/10 000 of the peak"
    if depth_scale == "sqrt":
        sub += "  ·  depth on a square-root scale so thin top layers show"
    fig.text(0.5, 1 - 0.62 / fig.get_figheight(), sub, ha="center", va="top", fontsize=10, color="0.35")
    save(fig, out_dir, f"{r.stem}_maps.png", written)


def plot_depth_time(r, species, out_dir, written):
    scale, unit = time_unit(r.t[-1])
    n = len(species)
    fig, axes = plt.subplots(1, n, figsize=(6.4 * n + 1, 5.4), squeeze=False)
    te = np.concatenate([r.snap_t[:1], 0.5 * (r.snap_t[1:] + r.snap_t[:-1]), r.snap_t[-1:]]) / scale
    for c, s in enumerate(species):
        ax = axes[0, c]
        data = np.array([lateral_mean(r, r.field(s, k)) for k in r.snap_keys]).T  # (nz, nt)
        vmax = float(data.max())
        if vmax <= 0 or len(r.snap_t) < 2:
            ax.text(0.5, 0.5, "no drug in the skin", ha="center", va="center", transform=ax.transAxes)
            continue
        rows = np.nonzero(data.max(axis=1) > 1e-4 * vmax)[0]
        zmax = min(r.zn[-1], max(r.zn[rows[-1] + 1] * 1.15, 1e-4)) * 1e3
        cmap = plt.get_cmap("magma_r").copy()
        cmap.set_under("white")
        im = ax.pcolormesh(te, r.zn * 1e3, np.ma.masked_less_equal(data, 0), cmap=cmap,
                           norm=mcolors.LogNorm(vmin=vmax * 1e-4, vmax=vmax), shading="flat", rasterized=True)
        sqrt_depth_axis(ax, zmax)
        for nm, z0, z1 in r.layer_bounds[1:]:
            if z0 * 1e3 < zmax:
                ax.axhline(z0 * 1e3, color="0.5", lw=0.6, ls=(0, (4, 3)))
        draw_layers(ax, r, zmax, label=True)
        ax.set_xlabel(f"time ({unit})", fontsize=11)
        if c == 0:
            ax.set_ylabel("depth (mm, square-root scale)", fontsize=11)
        ax.set_title(pretty(s), fontsize=13, fontweight="bold")
        fig.colorbar(im, ax=ax, extend="min", pad=0.22).set_label("concentration (mg/mL)", fontsize=10.5)
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    suptitle(fig, r, "Concentration against depth and time")
    save(fig, out_dir, f"{r.stem}_depth_time.png", written)


# --------------------------------------------------------------------------------------------------
# (e) the papule, the water and the HA

def plot_hydration(r, out_dir, written):
    """Papule height, excess water per layer, HA remaining and the raised surface (fluid runs)."""
    with h5py.File(r.path, "r") as f:
        sc = f["scalars"]
        if "papule" not in sc:
            return
        pap = sc["papule"]
        height = pap["height"][()]
        halving = float(pap.attrs.get("halving_time", np.nan))
        peak_t = float(pap.attrs.get("peak_time", np.nan))
        excess = {}
        if "hydration" in sc:
            for nm, g in sc["hydration"].items():
                excess[nm] = g["excess"][()]
        ha = sc["ha_remaining"][()] if "ha_remaining" in sc else None
        ha_half = float(sc["ha_remaining"].attrs.get("half_life", np.nan)) if ha is not None else np.nan
        ha_fit0 = float(sc["ha_remaining"].attrs.get("fit_start", np.nan)) if ha is not None else np.nan
        ha_fit_y0 = float(sc["ha_remaining"].attrs.get("fit_start_value", np.nan)) if ha is not None else np.nan
        elev = []
        for k, t in zip(r.snap_keys, r.snap_t):
            g = f["snapshots"][k]
            if "surface_elevation" in g:
                elev.append((t, g["surface_elevation"][()].reshape(r.ny, r.nx)))
    scale, unit = time_unit(r.t[-1])
    tt = r.t / scale
    panels = 2 + (ha is not None) + (r.geometry in ("2d", "axisymmetric", "3d") and len(elev) > 0)
    fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 4.4))
    ax = axes[0]
    ax.plot(tt, height * 1e6, color="tab:blue", lw=1.8)
    ax.set_xlabel(f"time ({unit})")
    ax.set_ylabel("papule height (µm)")
    ax.set_title("Surface raised (largest)", fontweight="bold")
    if np.isfinite(halving) and np.isfinite(peak_t):
        ax.axvline((peak_t + halving) / scale, color="0.5", ls=":", lw=1)
        when = f"{halving:.2g} s" if halving < 60 else fmt_time(halving, *time_unit(halving))
        ax.text(0.98, 0.95, f"halves {when} after the peak", ha="right", va="top",
                transform=ax.transAxes, fontsize=9, color="0.3")
    ax = axes[1]
    order = [nm for nm, _, _ in r.layer_bounds if nm in excess]  # top to bottom
    n = len(order)
    for i, nm in enumerate(order):
        v = excess[nm]
        ax.plot(tt, v / 1e-5, lw=1.6, color=layer_color(nm, i, n), label=pretty(nm))  # m3/m2 -> uL/cm2
    ax.set_xlabel(f"time ({unit})")
    ax.set_ylabel("excess water (µL per cm² of skin)")
    ax.set_title("Extra water held, per layer", fontweight="bold")
    if n:
        ax.legend(fontsize=8.5, frameon=False)
    k = 2
    if ha is not None:
        ax = axes[k]
        k += 1
        ax.plot(tt, ha, color="tab:purple", lw=1.8, label="in the tissue")
        if np.isfinite(ha_half) and np.isfinite(ha_fit0):
            i0 = int(np.searchsorted(r.t, ha_fit0))
            fit = ha_fit_y0 * np.exp(-np.log(2) * (r.t[i0:] - ha_fit0) / ha_half)
            ax.plot(tt[i0:], fit, color="0.4", ls="--", lw=1,
                    label=f"fitted half-life {fmt_time(ha_half, *time_unit(ha_half))}")
        ax.set_ylim(0, 105)
        ax.set_xlabel(f"time ({unit})")
        ax.set_ylabel("HA remaining (% of applied)")
        ax.set_title("Hyaluronic acid", fontweight="bold")
        ax.legend(fontsize=8.5, frameon=False)
    if k < panels:
        ax = axes[k]
        idx = choose_times(np.array([t for t, _ in elev]), 5)
        cmap = plt.get_cmap("viridis")
        for j, i in enumerate(idx):
            t, e = elev[i]
            prof = e[0, :] if r.geometry != "3d" else e[int(np.argmax(e.max(axis=1))), :]
            x = r.xc * 1e3
            if r.geometry == "axisymmetric":
                x = np.concatenate([-x[::-1], x])
                prof = np.concatenate([prof[::-1], prof])
            ax.plot(x, prof * 1e6, color=cmap(j / max(1, len(idx) - 1)), lw=1.6, label=fmt_time(t, scale, unit))
        ax.set_xlabel("position across the skin (mm)")
        ax.set_ylabel("surface raised (µm)")
        ax.set_title("The papule seen from the side", fontweight="bold")
        ax.legend(fontsize=8.5, frameon=False, title="time", title_fontsize=8.5)
    fig.tight_layout(rect=(0, 0, 1, 0.88))
    suptitle(fig, r, "The papule, the water and the HA")
    save(fig, out_dir, f"{r.stem}_hydration.png", written)


# --------------------------------------------------------------------------------------------------


def main(argv=None):
    ap = argparse.ArgumentParser(description="Plot a dermasim result (.h5) as PNG figures.")
    ap.add_argument("result", help="the .h5 file written by 'dermasim run'")
    ap.add_argument("--out", help="folder for the PNGs (default: <stem>_plots next to the result)")
    ap.add_argument("--species", nargs="+", metavar="NAME", help="only these species (default: all)")
    ap.add_argument("--map-depth", choices=("sqrt", "linear"), default="sqrt",
                    help="depth axis of the maps: sqrt (default; thin top layers visible) or linear (true shape)")
    a = ap.parse_args(argv)
    try:
        r = Result(a.result)
    except NotAResult as e:
        print(f"plot_results.py: {e}", file=sys.stderr)
        return 2
    r.stem = os.path.splitext(os.path.basename(a.result))[0]
    species = r.species
    if a.species:
        unknown = [s for s in a.species if s not in r.species]
        if unknown:
            print(f"plot_results.py: no species {', '.join(unknown)} in '{a.result}'; it has: {', '.join(r.species)}",
                  file=sys.stderr)
            return 2
        species = a.species
    if not r.snap_keys:
        print(f"plot_results.py: '{a.result}' has no snapshots", file=sys.stderr)
        return 2
    out_dir = a.out or os.path.join(os.path.dirname(os.path.abspath(a.result)), r.stem + "_plots")
    os.makedirs(out_dir, exist_ok=True)
    plt.rcParams.update({"font.size": 10.5, "axes.spines.top": False, "axes.spines.right": False})
    written = []
    plot_where(r, species, out_dir, written)
    plot_profiles(r, species, out_dir, written)
    if r.geometry in ("2d", "axisymmetric", "3d") and (r.nx > 1 or r.ny > 1):
        plot_maps(r, species, out_dir, written, a.map_depth)
    elif len(r.snap_t) >= 3:
        plot_depth_time(r, species, out_dir, written)
    plot_hydration(r, out_dir, written)
    for p in written:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())

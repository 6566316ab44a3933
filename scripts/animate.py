#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Animates a dermasim result (.h5): the concentration field over time, for a class or a slide.

    /usr/bin/python3 scripts/animate.py RESULT.h5 [--species NAME] --out MOVIE.mp4 [--gif MOVIE.gif] [--poster FRAME.png]
    /usr/bin/python3 scripts/animate.py A.h5 B.h5 --out SIDE.mp4 ...            two runs side by side
    /usr/bin/python3 scripts/animate.py RESULT.h5 --species A B --out SIDE.mp4   two species of one run

One frame per output snapshot (/snapshots in the .h5; side by side: per output time of either run, up to
the end of the shorter). Each frame shows:
  - the concentration (mg/mL) on a log colour scale fixed for the whole movie (from the peak over all
    frames, and over both runs side by side, down to 1/10 000 of it), as a vertical section through the
    skin (axisymmetric: mirrored about the axis; 3d: the x-z section through the injection), or in 1d
    as a depth profile; the layers drawn and named; depth on a square-root scale so the thin top layers show;
  - a clock;
  - where the dose is, as % of the dose, stacked by compartment (each layer, on the skin, removed by
    blood and lymph, ...), drawn up to the frame's time, so that it grows as the movie plays.
The MP4 (H.264, for browsers and presentation software) is encoded by ffmpeg (Debian package ffmpeg);
the GIF (3/4 size, for slides) by Pillow. Use Debian's /usr/bin/python3 (h5py, numpy, matplotlib, PIL).
"""
import argparse
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot_results as pr  # noqa: E402  (the readers and drawing helpers of the static plots)

np = pr.np
plt = pr.plt
mcolors = pr.mcolors

DPI = 100
GIF_SCALE = 3  # the GIF is GIF_SCALE/4 of the movie's size (960 x 480 px for a single run)


def fmt_clock(t):
    """A clock reading: 45 s, 12 min, 5 h 20 min, 2 d 3 h."""
    t = float(t)
    if t < 60:
        return f"{t:.0f} s"
    if t < 3600:
        return f"{t / 60:.0f} min"
    if t < 2 * 86400:
        h, m = divmod(int(round(t / 60)), 60)
        return f"{h} h" if m == 0 else f"{h} h {m:02d} min"
    d, h = divmod(int(round(t / 3600)), 24)
    return f"{d} d" if h == 0 else f"{d} d {h} h"


def frame_times(panels):
    """Frame times: every snapshot time of any run, up to the end of the shortest run."""
    end = min(p.r.snap_t[-1] for p in panels)
    ts = np.unique(np.concatenate([p.r.snap_t for p in panels]))
    return ts[ts <= end * (1 + 1e-12)]


def dose_of(r, s):
    applied = r.scalars[s].get("applied")
    return float(np.max(applied)) if applied is not None and len(applied) else 0.0


class Panel:
    """One run and one species: its field at every snapshot (a vertical section, or the lateral mean in 1d)."""

    def __init__(self, r, species, label=None):
        self.r, self.s = r, species
        self.label = label or pr.pretty(r.name)
        self.profile = r.geometry == "1d" or (r.nx == 1 and r.ny == 1)
        self.j = pr.slice_for_maps(r, [species])
        self.frames = []
        for k in r.snap_keys:
            f = r.field(species, k)
            self.frames.append(pr.lateral_mean(r, f)[:, None] if self.profile else f[:, self.j, :])
        self.vmax = max(float(f.max()) for f in self.frames)
        self.dose = dose_of(r, species)

    def index_at(self, t):
        """The last snapshot at or before t."""
        return int(max(0, np.searchsorted(self.r.snap_t, t * (1 + 1e-12) + 1e-9, side="right") - 1))

    # ---------------------------------------------------------------------------------------------

    def draw_field(self, ax, norm, zmax, cmap, first_col=True, fontsize=10, layer_names=True):
        r = self.r
        if self.profile:
            ax.set_xscale("log")
            ax.set_xlim(norm.vmin, norm.vmax * 2)
            pr.sqrt_depth_axis(ax, zmax)
            pr.draw_layers(ax, r, zmax, label=layer_names)  # names right of the axes
            (self.line,) = ax.plot([], [], color="#7a0177", lw=2.6, drawstyle="steps-mid")
            ax.set_xlabel("concentration (mg/mL, log scale)", fontsize=fontsize)
            ax.grid(alpha=0.25, which="major")
        else:
            xe = pr.section_x_mm(r)
            self.mesh = ax.pcolormesh(xe, r.zn * 1e3, np.ma.masked_less_equal(pr.mirrored(r, self.frames[0]), 0),
                                      norm=norm, cmap=cmap, shading="flat", rasterized=True)
            pr.sqrt_depth_axis(ax, zmax)
            for nm, z0, z1 in r.layer_bounds[1:]:
                if z0 * 1e3 < zmax:
                    ax.axhline(z0 * 1e3, color="0.5", lw=0.7, ls=(0, (4, 3)))
            ax.axhline(0, color="#8c510a", lw=2.5, clip_on=False)
            ax.set_xlim(xe[0], xe[-1])
            pr.label_layers_inside(ax, r, zmax, "sqrt", fontsize=8.5)
            axi = r.geometry == "axisymmetric"
            where = {"axisymmetric": "distance from the injection axis (mm)", "3d": f"x (mm), section at y = {r.yc[self.j] * 1e3:.1f} mm"}
            ax.set_xlabel(where.get(r.geometry, "x (mm)"), fontsize=fontsize)
            if axi:
                ax.axvline(0, color="0.7", lw=0.6, ls=":")
        if first_col:
            ax.set_ylabel("depth below the surface (mm, sqrt scale)", fontsize=fontsize)

    def update_field(self, t):
        i = self.index_at(t)
        f = self.frames[i]
        if self.profile:
            v = f[:, 0]
            self.line.set_data(np.where(v > 0, v, np.nan), self.r.zc * 1e3)
        else:
            self.mesh.set_array(np.ma.masked_less_equal(pr.mirrored(self.r, f), 0).ravel())

    # ---------------------------------------------------------------------------------------------

    def draw_amounts(self, ax, t_end, scale, unit, legend_ax=None, fontsize=9):
        """Stacked % of the dose by compartment; a white curtain hides what has not happened yet."""
        r, s = self.r, self.s
        tt = r.t / scale
        if self.dose <= 0:
            ax.text(0.5, 0.5, "nothing applied", ha="center", va="center", transform=ax.transAxes)
            self.curtain = None
            return
        comps = [(lab, col, 100.0 * v / self.dose) for k, lab, col, v in pr.compartments(r, s)]
        shown = [c for c in comps if np.max(np.abs(c[2])) >= 0.05]
        greys = iter(["#bdbdbd", "#969696", "#737373", "#525252"] * 4)
        cols = [c if c is not None else next(greys) for _, c, _ in shown]
        polys = ax.stackplot(tt, *[np.clip(p, 0, None) for _, _, p in shown], colors=cols,
                             labels=[lab for lab, _, _ in shown], linewidth=0.3, edgecolor="white")
        ax.set_xlim(0, t_end / scale)
        ax.set_ylim(0, 100.5)
        ax.set_ylabel("% of the dose", fontsize=fontsize)
        ax.set_xlabel(f"time ({unit})", fontsize=fontsize)
        ax.tick_params(labelsize=fontsize - 0.5)
        self.curtain = ax.axvspan(0, t_end / scale * 1.02, color="white", zorder=3, lw=0, clip_on=False)
        self.now = ax.axvline(0, color="0.15", lw=1.2, zorder=4)
        self.scale = scale
        self.t_end = t_end
        if legend_ax is not None:
            legend_ax.axis("off")
            # top of the skin first, as stacked from the bottom up: reverse for reading
            legend_ax.legend(polys[::-1], [lab for lab, _, _ in shown][::-1], loc="upper left", fontsize=fontsize,
                             frameon=False, ncol=1, borderaxespad=0, handlelength=1.2, labelspacing=0.35)

    def update_amounts(self, t):
        if self.curtain is None:
            return
        x0 = t / self.scale
        x1 = self.t_end / self.scale * 1.02
        self.curtain.set_xy([[x0, 0], [x0, 1], [x1, 1], [x1, 0], [x0, 0]])
        self.now.set_xdata([x0, x0])

    def in_skin_text(self, t):
        am = pr.amounts_at(self.r, self.s, t)
        if not am:
            return ""
        parts = [f"{k} {pr.fmt_pct(v)}" for k, v in am.items() if v >= 0.001 or k == "in the skin"]
        return "   ".join(parts)


def dose_text(p):
    return f"{pr.pretty(p.s)}, dose {pr.fmt_amount(p.dose, p.r.amount_units)}"


def build_figure(panels, title):
    """The figure and its per-frame update function. One panel: map left, amounts right (1280 x 640 px);
    two panels: side by side, each with its amounts below (1280 x 720 px)."""
    cmap = plt.get_cmap("magma_r").copy()
    cmap.set_under("white")
    vmax = max(max(p.vmax for p in panels), 1e-300)
    norm = mcolors.LogNorm(vmin=vmax * 1e-4, vmax=vmax)
    as_profiles = any(p.profile for p in panels)
    if as_profiles:  # a 1d run beside a 2d one: compare lateral means
        for p in panels:
            if not p.profile:
                p.profile = True
                p.frames = [pr.lateral_mean(p.r, p.r.field(p.s, k))[:, None] for k in p.r.snap_keys]
    zmax = max(pr.map_depth_mm(p.r, [(f, vmax) for f in p.frames]) for p in panels)
    t_end = min(p.r.snap_t[-1] for p in panels)
    scale, unit = pr.time_unit(t_end)
    plt.rcParams.update({"font.size": 10, "axes.spines.top": False, "axes.spines.right": False})
    texts = []
    if len(panels) == 1:
        p = panels[0]
        fig = plt.figure(figsize=(12.8, 6.4), dpi=DPI)
        ax_f = fig.add_axes([0.075, 0.10, 0.47, 0.68])
        p.draw_field(ax_f, norm, zmax, cmap)
        ax_a = fig.add_axes([0.715, 0.40, 0.26, 0.38])
        ax_leg = fig.add_axes([0.70, 0.02, 0.29, 0.26])
        p.draw_amounts(ax_a, t_end, scale, unit, ax_leg)
        ax_a.set_title("Where the dose is, so far", fontsize=11, fontweight="bold", loc="left")
        if not p.profile:
            cax = fig.add_axes([0.555, 0.10, 0.012, 0.68])
            cb = fig.colorbar(p.mesh, cax=cax, extend="min")
            cb.set_label(f"{pr.pretty(p.s)} concentration (mg/mL, log scale)", fontsize=10)
        fig.text(0.075, 0.955, title or p.label, fontsize=17, fontweight="bold", va="top")
        fig.text(0.075, 0.895, dose_text(p) + "   ·   white: below 1/10 000 of the peak", fontsize=10.5,
                 color="0.3", va="top")
        clock = fig.text(0.975, 0.955, "", fontsize=22, fontweight="bold", ha="right", va="top", family="monospace")
        status = fig.text(0.075, 0.845, "", fontsize=10, color="0.15", va="top")
        texts.append((status, p))
    else:
        fig = plt.figure(figsize=(12.8, 7.2), dpi=DPI)
        w = 0.38
        x0s = [0.075, 0.52]
        for c, (p, x0) in enumerate(zip(panels, x0s)):
            ax_f = fig.add_axes([x0, 0.42, w, 0.36])
            p.draw_field(ax_f, norm, zmax, cmap, first_col=(c == 0), layer_names=(c == len(panels) - 1))
            if c > 0:
                ax_f.set_yticklabels([])
            ax_f.set_title(p.label, fontsize=14, fontweight="bold", loc="left", pad=20)
            ax_f.text(0, 1.02, dose_text(p), transform=ax_f.transAxes, fontsize=9.5, color="0.3", va="bottom")
            ax_a = fig.add_axes([x0, 0.08, w * 0.55, 0.22])
            ax_leg = fig.add_axes([x0 + w * 0.62, 0.06, w * 0.38, 0.26])
            p.draw_amounts(ax_a, t_end, scale, unit, ax_leg, fontsize=8.5)
            ax_a.set_title("where the dose is, so far", fontsize=9.5, loc="left")
            status = ax_f.text(0.99, 0.03, "", transform=ax_f.transAxes, ha="right", va="bottom", fontsize=8.5,
                               color="0.15", bbox=dict(boxstyle="round,pad=0.3", fc="white", ec="0.75", alpha=0.85))
            texts.append((status, p))
        if not panels[0].profile:
            cax = fig.add_axes([0.915, 0.42, 0.011, 0.36])
            cb = fig.colorbar(panels[0].mesh, cax=cax, extend="min")
            cb.set_label("concentration (mg/mL, log scale)\nsame scale for both", fontsize=9.5)
        fig.text(0.075, 0.975, title or "Side by side", fontsize=16, fontweight="bold", va="top")
        fig.text(0.075, 0.925, "same colour scale, same clock   ·   white: below 1/10 000 of the peak", fontsize=10,
                 color="0.3", va="top")
        clock = fig.text(0.975, 0.975, "", fontsize=22, fontweight="bold", ha="right", va="top", family="monospace")

    def update(t):
        clock.set_text("t = " + fmt_clock(t))
        for status, p in texts:
            p.update_field(t)
            p.update_amounts(t)
            status.set_text(p.in_skin_text(t))

    return fig, update


class Encoder:
    """Frames (RGB arrays) to an MP4 through ffmpeg and, at 3/4 size, to a GIF through Pillow."""

    def __init__(self, mp4, gif, w, h, fps):
        self.mp4, self.gif, self.fps = mp4, gif, fps
        self.proc = None
        self.gif_frames = []
        self.n = 0
        if mp4:
            ff = shutil.which("ffmpeg")
            if not ff:
                raise SystemExit("animate.py: ffmpeg not found (apt-get install --no-install-recommends ffmpeg, "
                                 "or run scripts/install-deps.sh); give only --gif to skip the MP4")
            self.tmp = mp4 + ".part.mp4"
            self.proc = subprocess.Popen(
                [ff, "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}",
                 "-r", str(fps), "-i", "-", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
                 "-pix_fmt", "yuv420p", "-movflags", "+faststart", self.tmp],
                stdin=subprocess.PIPE)

    def add(self, rgb):
        self.n += 1
        if self.proc:
            self.proc.stdin.write(rgb.tobytes())
        if self.gif:
            from PIL import Image

            im = Image.fromarray(rgb)
            w, h = im.width * GIF_SCALE // 4, im.height * GIF_SCALE // 4
            im = im.resize((w, h), Image.LANCZOS)
            self.gif_frames.append(im.convert("P", palette=Image.ADAPTIVE, colors=256))

    def abort(self):
        """No half-written movie: stop ffmpeg and remove its partial file."""
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            if os.path.exists(self.tmp):
                os.remove(self.tmp)
        self.gif_frames = []

    def close(self):
        if self.proc:
            self.proc.stdin.close()
            if self.proc.wait() != 0:
                raise SystemExit(f"animate.py: ffmpeg failed writing {self.mp4}")
            os.replace(self.tmp, self.mp4)
        if self.gif and self.gif_frames:
            ms = int(round(1000 / self.fps))
            durations = [ms] * (len(self.gif_frames) - 1) + [max(ms, 2500)]  # rest on the last frame
            tmp = self.gif + ".part.gif"
            self.gif_frames[0].save(tmp, save_all=True, append_images=self.gif_frames[1:], duration=durations,
                                    loop=0, optimize=False, disposal=1)
            os.replace(tmp, self.gif)


def animate(panels, out=None, gif=None, poster=None, poster_at=None, fps=4, title=None):
    """Writes the movie(s); returns (number of frames, frame times)."""
    ts = frame_times(panels)
    fig, update = build_figure(panels, title)
    w, h = fig.canvas.get_width_height()
    enc = Encoder(out, gif, w, h, fps)
    ip = None
    if poster:
        target = ts[-1] / 6 if poster_at is None else poster_at
        ip = int(np.argmin(np.abs(ts - target)))
    try:
        for i, t in enumerate(ts):
            update(t)
            fig.canvas.draw()
            rgb = np.asarray(fig.canvas.buffer_rgba())[:, :, :3]
            enc.add(np.ascontiguousarray(rgb))
            if i == ip:
                fig.savefig(poster + ".part.png", dpi=DPI, facecolor="white")
                os.replace(poster + ".part.png", poster)
    except BaseException:
        enc.abort()
        raise
    finally:
        plt.close(fig)
    enc.close()
    return enc.n, ts


def panels_from_args(results, species, labels=None):
    rs = []
    for path in results:
        r = pr.Result(path)
        r.stem = os.path.splitext(os.path.basename(path))[0]
        if not r.snap_keys:
            raise pr.NotAResult(f"'{path}' has no snapshots")
        rs.append(r)
    species = species or []
    for s in species:
        if not any(s in r.species for r in rs):
            raise pr.NotAResult(f"no species '{s}' in {', '.join(repr(r.path) for r in rs)}; "
                                f"they have: {', '.join(sorted({x for r in rs for x in r.species}))}")
    if len(rs) == 1:
        r = rs[0]
        names = species or r.species[:1]
        panels = [Panel(r, s) for s in names]
        if len(panels) == 2 and not labels:
            for p in panels:
                p.label = pr.pretty(p.s)
    else:
        if len(species) not in (0, 1, len(rs)):
            raise pr.NotAResult("give one species, or one per result")
        panels = []
        for i, r in enumerate(rs):
            s = species[i] if len(species) == len(rs) else (species[0] if species else r.species[0])
            if s not in r.species:
                raise pr.NotAResult(f"no species '{s}' in '{r.path}'; it has: {', '.join(r.species)}")
            panels.append(Panel(r, s))
    if len(panels) > 2:
        raise pr.NotAResult("at most two panels side by side (two results, or two species of one result)")
    for p, lab in zip(panels, labels or []):
        p.label = lab
    return panels


def main(argv=None):
    ap = argparse.ArgumentParser(description="Animate a dermasim result (.h5), or two side by side, as MP4 and GIF.")
    ap.add_argument("results", nargs="+", help="one .h5 (or two, side by side)")
    ap.add_argument("--species", nargs="+", metavar="NAME", help="species to show (one, or one per result; two of one result side by side)")
    ap.add_argument("--label", nargs="+", help="panel titles (default: the run names)")
    ap.add_argument("--title", help="title of the movie")
    ap.add_argument("--out", help="MP4 to write")
    ap.add_argument("--gif", help="GIF to write (3/4 size)")
    ap.add_argument("--poster", help="PNG of one frame (default: the frame nearest 1/6 of the run)")
    ap.add_argument("--poster-at", type=float, metavar="SECONDS", help="time of the poster frame (s)")
    ap.add_argument("--fps", type=float, default=4, help="frames per second (default 4)")
    a = ap.parse_args(argv)
    if not (a.out or a.gif or a.poster):
        ap.error("give --out MOVIE.mp4, --gif MOVIE.gif or --poster FRAME.png")
    if len(a.results) > 2:
        ap.error("one result, or two side by side")
    if a.fps <= 0:
        ap.error("--fps must be positive")
    try:
        panels = panels_from_args(a.results, a.species, a.label)
    except pr.NotAResult as e:
        print(f"animate.py: {e}", file=sys.stderr)
        return 2
    n, _ = animate(panels, a.out, a.gif, a.poster, a.poster_at, a.fps, a.title)
    for f in (a.out, a.gif, a.poster):
        if f:
            print(f"{f}" + (f" ({n} frames)" if f != a.poster else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

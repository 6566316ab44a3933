#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Renders a 3d dermasim result (.h5) as a cut-away of the skin block, for a class or a slide.

    /usr/bin/python3 scripts/render3d.py RESULT.h5 --out PICTURE.png [--species NAME] [--times S S ...]

The skin block (true proportions, down to where the drug gets) is drawn with its front quarter cut away,
the faces coloured by layer; inside, iso-surfaces of the concentration at fixed decades of mg/mL (the
same at every time, so that a cloud shrinking or fading means the concentration is falling); when the
injected fluid is on (`fluid: {enabled: true}`), the skin surface is raised by the papules as the run
stored it (/snapshots/NNNNNN/surface_elevation, true scale). One view per time (default: just after the
first delivery, 1/24, 1/6 and the end of the run), composed into one PNG with the legends.

Uses VTK's Python (Debian package python3-vtk9), which needs an X display even off screen: without
DISPLAY the script runs itself again under `xvfb-run -a` (Debian package xvfb).
scripts/paraview_view3d.py gives the same view in ParaView from the .xmf.
"""
import argparse
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot_results as pr  # noqa: E402

np = pr.np
plt = pr.plt

VIEW_W, VIEW_H = 900, 640


def cutaway_times(r, species, n=4):
    """Snapshot indices: the first holding drug, then nearest 1/24, 1/6 and the end of the run."""
    first = 0
    for i, k in enumerate(r.snap_keys):
        if float(r.field(species, k).max()) > 0:
            first = i
            break
    t_end = r.snap_t[-1]
    picks = [first]
    for frac in (1 / 24, 1 / 6, 1.0)[: n - 1]:
        i = int(np.argmin(np.abs(r.snap_t - frac * t_end)))
        if i > picks[-1]:
            picks.append(i)
    return picks


def iso_levels(vmax):
    """Up to three decades (mg/mL) below the peak of the run: 10^k with 10^k <= peak."""
    if vmax <= 0:
        return []
    top = np.floor(np.log10(vmax))
    return [10.0 ** (top - d) for d in range(3)][::-1]  # low to high


def fmt_level(v):
    return f"{v:g}" if v >= 1e-3 else f"{v:.0e}"


class Scene:
    """The VTK pipeline for one result: block, layers, iso-surfaces and (with the fluid) the raised surface."""

    def __init__(self, r, species, zmax_mm):
        import vtk
        from vtk.util import numpy_support as ns

        self.vtk, self.ns, self.r, self.s = vtk, ns, r, species
        keep = int(np.searchsorted(r.zn * 1e3, zmax_mm - 1e-9) )  # rows whose top is above zmax
        keep = max(1, min(r.nz, keep))
        self.keep = keep
        x, y = r.xn * 1e3, r.yn * 1e3
        z = -(r.zn[: keep + 1] * 1e3)[::-1]  # up is +z: the surface at 0, depth downward
        g = vtk.vtkRectilinearGrid()
        g.SetDimensions(len(x), len(y), len(z))
        g.SetXCoordinates(ns.numpy_to_vtk(x.copy(), deep=1))
        g.SetYCoordinates(ns.numpy_to_vtk(y.copy(), deep=1))
        g.SetZCoordinates(ns.numpy_to_vtk(z.copy(), deep=1))
        lay = ns.numpy_to_vtk(np.ascontiguousarray(r.layer[:keep][::-1]).ravel().astype(np.int32), deep=1)
        lay.SetName("layer")
        g.GetCellData().AddArray(lay)
        self.grid = g
        self.bounds = (x[0], x[-1], y[0], y[-1], z[0], z[-1])
        # the cut-away: the front quarter (x above the middle, y below it), through the whole depth
        xm, ym = 0.5 * (x[0] + x[-1]), 0.5 * (y[0] + y[-1])
        self.cut = vtk.vtkBox()
        pad = 1.0 + (x[-1] - x[0])
        self.cut.SetBounds(xm, x[-1] + pad, y[0] - pad, ym, z[0] - pad, z[-1] + pad)

    def clipped(self, port, keep_inside=False):
        """The part outside the cut-away box (the block that stays), or inside it (the notch)."""
        vtk = self.vtk
        c = vtk.vtkTableBasedClipDataSet()
        c.SetInputConnection(port)
        c.SetClipFunction(self.cut)
        c.SetInsideOut(keep_inside)
        return c

    def render(self, snap_key, norm, levels, cmap):
        vtk, ns, r = self.vtk, self.ns, self.r
        f = r.field(self.s, snap_key)[: self.keep][::-1]
        # zero is below the log scale: give it a value under the range so that it is drawn white
        shown = np.where(f > norm.vmin * 1e-3, f, norm.vmin * 1e-3)
        arr = ns.numpy_to_vtk(np.ascontiguousarray(shown).ravel().astype(np.float64), deep=1)
        arr.SetName("c")
        self.grid.GetCellData().RemoveArray("c")
        self.grid.GetCellData().AddArray(arr)
        self.grid.Modified()
        src = vtk.vtkTrivialProducer()
        src.SetOutput(self.grid)

        ren = vtk.vtkRenderer()
        ren.SetBackground(1, 1, 1)
        # the block with the front quarter cut away, every face coloured by the concentration
        clip = self.clipped(src.GetOutputPort(), keep_inside=False)
        surf = vtk.vtkDataSetSurfaceFilter()
        surf.SetInputConnection(clip.GetOutputPort())
        lut = vtk.vtkLookupTable()
        lut.SetScaleToLog10()
        lut.SetTableRange(norm.vmin, norm.vmax)
        lut.SetNumberOfTableValues(256)
        for i in range(256):
            rgb = cmap(i / 255.0)
            lut.SetTableValue(i, rgb[0], rgb[1], rgb[2], 1.0)
        lut.SetBelowRangeColor(1, 1, 1, 1)
        lut.SetNanColor(1, 1, 1, 1)
        lut.UseBelowRangeColorOn()
        lut.Build()
        m = vtk.vtkDataSetMapper()
        m.SetInputConnection(surf.GetOutputPort())
        m.SetScalarModeToUseCellFieldData()
        m.SelectColorArray("c")
        m.SetLookupTable(lut)
        m.UseLookupTableScalarRangeOn()
        m.ScalarVisibilityOn()
        m.SetResolveCoincidentTopologyToPolygonOffset()
        block = vtk.vtkActor()
        block.SetMapper(m)
        block.GetProperty().SetAmbient(0.35)
        block.GetProperty().SetDiffuse(0.7)
        ren.AddActor(block)
        # the layer boundaries as lines on the faces, and the names of the thicker layers at the notch
        lay_pts = vtk.vtkCellDataToPointData()
        lay_pts.SetInputConnection(surf.GetOutputPort())
        lines = vtk.vtkContourFilter()
        lines.SetInputConnection(lay_pts.GetOutputPort())
        lines.SetInputArrayToProcess(0, 0, 0, vtk.vtkDataObject.FIELD_ASSOCIATION_POINTS, "layer")
        for i in range(len(r.layer_names) - 1):
            lines.SetValue(i, i + 0.5)
        lm = vtk.vtkPolyDataMapper()
        lm.SetInputConnection(lines.GetOutputPort())
        lm.ScalarVisibilityOff()
        la = vtk.vtkActor()
        la.SetMapper(lm)
        la.GetProperty().SetColor(0.2, 0.2, 0.2)
        la.GetProperty().SetLineWidth(1.5)
        ren.AddActor(la)
        x0, x1, y0, y1, z0, z1 = self.bounds
        ym = 0.5 * (y0 + y1)
        depth = z1 - z0
        for nm, za, zb in r.layer_bounds:
            za, zb = za * 1e3, min(zb * 1e3, -z0)
            if za >= -z0 or (zb - za) < 0.07 * depth:
                continue
            t = vtk.vtkBillboardTextActor3D()
            t.SetInput(pr.pretty(nm))
            t.SetPosition(x1, ym, -0.5 * (za + zb))
            t.GetTextProperty().SetFontSize(17)
            t.GetTextProperty().SetColor(0.1, 0.1, 0.1)
            t.GetTextProperty().SetJustificationToLeft()
            t.GetTextProperty().SetVerticalJustificationToCentered()
            t.GetTextProperty().SetBackgroundColor(1, 1, 1)
            t.GetTextProperty().SetBackgroundOpacity(0.6)
            ren.AddActor(t)
        # iso-surfaces of the concentration (point values averaged from the cells), in the notch
        c2p = vtk.vtkCellDataToPointData()
        c2p.SetInputConnection(src.GetOutputPort())
        c2p.PassCellDataOff()
        for lv in levels:
            if f.max() < lv:
                continue
            cf = vtk.vtkContourFilter()
            cf.SetInputConnection(c2p.GetOutputPort())
            cf.SetInputArrayToProcess(0, 0, 0, vtk.vtkDataObject.FIELD_ASSOCIATION_POINTS, "c")
            cf.SetValue(0, lv)
            cf.ComputeScalarsOff()
            inside = self.clipped(cf.GetOutputPort(), keep_inside=True)
            cm = vtk.vtkDataSetMapper()
            cm.SetInputConnection(inside.GetOutputPort())
            cm.ScalarVisibilityOff()
            ca = vtk.vtkActor()
            ca.SetMapper(cm)
            rgb = cmap(norm(lv))[:3]
            ca.GetProperty().SetColor(*rgb)
            ca.GetProperty().SetOpacity(0.35 if lv < levels[-1] else 0.85)
            ren.AddActor(ca)
        # the raised surface (fluid on): a sheet at the stored elevation, clipped like the block
        elev = self.elevation(snap_key)
        if elev is not None and float(elev.max()) > 1e-6:  # raised by more than 1 um
            ren.AddActor(self.raised_surface(elev))
        cam = ren.GetActiveCamera()
        cx, cy, cz = 0.5 * (x0 + x1), 0.5 * (y0 + y1), 0.5 * (z0 + z1)
        span = max(x1 - x0, y1 - y0)
        cam.SetFocalPoint(cx, cy, cz)
        cam.SetPosition(cx + 1.3 * span, cy - 1.9 * span, cz + 1.5 * span)
        cam.SetViewUp(0, 0, 1)
        ren.ResetCamera()
        cam.Zoom(1.25 if (z1 - z0) < 0.8 * span else 1.0)  # a tall block (a unit cell) fills the view as it is
        ren.UseDepthPeelingOn()
        win = vtk.vtkRenderWindow()
        win.SetOffScreenRendering(1)
        win.SetSize(VIEW_W, VIEW_H)
        win.SetMultiSamples(0)
        win.SetAlphaBitPlanes(1)
        win.AddRenderer(ren)
        win.Render()
        grab = vtk.vtkWindowToImageFilter()
        grab.SetInput(win)
        grab.ReadFrontBufferOff()
        grab.Update()
        img = grab.GetOutput()
        w, h, _ = img.GetDimensions()
        a = ns.vtk_to_numpy(img.GetPointData().GetScalars()).reshape(h, w, -1)[::-1, :, :3]
        win.Finalize()
        return np.ascontiguousarray(a)

    def elevation(self, snap_key):
        with pr.h5py.File(self.r.path, "r") as f:
            g = f["snapshots"][snap_key]
            if "surface_elevation" not in g:
                return None
            return g["surface_elevation"][()].reshape(self.r.ny, self.r.nx)

    def raised_surface(self, elev):
        vtk, ns, r = self.vtk, self.ns, self.r
        xs, ys = r.xc * 1e3, r.yc * 1e3
        X, Y = np.meshgrid(xs, ys)  # (ny, nx)
        pts = np.column_stack([X.ravel(), Y.ravel(), (elev * 1e3).ravel()])
        sg = vtk.vtkStructuredGrid()
        sg.SetDimensions(len(xs), len(ys), 1)
        p = vtk.vtkPoints()
        p.SetData(ns.numpy_to_vtk(np.ascontiguousarray(pts), deep=1))
        sg.SetPoints(p)
        prod = vtk.vtkTrivialProducer()
        prod.SetOutput(sg)
        clip = self.clipped(prod.GetOutputPort(), keep_inside=False)
        geo = vtk.vtkDataSetSurfaceFilter()
        geo.SetInputConnection(clip.GetOutputPort())
        m = vtk.vtkPolyDataMapper()
        m.SetInputConnection(geo.GetOutputPort())
        m.ScalarVisibilityOff()
        a = vtk.vtkActor()
        a.SetMapper(m)
        a.GetProperty().SetColor(0.93, 0.76, 0.64)
        a.GetProperty().SetOpacity(0.8)
        return a


def metrics_species(r):
    """The species the case's metrics follow (metrics.species), if it names one."""
    try:
        import yaml

        with pr.h5py.File(r.path, "r") as f:
            case = yaml.safe_load(pr.resolved_case_text(f)) or {}
        sp = (case.get("metrics") or {}).get("species")
        sp = sp[0] if isinstance(sp, list) and sp else sp  # the resolved case writes a list
        return sp if sp in r.species else None
    except Exception:  # an unreadable case text: fall back to the first species
        return None


def render(path, out, species=None, times=None):
    """Writes the composed PNG; returns (snapshot indices drawn, iso levels in mg/mL, views with a raised surface)."""
    r = pr.Result(path)
    if r.geometry != "3d":
        raise pr.NotAResult(f"'{path}' is a {r.geometry} result; the cut-away is for 3d results "
                            "(scripts/animate.py and plot_results.py draw the others)")
    s = species or metrics_species(r) or r.species[0]
    if s not in r.species:
        raise pr.NotAResult(f"no species '{s}' in '{path}'; it has: {', '.join(r.species)}")
    if times:
        picks = sorted({int(np.argmin(np.abs(r.snap_t - t))) for t in times})
    else:
        picks = cutaway_times(r, s)
    j = pr.slice_for_maps(r, [s])
    vmax = max(float(r.field(s, k).max()) for k in r.snap_keys)
    zmax = pr.map_depth_mm(r, [(r.field(s, r.snap_keys[p])[:, j, :], vmax) for p in picks])
    norm = pr.mcolors.LogNorm(vmin=vmax * 1e-4, vmax=vmax)
    cmap = plt.get_cmap("magma_r")
    levels = iso_levels(vmax)
    scene = Scene(r, s, zmax)
    views = [scene.render(r.snap_keys[p], norm, levels, cmap) for p in picks]
    elevs = [scene.elevation(r.snap_keys[p]) for p in picks]
    fluid = elevs[0] is not None
    raised = sum(1 for e in elevs if e is not None and float(e.max()) > 1e-6)
    scale, unit = pr.time_unit(r.snap_t[-1])
    ncol = 2 if len(views) > 1 else 1
    nrow = (len(views) + ncol - 1) // ncol
    fig = plt.figure(figsize=(6.4 * ncol + 2.6, 4.6 * nrow + 1.5), dpi=110)
    top = 1 - 1.25 / fig.get_figheight()
    gs = fig.add_gridspec(nrow, ncol, left=0.01, right=1 - 2.6 / fig.get_figwidth(), top=top, bottom=0.02,
                          wspace=0.02, hspace=0.1)
    for i, (p, im) in enumerate(zip(picks, views)):
        ax = fig.add_subplot(gs[i // ncol, i % ncol])
        ax.imshow(im)
        ax.set_axis_off()
        ax.set_title(f"t = {pr.fmt_time(r.snap_t[p], scale, unit)}   (peak {r.field(s, r.snap_keys[p]).max():.3g} mg/mL)",
                     fontsize=12, fontweight="bold", loc="left")
    lx = 1 - 2.2 / fig.get_figwidth()
    cax = fig.add_axes([lx, 0.12, 0.018, top - 0.2])
    sm = pr.plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    cb = fig.colorbar(sm, cax=cax, extend="min")
    cb.set_label(f"{pr.pretty(s)} concentration (mg/mL, log scale)", fontsize=11)
    for lv in levels:
        cb.ax.axhline(lv, color="0.5", lw=6, alpha=0.5)
    cb.ax.text(0.5, 1.03, "faces and\nsurfaces of equal\nconcentration\n(grey ticks)", transform=cb.ax.transAxes,
               ha="center", va="bottom", fontsize=9, color="0.3")
    x0, x1, y0, y1, z0, z1 = scene.bounds
    fig.suptitle(f"{pr.pretty(r.name)}: inside a block of skin, front quarter cut away", fontsize=15,
                 fontweight="bold", x=0.01, ha="left", y=1 - 0.12 / fig.get_figheight())
    note = (f"block {x1 - x0:.3g} × {y1 - y0:.3g} mm, {-z0:.2g} mm deep, true proportions   ·   "
            f"faces coloured by concentration (white: below 1/10 000 of the peak), lines between layers\n"
            f"in the notch: surfaces of equal concentration at {', '.join(fmt_level(v) for v in levels)} mg/mL" + ("   ·   skin-coloured sheet: the surface raised by the injected fluid" if fluid else ""))
    fig.text(0.01, 1 - 0.55 / fig.get_figheight(), note, fontsize=10, color="0.3", ha="left", va="top")
    tmp = out + ".part.png"
    fig.savefig(tmp, dpi=110, facecolor="white")
    plt.close(fig)
    os.replace(tmp, out)
    return picks, levels, raised


def main(argv=None):
    ap = argparse.ArgumentParser(description="Render a cut-away of a 3d dermasim result (.h5) as a PNG.")
    ap.add_argument("result")
    ap.add_argument("--out", required=True, help="PNG to write")
    ap.add_argument("--species", help="species (default: the first)")
    ap.add_argument("--times", nargs="+", type=float, metavar="SECONDS", help="times to draw (nearest snapshots)")
    a = ap.parse_args(argv)
    if not os.environ.get("DISPLAY") and not os.environ.get("DERMASIM_RENDER3D_CHILD"):
        xr = shutil.which("xvfb-run")
        if not xr:
            print("render3d.py: no X display and no xvfb-run (apt-get install --no-install-recommends xvfb xauth)",
                  file=sys.stderr)
            return 2
        os.environ["DERMASIM_RENDER3D_CHILD"] = "1"
        os.execv(xr, [xr, "-a", "-s", "-screen 0 1280x1024x24", sys.executable, os.path.abspath(__file__)]
                 + (argv if argv is not None else sys.argv[1:]))
    try:
        import vtk  # noqa: F401
    except ImportError as e:
        print(f"render3d.py: {e}: VTK's Python is needed (apt-get install python3-vtk9)", file=sys.stderr)
        return 2
    try:
        picks, levels, raised = render(a.result, a.out, a.species, a.times)
    except pr.NotAResult as e:
        print(f"render3d.py: {e}", file=sys.stderr)
        return 2
    print(f"{a.out}: {len(picks)} views, iso-surfaces at {', '.join(fmt_level(v) for v in levels)} mg/mL"
          + (f", raised surface in {raised}" if raised else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

# SPDX-License-Identifier: BSD-3-Clause
"""ParaView script: opens a 3d dermasim result with the cut-away view of scripts/render3d.py.

    pvpython scripts/paraview_view3d.py /abs/path/RESULT.xmf [--species NAME] [--time SECONDS]
                                        [--png VIEW.png] [--state VIEW.pvsm]
    xvfb-run -a pvbatch scripts/paraview_view3d.py ...           (no display)
    DERMASIM_RESULT=/abs/path/RESULT.xmf paraview --script=scripts/paraview_view3d.py   (the GUI)

The view: millimetres, the skin surface on top (depth downward in the file, so z is scaled by -1), the
front quarter of the block cut away (x above the middle, y below it), the faces coloured by the
concentration (mg/mL) on a log scale from 1/10 000 of the peak of the run to the peak (magma,
reversed, as in the movies), and in the notch the surfaces of equal concentration at three decades
below the peak. --state saves a ParaView state file (.pvsm) that File > Load State reopens with the
same view (it names the .xmf by its absolute path). The layers are the cell array `layer`: colour by
it in the GUI to see them. Give the .xmf an absolute path (the Xdmf3 reader needs a directory part).
"""
import argparse
import math
import os
import sys

from paraview import simple as pv


def parse(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("result", nargs="?", default=os.environ.get("DERMASIM_RESULT"), help="RESULT.xmf (or .h5: its .xmf)")
    ap.add_argument("--species", help="species to colour by (default: the first)")
    ap.add_argument("--time", type=float, help="time in s (default: the last output)")
    ap.add_argument("--png", help="save the view as a PNG")
    ap.add_argument("--state", help="save a ParaView state file (.pvsm)")
    a = ap.parse_args(argv)
    if not a.result:
        ap.error("give RESULT.xmf (or set DERMASIM_RESULT)")
    path = os.path.abspath(a.result)
    if path.endswith(".h5"):
        path = path[:-3] + ".xmf"
    if not os.path.isfile(path):
        ap.error(f"no such file: {path}")
    a.result = path
    return a


def main(argv):
    a = parse(argv)
    reader = pv.OpenDataFile(a.result)
    reader.UpdatePipelineInformation()
    times = list(reader.TimestepValues) if hasattr(reader, "TimestepValues") else []
    t = a.time if a.time is not None else (times[-1] if times else 0.0)
    reader.UpdatePipeline(t)
    arrays = [n for n in reader.CellData.keys() if n != "layer"]
    species = a.species or (arrays[0] if arrays else None)
    if species not in arrays:
        sys.exit(f"paraview_view3d.py: no species '{species}' in {a.result}; it has: {', '.join(arrays)}")
    # the peak over all outputs fixes the colour scale and the iso levels (the same at every time)
    peak = 0.0
    for tt in times or [t]:
        reader.UpdatePipeline(tt)
        peak = max(peak, reader.CellData[species].GetRange()[1])
    if peak <= 0:
        peak = 1.0
    # cut in the file's coordinates (m, depth down), then show in mm with the surface on top
    x0, x1, y0, y1, z0, z1 = reader.GetDataInformation().GetBounds()
    xm, ym = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
    pad = 1e-3 + (x1 - x0)

    def cut(inp, keep_notch):
        c = pv.Clip(Input=inp)
        c.ClipType = "Box"
        c.ClipType.UseReferenceBounds = 0
        c.ClipType.Position = [xm, y0 - pad, z0 - pad]
        c.ClipType.Length = [x1 - xm + pad, ym - y0 + pad, z1 - z0 + 2 * pad]
        c.Exact = 1
        c.Invert = 1 if keep_notch else 0  # 1 keeps what is inside the box (the notch)
        return c

    def in_mm(inp):
        tr = pv.Transform(Input=inp)
        tr.Transform.Scale = [1000.0, 1000.0, -1000.0]  # m -> mm, depth down -> surface on top
        return tr

    view = pv.GetActiveViewOrCreate("RenderView")
    view.ViewSize = [1200, 860]
    if hasattr(view, "UseColorPaletteForBackground"):
        view.UseColorPaletteForBackground = 0
    view.Background = [1, 1, 1]
    view.OrientationAxesVisibility = 0
    lut = pv.GetColorTransferFunction(species)
    lut.ApplyPreset("Magma (matplotlib)", True)
    lut.InvertTransferFunction()
    lut.UseLogScale = 1
    lut.RescaleTransferFunction(peak * 1e-4, peak)
    lut.AutomaticRescaleRangeMode = "Never"
    lut.UseBelowRangeColor = 1
    lut.BelowRangeColor = [1, 1, 1]
    block = in_mm(cut(reader, keep_notch=False))
    d = pv.Show(block, view)
    pv.ColorBy(d, ("CELLS", species))
    lut.RescaleTransferFunction(peak * 1e-4, peak)
    d.SetScalarBarVisibility(view, True)
    bar = pv.GetScalarBar(lut, view)
    bar.Title = f"{species} (mg/mL)"
    bar.ComponentTitle = ""
    bar.TitleColor = bar.LabelColor = [0.1, 0.1, 0.1]
    pts = pv.CellDatatoPointData(Input=reader)
    levels = [10.0 ** (math.floor(math.log10(peak)) - k) for k in (2, 1, 0)]
    iso = pv.Contour(Input=pts)
    iso.ContourBy = ["POINTS", species]
    iso.Isosurfaces = levels
    iso.ComputeScalars = 1
    notch = in_mm(cut(iso, keep_notch=True))
    di = pv.Show(notch, view)
    pv.ColorBy(di, ("POINTS", species))
    di.Opacity = 0.5
    view.ViewTime = t
    span = 1000.0 * max(x1 - x0, y1 - y0)
    cx, cy, cz = 1000.0 * xm, 1000.0 * ym, -500.0 * (z0 + z1)
    view.CameraFocalPoint = [cx, cy, cz]
    view.CameraPosition = [cx + 1.3 * span, cy - 1.9 * span, cz + 1.5 * span]
    view.CameraViewUp = [0, 0, 1]
    view.ResetCamera()
    pv.GetActiveCamera().Zoom(1.25)
    lut.RescaleTransferFunction(peak * 1e-4, peak)
    pv.Render(view)
    if a.png:
        pv.SaveScreenshot(os.path.abspath(a.png), view, ImageResolution=[1200, 860])
        print(a.png)
    if a.state:
        pv.SaveState(os.path.abspath(a.state))
        print(a.state)
    print(f"paraview_view3d: {a.result} at t = {t:g} s, {species}, colour scale {peak * 1e-4:.3g} to {peak:.3g} mg/mL, "
          f"iso-surfaces at {', '.join(f'{v:g}' for v in levels)} mg/mL")


# pvpython/pvbatch run this file as __main__; the GUI's --script too (then sys.argv has no arguments)
if __name__ in ("__main__", "__vtkconsole__"):
    main(sys.argv[1:])

# SPDX-License-Identifier: BSD-3-Clause
"""pvbatch script: checks that ParaView reads a dermasim result the way the HDF5 file says, and renders a PNG.

    xvfb-run -a pvbatch scripts/check_paraview.py /abs/path/RESULT.xmf|RESULT.h5|RESULT.pvd OUT.png

(scripts/check_paraview.sh sets this up on Debian 12.) Given a .h5, it checks the .xmf next to it and,
if there is one, the .pvd as well. For each: the reader ParaView picks (OpenDataFile), the number and
values of the time steps, the cell array names (the species and `layer`), the value range of every
species at every time step, the number of cells and the bounds against /grid. Prints one line per
check and exits 1 if any failed.
"""
import os
import sys

import h5py
import numpy as np
from paraview.simple import (  # noqa: F401 (Show etc. used below)
    ColorBy,
    GetActiveViewOrCreate,
    GetAnimationScene,
    GetColorTransferFunction,
    OpenDataFile,
    Render,
    ResetCamera,
    SaveScreenshot,
    Show,
    Slice,
    Transform,
    UpdatePipeline,
)

failures = []


def check(ok, what):
    print(("  ok    " if ok else "  FAIL  ") + what)
    if not ok:
        failures.append(what)
    return ok


def s(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def read_h5(path):
    with h5py.File(path, "r") as f:
        species = [s(x) for x in f.attrs["species"]]
        snaps = sorted((float(g.attrs["time"]), k) for k, g in f["snapshots"].items())
        ranges = []
        for t, k in snaps:
            ranges.append({sp: (float(f["snapshots"][k][sp][()].min()), float(f["snapshots"][k][sp][()].max()))
                           for sp in species})
        lay = f["grid/layer"][()]
        last = {sp: f["snapshots"][snaps[-1][1]][sp][()].ravel() for sp in species} if snaps else {}
        last["layer"] = lay.ravel()
        return dict(species=species, times=[t for t, _ in snaps], ranges=ranges, shape=lay.shape,
                    layer=(int(lay.min()), int(lay.max())), geometry=s(f.attrs["geometry"]),
                    x=f["grid/x"][()], y=f["grid/y"][()], z=f["grid/z"][()], last=last)


def close(a, b, rtol=1e-9, atol=0.0):
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def check_file(path, ref, png):
    print(f"{path}:")
    reader = OpenDataFile(path)
    if not check(reader is not None, "ParaView opens it (OpenDataFile)"):
        return
    print(f"        reader: {reader.GetXMLName()}")
    times = list(reader.TimestepValues) if hasattr(reader, "TimestepValues") else []
    if isinstance(reader.TimestepValues, float):  # a single step comes back as a float
        times = [reader.TimestepValues]
    check(len(times) == len(ref["times"]), f"{len(times)} time steps (HDF5 has {len(ref['times'])})")
    check(len(times) == len(ref["times"]) and all(close(a, b, 1e-12, 1e-9) for a, b in zip(times, ref["times"])),
          f"time values match /snapshots/*/time (first {times[:3]} ... last {times[-1:] if times else []} s)")
    want = set(ref["species"]) | {"layer"}
    nz, ny, nx = ref["shape"]
    bad_range = []
    for n, t in enumerate(ref["times"]):
        reader.UpdatePipeline(t)
        # pvbatch runs in built-in mode: take the reader's own output. (servermanager.Fetch returns
        # garbage coordinate arrays for rectilinear grids in ParaView 5.11, whatever the reader.)
        data = reader.GetClientSideObject().GetOutputDataObject(0)
        if data.IsA("vtkMultiBlockDataSet"):
            data = data.GetBlock(0)
        info = reader.GetDataInformation()
        if n == 0:
            ib = info.GetBounds()
            check(all(close(ib[2 * i], g[0], 1e-9, 1e-15) and close(ib[2 * i + 1], g[-1], 1e-9, 1e-15)
                      for i, g in enumerate((ref["x"], ref["y"], ref["z"]))),
                  f"data information (what the GUI's Information panel shows): bounds {tuple(round(v, 9) for v in ib)} m")
        for sp in ref["species"]:
            if sp in reader.CellData.keys():
                lo, hi = reader.CellData[sp].GetRange()
                rlo, rhi = ref["ranges"][n][sp]
                if not (close(lo, rlo, 1e-12, 1e-300) and close(hi, rhi, 1e-12, 1e-300)):
                    bad_range.append(f"{sp} (CellData info) at t={t}: {lo:.6g}..{hi:.6g}, HDF5 {rlo:.6g}..{rhi:.6g}")
        cd = data.GetCellData()
        names = {cd.GetArrayName(i) for i in range(cd.GetNumberOfArrays())}
        if n == 0:
            check(names == want, f"cell arrays {sorted(names)} (want {sorted(want)})")
            check(data.GetNumberOfCells() == nx * ny * nz, f"{data.GetNumberOfCells()} cells = {nz}x{ny}x{nx}")
            dims = data.GetDimensions() if hasattr(data, "GetDimensions") else None
            if dims is not None:
                check(tuple(dims) == (nx + 1, ny + 1, nz + 1), f"point dimensions {tuple(dims)} (x, y, z)")
            b = data.GetBounds()
            check(all(close(b[2 * i], g[0], 1e-9, 1e-15) and close(b[2 * i + 1], g[-1], 1e-9, 1e-15)
                      for i, g in enumerate((ref["x"], ref["y"], ref["z"]))),
                  f"bounds {tuple(round(v, 9) for v in b)} m match /grid/x, y, z")
            zc = data.GetZCoordinates() if hasattr(data, "GetZCoordinates") else None
            if zc is not None:
                zz = np.array([zc.GetValue(i) for i in range(zc.GetNumberOfTuples())])
                check(np.allclose(zz, ref["z"], rtol=0, atol=1e-15), "z node coordinates (non-uniform) match /grid/z")
            la = cd.GetArray("layer")
            if la is not None:
                check(tuple(int(v) for v in la.GetRange()) == ref["layer"], f"layer range {la.GetRange()}")
        for sp in ref["species"]:
            a = cd.GetArray(sp)
            if a is None:
                bad_range.append(f"{sp} missing at t={t}")
                continue
            lo, hi = a.GetRange()
            rlo, rhi = ref["ranges"][n][sp]
            if not (close(lo, rlo, 1e-12, 1e-300) and close(hi, rhi, 1e-12, 1e-300)):
                bad_range.append(f"{sp} at t={t}: ParaView {lo:.6g}..{hi:.6g}, HDF5 {rlo:.6g}..{rhi:.6g}")
    # cell order: VTK's cell id = i + nx*(j + ny*k) must be the C order of the (nz, ny, nx) HDF5 array
    bad_order = []
    for name, want_arr in ref["last"].items():
        a = cd.GetArray(name)
        if a is None:
            continue
        got = np.array([a.GetValue(i) for i in range(a.GetNumberOfTuples())], dtype=float)
        if got.shape != want_arr.shape or not np.array_equal(got, want_arr.astype(float)):
            bad_order.append(name)
    check(not bad_order, "cell values at the last step equal the HDF5 arrays element by element (no transposes)"
          + ("" if not bad_order else ": differ for " + ", ".join(bad_order)))
    check(not bad_range, f"value range of {', '.join(ref['species'])} at all {len(ref['times'])} steps equals the HDF5 "
          "min/max" + ("" if not bad_range else ": " + "; ".join(bad_range[:4])))
    for sp in ref["species"]:
        lo, hi = ref["ranges"][-1][sp]
        print(f"        {sp} at t = {ref['times'][-1]:g} s: {lo:.4g} .. {hi:.4g} kg/m3")
    if png:
        render(reader, ref, png)


def render(reader, ref, png):
    """Depth up-side-down (Transform scale z -1, so the surface is on top), a slice for 3d, coloured by the
    last species at the last time."""
    t = ref["times"][-1]
    # pick the species/time with the most drug in it for a picture that shows something
    n = min(1, len(ref["times"]) - 1)  # the first step after the start
    # the last species with something in it (in a topical-vs-injected case: the injected one)
    sp = ([x for x in ref["species"] if ref["ranges"][n][x][1] > 0] or ref["species"])[-1]
    t = ref["times"][n]
    scene = GetAnimationScene()
    scene.UpdateAnimationUsingDataTimeSteps()
    scene.AnimationTime = t
    flip = Transform(Input=reader)
    flip.Transform.Scale = [1.0, 1.0, -1.0]
    src = flip
    view = GetActiveViewOrCreate("RenderView")
    view.ViewSize = [1000, 700]
    view.ViewTime = t
    if ref["geometry"] == "3d":
        sl = Slice(Input=flip)
        sl.SliceType = "Plane"
        sl.SliceType.Origin = [0.5 * (ref["x"][0] + ref["x"][-1]), 0.5 * (ref["y"][0] + ref["y"][-1]),
                               -0.5 * (ref["z"][0] + ref["z"][-1])]
        sl.SliceType.Normal = [0, 1, 0]
        src = sl
    disp = Show(src, view)
    disp.Representation = "Surface"  # ParaView shows a 3d structured grid as an outline by default
    ColorBy(disp, ("CELLS", sp))
    lut = GetColorTransferFunction(sp)
    hi = ref["ranges"][n][sp][1]
    lut.RescaleTransferFunction(max(hi * 1e-4, 1e-30), max(hi, 1e-30))
    lut.UseLogScale = 1
    disp.SetScalarBarVisibility(view, True)
    view.CameraPosition = [0, -1, 0]
    view.CameraFocalPoint = [0, 0, 0]
    view.CameraViewUp = [0, 0, 1]
    ResetCamera(view)
    Render(view)
    SaveScreenshot(png, view, ImageResolution=[1000, 700])
    ok = os.path.exists(png) and os.path.getsize(png) > 1000
    check(ok, f"rendered {png} ({sp} at t = {t:g} s, log colour scale)")


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: pvbatch check_paraview.py RESULT.xmf|RESULT.h5|RESULT.pvd [OUT.png]")
    target = os.path.abspath(sys.argv[1])
    png = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None
    stem, ext = os.path.splitext(target)
    h5 = stem + ".h5"
    if not os.path.exists(h5):
        sys.exit(f"check_paraview.py: no {h5} next to {target}")
    ref = read_h5(h5)
    print(f"{h5}: {ref['geometry']}, grid (nz, ny, nx) = {ref['shape']}, {len(ref['times'])} snapshots, "
          f"species {ref['species']}")
    todo = []
    if ext in (".h5", ".xmf"):
        todo.append((stem + ".xmf", png))
        if ext == ".h5" and os.path.exists(stem + ".pvd"):
            todo.append((stem + ".pvd", png[:-4] + "_pvd.png" if png else None))
    elif ext == ".pvd":
        todo.append((target, png))
    else:
        sys.exit(f"check_paraview.py: give a .h5, .xmf or .pvd file, not {target}")
    for path, p in todo:
        if not check(os.path.exists(path), f"{path} exists"):
            continue
        check_file(path, ref, p)
    print("ParaView check: " + ("all passed" if not failures else f"{len(failures)} FAILED"))
    sys.stdout.flush()
    sys.stderr.flush()
    # os._exit: pvbatch 5.11 under Xvfb can abort in its OpenGL teardown (GLXBadContext) and turn a
    # passed check into exit status 5; the PNGs are written and closed by then.
    os._exit(1 if failures else 0)


if __name__ == "__main__":
    main()

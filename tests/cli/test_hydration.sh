#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# `dermasim run` on a papule of an HA grade with the fluid on: the summary prints the papule height,
# its halving time, the excess water per layer and the HA remaining with its half-life; the results
# file has the /scalars/papule, /scalars/hydration and /scalars/ha_remaining series with units
# (docs/output.md), one value per /scalars/time entry; scripts/plot_results.py draws them.
#   bash tests/cli/test_hydration.sh <path-to-dermasim>
set -u
DERMASIM=${1:?usage: test_hydration.sh <path-to-dermasim>}
DERMASIM=$(cd "$(dirname "$DERMASIM")" && pwd)/$(basename "$DERMASIM")
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$REPO/tests/cli/lib.sh"
cli_start hydration

cat > hyd.yaml <<'YAML'
name: hyd
time: {end: 2 h, output_every: 30 min}
geometry: {kind: axisymmetric, width: 5 mm, lateral_cells: 12, lateral_grading: 3}
skin: {preset: face_cheek}
species:
  - {name: gel, ingredient: ha_low_mw}
delivery:
  - {type: injection, species: {gel: 10 mg/mL}, volume: 10 uL, depth: 1 mm, time: 5 min}
fluid: {enabled: true}
metrics: {papule_threshold: 20 um}
output: {file: out/hyd.h5}
YAML
"$DERMASIM" run hyd.yaml -q > stdout.txt 2> stderr.txt
rc=$?
check "run exits 0" "[ $rc -eq 0 ]"
check "papule block names the threshold" "grep -qF 'diameter where raised by >= 20 um' stdout.txt"
check "peak height printed (mm or um, with time and diameter)" \
  "grep -qE '^  peak height [0-9.e+-]+ (mm|um) at 5 min: diameter [0-9.e+-]+ mm, swollen volume [0-9.e+-]+ uL$' stdout.txt"
check "halving time printed" "grep -qE '^  height halves [0-9.e+-]+ (s|min|h|d) after the peak' stdout.txt"
check "swollen-volume halving printed" "grep -qE '^  swollen volume \(the extra water, however spread\) halves ' stdout.txt"
check "excess water per layer, % of the layer's water" "grep -qE '^    papillary_dermis +[0-9.e+-]+ uL/cm2 +\([0-9.e+-]+ % of 0.66 x 200 um\)$' stdout.txt"
check "HA remaining and half-life printed" \
  "grep -qE '^HA remaining in tissue \(gel\): [0-9.e+-]+ % of applied' stdout.txt && grep -qE '^  half-life [0-9.e+-]+ (min|h|d) \(fit of ln remaining from 5 min to 2 h' stdout.txt"

if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import h5py' 2>/dev/null; then
  /usr/bin/python3 - out/hyd.h5 > h5check.txt 2>&1 <<'PY'
import math, sys
import h5py
f = h5py.File(sys.argv[1], "r")
s = f["scalars"]
nt = s["time"].shape[0]
units = {"papule/height": "m", "papule/diameter": "m", "papule/volume": "m3",
         "hydration/papillary_dermis/excess": "m3/m2", "hydration/papillary_dermis/pct_of_baseline": "%",
         "hydration/hypodermis/excess": "m3/m2", "ha_remaining": "%"}
for path, u in units.items():
    d = s[path]
    got = d.attrs["units"]
    got = got.decode() if isinstance(got, bytes) else got
    assert got == u, (path, got, u)
    assert d.shape == (nt,), (path, d.shape, nt)
# the preset's hypodermis gives no water fraction: the hydration model's adipose assumption (15 %)
hyp = s["hydration/hypodermis"]
assert abs(hyp.attrs["water_fraction"] - 0.15) < 1e-12, hyp.attrs["water_fraction"]
assert "pct_of_baseline" in hyp
p = s["papule"]
assert abs(p.attrs["threshold"] - 2e-5) < 1e-15, p.attrs["threshold"]
assert abs(p.attrs["peak_height"] / s["papule/height"][()].max() - 1) < 1e-9
assert p.attrs["peak_time"] == 300.0, p.attrs["peak_time"]
assert math.isfinite(p.attrs["halving_time"]) and p.attrs["halving_time"] > 0
assert "volume_halving_time" in p.attrs
h = s["ha_remaining"]
assert math.isfinite(h.attrs["half_life"]) and h.attrs["half_life"] > 0
assert h.attrs["fit_start"] == 300.0 and h.attrs["fit_end"] == 7200.0
assert [x.decode() if isinstance(x, bytes) else x for x in h.attrs["species"]] == ["gel"]
# the swollen volume is the fluid the tissue holds
held = sum(s["excess_fluid/layer"][k][()] for k in s["excess_fluid/layer"])
assert max(abs(a - b) for a, b in zip(s["papule/volume"][()], held)) < 1e-12 * max(held)
print("ok")
PY
  check "HDF5: /scalars/papule, /scalars/hydration, /scalars/ha_remaining with units and summary attributes" "grep -qx ok h5check.txt"
  [ "$(cat h5check.txt)" = ok ] || cat h5check.txt
  # the plot script draws the papule, the water per layer, the HA and the raised surface
  /usr/bin/python3 "$REPO/scripts/plot_results.py" out/hyd.h5 --out plots > plots.txt 2>&1
  check "plot_results.py writes hyd_hydration.png" "[ -s plots/hyd_hydration.png ]"
else
  echo "skip  HDF5 checks (no /usr/bin/python3 with h5py)"
fi

"$DERMASIM" check hyd.yaml > resolved.yaml 2>/dev/null
check "resolved case keeps papule_threshold" "grep -qF 'papule_threshold: 20 um' resolved.yaml"

cli_end

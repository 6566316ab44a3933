#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The educator gallery on a small run (the educator cases for 2 h, an output every 30 min, coarser
# lateral grids: tests/gallery/small.yaml):
# scripts/gallery.sh writes the movies, pictures and index.html; headless Chromium opens the page
# offline and every picture and movie loads (the page marks <body data-media="loaded/total">), the
# screenshot is not blank; each animation has one frame per output time and every number on the page
# equals the .h5 (tests/gallery/check_gallery.py); the 3d cut-away of the nappage is drawn, and that
# of a small 3d fluid run shows the raised surface; bad input to animate.py and render3d.py.
#   bash tests/gallery/test_gallery.sh <path-to-dermasim>
set -u
DERMASIM=${1:?usage: test_gallery.sh <path-to-dermasim>}
DERMASIM=$(cd "$(dirname "$DERMASIM")" && pwd)/$(basename "$DERMASIM")
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$REPO/tests/cli/lib.sh"
cli_start gallery
for tool in ffmpeg ffprobe chromium xvfb-run; do
  command -v $tool >/dev/null || { echo "FAIL  $tool missing (bash scripts/install-deps.sh installs it)"; exit 1; }
done

DERMASIM_BUILD_DIR=$(dirname "$DERMASIM") bash "$REPO/scripts/gallery.sh" gal --cases "$REPO/tests/gallery/small.yaml" \
  --set time.end="2 h" --set time.output_every="30 min" > gallery.txt 2>&1
rc=$?
cat gallery.txt
check "gallery.sh exits 0" "[ $rc -eq 0 ]"
check "index.html written" "[ -s gal/index.html ]"
check "3d cut-away of the nappage drawn" "[ -s gal/nappage_3d.png ]"
check "one side-by-side movie (serum vs papule)" "[ -s gal/side_by_side_serum_vs_papule.mp4 ]"

/usr/bin/python3 "$REPO/tests/gallery/check_gallery.py" gal > check.txt 2>&1
rc=$?
grep -v '^ok' check.txt
check "frames and numbers match the .h5 ($(grep -c '^ok' check.txt) checks)" "[ $rc -eq 0 ]"

# Chromium, offline, no sandbox (root in CI); the page's script marks the body when media settled.
page="file://$PWD/gal/index.html"
opts=(--headless --no-sandbox --disable-gpu --no-first-run --disable-extensions --hide-scrollbars
      --user-data-dir="$PWD/chrome-profile")
timeout 60 chromium "${opts[@]}" --virtual-time-budget=15000 --dump-dom "$page" > dom.html 2> chrome.log
media=$(grep -o 'data-media="[0-9]*/[0-9]*"' dom.html | head -1 | sed 's/data-media="\(.*\)"/\1/')
expected=$(grep -o '<img \|<video ' gal/index.html | wc -l)
echo "media loaded in Chromium: ${media:-none} (page has $expected)"
check "Chromium loads every picture and movie ($expected)" "[ '${media:-x}' = '$expected/$expected' ] && [ $expected -ge 10 ]"
timeout 60 chromium "${opts[@]}" --window-size=1280,2000 --virtual-time-budget=8000 --screenshot="$PWD/shot.png" \
  "$page" >> chrome.log 2>&1
/usr/bin/python3 - shot.png > shot.txt 2>&1 <<'PY'
import sys
import numpy as np
from PIL import Image
a = np.asarray(Image.open(sys.argv[1]).convert("RGB")).astype(int)
ink = (a.min(axis=2) < 200).mean()                  # share of pixels that are not (near) white
colours = len(np.unique(a.reshape(-1, 3) // 16, axis=0))
print(f"screenshot {a.shape[1]}x{a.shape[0]}: {100 * ink:.1f} % ink, {colours} colour bins")
sys.exit(0 if ink > 0.05 and colours > 50 else 1)
PY
rc=$?
cat shot.txt
check "screenshot is not blank" "[ $rc -eq 0 ]"

# the 3d cut-away with the injected fluid on draws the raised surface (a small 3d unit cell, 1 h)
cat > fluid3d.yaml <<'YAML'
name: fluid3d
time: {end: 1 h, output_every: 20 min}
geometry: {kind: 3d, unit_cell: true, lateral_cells: 4}
skin: {preset: face_cheek}
species:
  - {name: niacinamide, ingredient: niacinamide}
delivery:
  - {type: nappage, species: {niacinamide: 20 mg/mL}, volume: 10 uL, depth: 1 mm, spacing: 3 mm}
fluid: {enabled: true}
output: {file: fluid3d.h5}
YAML
"$DERMASIM" run fluid3d.yaml -q > /dev/null 2>&1 &&
  /usr/bin/python3 "$REPO/scripts/render3d.py" fluid3d.h5 --times 0 1200 2400 3600 --out fluid3d.png > r3.out 2> r3.err
rc=$?
cat r3.out
check "3d cut-away of a fluid run: 4 views, the raised surface drawn in each" \
  "[ $rc -eq 0 ] && [ -s fluid3d.png ] && grep -q ': 4 views, iso-surfaces at .* mg/mL, raised surface in 4$' r3.out"

# bad input to the two drawing scripts: exit 2, a message naming what was wrong, no file left
/usr/bin/python3 "$REPO/scripts/animate.py" gal/runs/serum.h5 --species caffeine --out bad.mp4 > a.out 2> a.err
rc=$?
check "animate.py: unknown species -> exit 2, lists the species, no file" \
  "[ $rc -eq 2 ] && grep -q \"no species 'caffeine'.*niacinamide\" a.err && [ ! -e bad.mp4 ]"
/usr/bin/python3 "$REPO/scripts/render3d.py" gal/runs/papule.h5 --out bad.png > r.out 2> r.err
rc=$?
check "render3d.py: an axisymmetric result -> exit 2, says it is for 3d, no file" \
  "[ $rc -eq 2 ] && grep -q 'axisymmetric result; the cut-away is for 3d' r.err && [ ! -e bad.png ]"
cli_end

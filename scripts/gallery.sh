#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The educator gallery: runs the educator cases (configs/educator/compare.yaml) and writes to OUTDIR
# (default results/gallery) their animations (MP4 + GIF), figures, a 3d cut-away of the nappage and an
# offline index.html with plain-words summaries. Needs the build (scripts/build.sh) and the packages of
# scripts/install-deps.sh (ffmpeg, xvfb, python3-vtk9, ...). Extra arguments go to scripts/gallery.py,
# e.g. --set time.end="6 h" (see docs/gallery.md).
#   bash scripts/gallery.sh [OUTDIR] [gallery.py options]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-results/gallery}"
[ $# -gt 0 ] && shift
exec /usr/bin/python3 "$ROOT/scripts/gallery.py" "$OUT" \
  --dermasim "${DERMASIM_BUILD_DIR:-$ROOT/build}/dermasim" "$@"

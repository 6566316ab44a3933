#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The main job on a fresh Debian 12 machine: install what is missing, build, run the demo
# comparison (caffeine as a serum vs injected as a papule, cheek skin) and plot it, then build the
# educator gallery (four ways to deliver niacinamide: movies, 3d picture, an offline web page).
#   results/demo_topical_vs_injection.h5 (+ .xmf for ParaView), results/plots/*.png,
#   results/gallery/index.html (open it in a browser; docs/gallery.md)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/install-deps.sh
bash scripts/build.sh
./build/dermasim run configs/demo_topical_vs_injection.yaml
/usr/bin/python3 scripts/plot_results.py results/demo_topical_vs_injection.h5 --out results/plots
bash scripts/gallery.sh results/gallery

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The main job on a fresh Debian 12 machine: install what is missing, build, run the demo
# comparison (caffeine as a serum vs injected as a papule, cheek skin) and plot it.
#   results/demo_topical_vs_injection.h5 (+ .xmf for ParaView) and results/plots/*.png
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/install-deps.sh
bash scripts/build.sh
./build/dermasim run configs/demo_topical_vs_injection.yaml
/usr/bin/python3 scripts/plot_results.py results/demo_topical_vs_injection.h5 --out results/plots

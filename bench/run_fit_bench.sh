#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run_fit_bench.sh [REPEATS]: times `dermasim fit` on the 2-parameter Franz fit of
# bench/cases/fit_franz (stratum-corneum D and K of caffeine from 15 receptor amounts, 4 starts),
# with all cores and with one worker (DERMASIM_WORKERS=1), REPEATS times each (default 3), and prints
# the medians: the whole command (with fit.png) and the fit alone (the summary's figure).
# Environment: BUILD (build dir, default build).
set -euo pipefail
REPEATS=${1:-3}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD=${BUILD:-$ROOT/build}
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j2 --target dermasim >/dev/null
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
echo "# machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC'); load: $(cut -d' ' -f1-3 /proc/loadavg)"
median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
for workers in "" 1; do
  totals=()
  fits=()
  for ((i = 0; i < REPEATS; ++i)); do
    t0=$(date +%s.%N)
    DERMASIM_WORKERS=$workers "$BUILD/dermasim" fit "$ROOT/bench/cases/fit_franz/fit.yaml" --output "$OUT/fit" -q > "$OUT/log"
    t1=$(date +%s.%N)
    totals+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')")
    fits+=("$(sed -n 's/.*model evaluations, \([0-9.]*\) s$/\1/p' "$OUT/log")")
    evals=$(sed -n 's/.* \([0-9]*\) model evaluations.*/\1/p' "$OUT/log")
  done
  echo "workers=${workers:-$(nproc)} evaluations=$evals command_s=$(printf '%s\n' "${totals[@]}" | median) fit_s=$(printf '%s\n' "${fits[@]}" | median)" \
    "(runs: ${totals[*]} / ${fits[*]})"
done
grep -A3 "parameter" "$OUT/log" | head -4

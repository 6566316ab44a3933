#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs every shipped config with two builds of dermasim and compares their HDF5 results dataset by
# dataset (bench/compare_h5.py, 1e-12 relative): a refactoring must not change any result.
#   bash bench/compare_builds.sh OLD_DERMASIM NEW_DERMASIM [OUTDIR]
set -u
OLD=${1:?usage: compare_builds.sh OLD_DERMASIM NEW_DERMASIM [OUTDIR]}
NEW=${2:?usage: compare_builds.sh OLD_DERMASIM NEW_DERMASIM [OUTDIR]}
OUT=${3:-/tmp/dermasim-compare}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2
mkdir -p "$OUT"
same=0; differ=0
while IFS= read -r f; do
  grep -q '^scenarios:' "$f" && continue
  stem=$(echo "$f" | tr '/' '_' | sed 's/\.yaml$//')
  "$OLD" run "$f" -q -o "$OUT/old_$stem.h5" >/dev/null 2>&1 || { echo "SKIP  $f (old build fails)"; continue; }
  "$NEW" run "$f" -q -o "$OUT/new_$stem.h5" >/dev/null 2>&1 || { echo "FAIL  $f (new build fails)"; differ=$((differ + 1)); continue; }
  if res=$(/usr/bin/python3 bench/compare_h5.py "$OUT/old_$stem.h5" "$OUT/new_$stem.h5"); then
    same=$((same + 1)); echo "same  $f: $res"
  else
    differ=$((differ + 1)); echo "DIFF  $f: $res"
  fi
done < <(find configs -name '*.yaml' | sort)
echo "$same configs identical (1e-12), $differ differ"
[ "$differ" -eq 0 ]

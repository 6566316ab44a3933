#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run_peer.sh N NPROCS NSTEPS: OpenFOAM laplacianFoam on the same case as the shared anchor script
# (/work/shared/bench/openfoam-anchor/run-openfoam.sh, whose case generator it reuses), but timed
# like dermasim_bench: every log line is stamped with the wall clock as it arrives, so the solver
# loop (first to last "ExecutionTime" line, i.e. steps 2..NSTEPS) is separated from start-up
# (mesh and field reading) and the first step. Prints one PEER line.
set -euo pipefail
N=${1:-128}; NP=${2:-2}; NSTEPS=${3:-20}
ANCHOR=${OPENFOAM_ANCHOR:-/work/shared/bench/openfoam-anchor}
if ! command -v laplacianFoam >/dev/null; then
  "$ANCHOR/run-openfoam.sh" 8 1 1 >/dev/null  # installs the Debian openfoam package
fi
export WM_PROJECT_DIR=/usr/share/openfoam OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
CASE=$TMP/of_N$N
"$ANCHOR/scripts/make_case.sh" "$N" "$NSTEPS" "$NP" 100000 "$CASE" >/dev/null
cd "$CASE"
# PEER_FIELD_OUT=FILE: also write the final field (ascii, at the last step; not used for timing runs)
if [ -n "${PEER_FIELD_OUT:-}" ]; then
  sed -i -e "s/^writeInterval .*/writeInterval $NSTEPS;/" -e "s/^writeFormat .*/writeFormat ascii;/" system/controlDict
  for d in processor*; do [ -d "$d" ] && rm -rf "$d"; done
  [ "$NP" -gt 1 ] && decomposePar -force > log.decomposePar 2>&1
fi
stamp() { while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done; }
t0=$EPOCHREALTIME
if [ "$NP" -gt 1 ]; then
  mpirun -np "$NP" --bind-to core laplacianFoam -parallel 2>&1 | stamp > log.stamped
else
  laplacianFoam 2>&1 | stamp > log.stamped
fi
t1=$EPOCHREALTIME
awk -v t0="$t0" -v t1="$t1" -v n="$NSTEPS" -v N="$N" -v p="$NP" '
  /ExecutionTime/ { if (!f) f = $1; l = $1; k++ }
  /No Iterations/ { for (i = 1; i <= NF; i++) if ($i == "Iterations") { s += $(i+1); m++ } }
  END {
    printf "PEER laplacianFoam N=%d np=%d steps=%d wall_s=%.3f startup_and_first_step_s=%.3f loop_step_s=%.4f whole_step_s=%.4f pcg_iterations=%.1f\n",
      N, p, n, t1 - t0, f - t0, (l - f) / (k - 1), (t1 - t0) / n, s / m
  }' log.stamped
if [ -n "${PEER_FIELD_OUT:-}" ]; then
  if [ "$NP" -gt 1 ]; then reconstructPar -latestTime > log.reconstructPar 2>&1; fi
  last=$(ls -d [0-9]* | sort -g | tail -1)
  awk '/^internalField/ {f = 1; next} f && /^\(/ {g = 1; next} g && /^\)/ {exit} g {print}' "$last/T" > "$PEER_FIELD_OUT"
fi

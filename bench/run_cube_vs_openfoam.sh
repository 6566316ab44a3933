#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run_cube_vs_openfoam.sh [REPEATS]: the issue-15 comparison on the 128^3 cube, whole process, in
# one sitting: dermasim_bench (2 threads, and 1 with ONE=1) and laplacianFoam on 2 ranks, run in
# alternation REPEATS times (default 5): dermasim, [the "before" binary], laplacianFoam, dermasim, ...
# so a change of load hits all of them alike. Prints every run, then the medians and the ratio
# (dermasim whole process / laplacianFoam whole process, target <= 0.33) with the peak memory per cell.
# Environment:
#   BENCH   the dermasim_bench to time (default build/bench/dermasim_bench; configure with
#           -DDERMASIM_BUILD_BENCH=ON)
#   BEFORE  a second dermasim_bench (e.g. main's) timed in the same alternation, for a before/after
#   SKIP_PEER=1  dermasim only;  ONE=1  also 1 thread (dermasim only: the peer's 1 rank is slow)
#   N, NSTEPS    grid and steps (default 128 and 20; dt = 10 h^2 / D as the peer's case)
# The peer is ../shared/bench/openfoam-anchor/run-openfoam.sh N 2 NSTEPS (OpenFOAM from Debian).
set -euo pipefail
REPEATS=${1:-5}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH=${BENCH:-$ROOT/build/bench/dermasim_bench}
BEFORE=${BEFORE:-}
N=${N:-128}; NSTEPS=${NSTEPS:-20}
ANCHOR=${OPENFOAM_ANCHOR:-$ROOT/../shared/bench/openfoam-anchor}
[ -x "$BENCH" ] || { echo "no $BENCH: build with -DDERMASIM_BUILD_BENCH=ON or set BENCH" >&2; exit 2; }
DT=$(awk -v n="$N" 'BEGIN{printf "%.17g", 10.0/(n*n)}')
END=$(awk -v n="$N" -v s="$NSTEPS" 'BEGIN{printf "%.17g", s*10.0/(n*n)}')
SETS=(--set "geometry.lateral_cells=[$N,$N]" --set "skin.layers[0].cells=$N" --set "time.dt=$DT" --set "time.end=$END")
CELLS=$((N * N * N))
declare -A RUNS
add() { RUNS[$1]="${RUNS[$1]:-} $2"; }
median() { tr ' ' '\n' | { grep . || true; } | sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "n/a"; else print (NR % 2) ? a[(NR+1)/2] : 0.5*(a[NR/2]+a[NR/2+1])}'; }

# one dermasim run: prints "LABEL wall user peak_kib step_median it/solve" and records them
dm() {
  local label=$1 bin=$2 t=$3 out tm
  out=$({ /usr/bin/time -f "TIME %e %U %M" env OMP_NUM_THREADS="$t" "$bin" "$ROOT/bench/cases/cube_3d.yaml" "${SETS[@]}"; } 2>&1)
  tm=$(echo "$out" | grep '^TIME' | tail -1)
  local step it
  step=$(echo "$out" | sed -n 's/^RESULT.* step_median_s=\([^ ]*\).*/\1/p')
  it=$(echo "$out" | sed -n 's/^RESULT.* cg_per_solve=\([^ ]*\).*/\1/p')
  read -r _ wall user kib <<<"$tm"
  printf '%-22s threads=%d wall_s=%s user_s=%s peak_kib=%s bytes_per_cell=%.0f step_median_s=%s cg_per_solve=%s tol=1e-8 load=%s\n' \
    "$label" "$t" "$wall" "$user" "$kib" "$(awk -v k="$kib" -v c="$CELLS" 'BEGIN{print k*1024/c}')" "$step" "$it" "$(cut -d' ' -f1 /proc/loadavg)"
  add "$label.$t.wall" "$wall"; add "$label.$t.user" "$user"; add "$label.$t.step" "$step"; add "$label.$t.bpc" "$(awk -v k="$kib" -v c="$CELLS" 'BEGIN{printf "%.0f", k*1024/c}')"
}
# one laplacianFoam run on 2 ranks: its solver's wall time (mesh generation not counted) and the
# CPU time of the whole script (mpirun, both ranks, blockMesh and decomposePar included)
peer() {
  local out line wall
  out=$({ /usr/bin/time -f "PEERTIME %e %U %S" "$ANCHOR/run-openfoam.sh" "$N" 2 "$NSTEPS"; } 2>&1)
  line=$(echo "$out" | grep '^laplacianFoam' | tail -1)
  wall=$(echo "$out" | sed -n 's/^laplacianFoam.*: \([0-9.]*\) s wall.*/\1/p' | tail -1)
  read -r _ _ pu ps <<<"$(echo "$out" | grep '^PEERTIME' | tail -1)"
  echo "laplacianFoam          ranks=2 wall_s=$wall script_user_s=$pu script_sys_s=$ps load=$(cut -d' ' -f1 /proc/loadavg) ($line)"
  add peer "$wall"
}

echo "# $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC'); load: $(cut -d' ' -f1-3 /proc/loadavg); $N^3, $NSTEPS steps"
THREADS="2"; [ "${ONE:-0}" = 1 ] && THREADS="2 1"
for r in $(seq "$REPEATS"); do
  for t in $THREADS; do
    dm dermasim "$BENCH" "$t"
    [ -n "$BEFORE" ] && dm before "$BEFORE" "$t"
  done
  [ "${SKIP_PEER:-0}" = 1 ] || peer
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg) (above about 1.5 on 2 cores the runs share their cores and the ratio means little)"
echo
pw=$(echo "${RUNS[peer]:-}" | median)
echo "| $N^3, $NSTEPS steps, medians of $REPEATS | threads | whole process wall | CPU (user) | step (median) | bytes/cell | / laplacianFoam 2 ranks ($pw s) |"
echo "|---|---|---|---|---|---|---|"
for label in dermasim before; do
  for t in $THREADS; do
    [ -n "${RUNS[$label.$t.wall]:-}" ] || continue
    w=$(echo "${RUNS[$label.$t.wall]}" | median)
    ratio=n/a
    [ "$pw" != n/a ] && [ "$t" = 2 ] && ratio=$(awk -v a="$w" -v b="$pw" 'BEGIN{printf "%.3f", a/b}')
    echo "| $label | $t | $w s | $(echo "${RUNS[$label.$t.user]}" | median) s | $(echo "${RUNS[$label.$t.step]}" | median) s | $(echo "${RUNS[$label.$t.bpc]}" | median) | $ratio |"
  done
done

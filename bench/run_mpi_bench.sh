#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# One case across MPI ranks (docs/performance.md, "One case across machines"): the diffusion cube of
# bench/cases/cube_3d.yaml (top face held, backward Euler at D dt / h^2 = 10 laterally, fixed steps)
# on NX x NX lateral columns and NZ depth cells, run
#   - on one rank with the one-rank solver (multigrid CG, 1 thread),
#   - on one rank with the distributed solver (DERMASIM_HYPRE=1: hypre PCG + PFMG, 1 rank),
#   - under mpirun -np R for each R given (hypre over R ranks, 1 thread each),
# and prints per run: whole-process wall time, time per step, CG iterations per solve, the solver
# tolerance, peak memory and CPU time of every rank; then whether each run's fields agree with the
# first run's to 100 x the tolerance (tests/cli/run_mpi/compare_ranks.py).
# Not a timed test: run it by hand on a quiet machine.
#   bench/run_mpi_bench.sh [NX] [NZ] [STEPS] [RANKS...]     (default 128 128 20 2)
#   SKIP_SERIAL=1 / SKIP_HYPRE1=1: leave out the one-rank multigrid / hypre run; DERMASIM=path;
#   TOL=1e-8; OUT=folder. The fields are compared with the first run's.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NX=${1:-128}
NZ=${2:-128}
STEPS=${3:-20}
shift 3 2> /dev/null || shift $#
RANKS=("$@")
[ ${#RANKS[@]} -eq 0 ] && RANKS=(2)
DERMASIM=${DERMASIM:-$ROOT/build/dermasim}
TOL=${TOL:-1e-8}
OUT=${OUT:-$(mktemp -d /tmp/dermasim-mpi-bench.XXXXXX)}
PY=/usr/bin/python3
DT=$($PY -c "print(10.0 / $NX**2)")
END=$($PY -c "print($STEPS * 10.0 / $NX**2)")
CASE=(run "$ROOT/bench/cases/cube_3d.yaml" -q --set "geometry.lateral_cells=[$NX,$NX]" --set "skin.layers[0].cells=$NZ"
      --set "time.dt=$DT" --set "time.end=$END" --set "solver.tolerance=$TOL" --set "output.file=run.h5")
mpi=(--oversubscribe)
[ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)
cells=$((NX * NX * NZ))
echo "# one case across MPI ranks: $NX x $NX x $NZ = $cells cells, $STEPS backward-Euler steps, CG relative tolerance $TOL; results in $OUT"
echo "# $(date -u '+%F %T UTC'), $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-28s %10s %10s %8s %9s  %s\n" run "process s" "s/step" "it/solve" tolerance "per rank: peak memory MB (B/cell of the whole grid), CPU s"
one() {  # one NAME [launcher...] : runs the case in $OUT/NAME
  local name=$1; shift
  mkdir -p "$OUT/$name"
  local t0 t1
  t0=$(date +%s.%N)
  (cd "$OUT/$name" && "$@" /usr/bin/time -f "peak_kb %M cpu %U" "$DERMASIM" "${CASE[@]}" > log.txt 2>&1)
  t1=$(date +%s.%N)
  local line steps wall it mem
  line=$(grep -E "steps \(" "$OUT/$name/log.txt" | tail -1)
  steps=$(sed -E 's/^ *([0-9]+) steps.*/\1/' <<< "$line")
  wall=$(sed -E 's/.*wall time ([0-9.]+) s.*/\1/' <<< "$line")
  it=$(sed -E 's/.* ([0-9.]+) iterations per solve.*/\1/' <<< "$line")
  mem=$(grep peak_kb "$OUT/$name/log.txt" | awk -v c=$cells '{printf "%s%.0f (%.0f) %.1f", (NR>1?"; ":""), $2/1024, $2*1024/c, $4}')
  printf "%-28s %10.2f %10.3f %8s %9s  %s\n" "$name" "$($PY -c "print($t1 - $t0)")" "$($PY -c "print($wall / $steps)")" "$it" "$TOL" "$mem"
}
if [ "${SKIP_SERIAL:-0}" != 1 ]; then one "1 rank, multigrid CG" env OMP_NUM_THREADS=1; fi
if [ "${SKIP_HYPRE1:-0}" != 1 ]; then one "1 rank, hypre" env OMP_NUM_THREADS=1 DERMASIM_HYPRE=1; fi
for r in "${RANKS[@]}"; do one "$r ranks, hypre" mpirun "${mpi[@]}" -np "$r"; done
ref=$(ls -d "$OUT"/*/ | head -1)run.h5
RT=$($PY -c "print(100 * $TOL)")
for d in "$OUT"/*/; do
  [ "$d" = "$(dirname "$ref")/" ] && continue
  printf "%-28s " "$(basename "$d")"
  $PY "$ROOT/tests/cli/run_mpi/compare_ranks.py" "$ref" "$d/run.h5" "$RT" | sed "s|^|vs $(basename "$(dirname "$ref")"): |" | head -3
done

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# `mpirun -np 2|3 dermasim sweep` (OpenMPI, one machine) gives the same table as the threaded run.
# Skipped (exit 77) when dermasim was built without MPI or mpirun is missing.
#   bash tests/cli/test_sweep_mpi.sh <dermasim> <tests/cli> <mpirun>
set -u
DERMASIM=${1:?usage: test_sweep_mpi.sh <dermasim> <tests/cli> <mpirun>}
CLI=$(cd "${2:?}" && pwd)
MPIRUN=${3:-mpirun}
. "$CLI/lib.sh"
command -v "$MPIRUN" > /dev/null || { echo "no mpirun: skipped"; exit 77; }
cli_start sweep-mpi
S=$CLI/sweep/resume.yaml
table() { awk -F, 'BEGIN{OFS=","} {NF=NF-2; print}' "$1"; }
opts=(--oversubscribe)
[ "$(id -u)" -eq 0 ] && opts+=(--allow-run-as-root)
"$DERMASIM" sweep "$S" --output threads --jobs 2 -q > /dev/null 2>&1
check "threaded run: 40 cases" '[ $(grep -c ",ok," threads/results.csv) -eq 40 ]'
for np in 2 3; do
  "$MPIRUN" "${opts[@]}" -np $np "$DERMASIM" sweep "$S" --output mpi$np -q > mpi$np.txt 2>&1; rc=$?
  check "mpirun -np $np exits 0" '[ $rc -eq 0 ]'
  check "mpirun -np $np: $((np - 1)) MPI workers" 'grep -q "$((np - 1)) MPI workers" mpi$np.txt'
  check "mpirun -np $np: the same table as the threaded run" 'diff <(table threads/results.csv) <(table mpi$np/results.csv) > /dev/null'
done
cli_end

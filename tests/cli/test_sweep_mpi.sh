#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# `mpirun -np 2|3 dermasim sweep` (OpenMPI, one machine) gives the same table as the threaded run,
# also when it resumes (--resume) a threaded sweep that was killed.
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
# --resume under MPI: a threaded sweep killed mid-way, continued by 3 ranks
"$DERMASIM" sweep "$S" --output part --jobs 2 -q > /dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  n=$(($( { wc -l < part/sweep.journal; } 2> /dev/null || echo 1) - 1))
  [ "$n" -ge 8 ] && break
  sleep 0.02
done
kill -KILL $pid
wait $pid 2> /dev/null
n=$(($(wc -l < part/sweep.journal) - 1))
"$MPIRUN" "${opts[@]}" -np 3 "$DERMASIM" sweep "$S" --output part --resume > part.txt 2>&1; rc=$?
check "mpirun --resume after a kill ($n of 40 recorded): exit 0, only the rest run" '[ $rc -eq 0 ] && [ $n -lt 40 ] && grep -q "$((40 - n)) ran now, $n done before" part.txt'
check "mpirun --resume: the same table as the threaded run" 'diff <(table threads/results.csv) <(table part/results.csv) > /dev/null'
cli_end

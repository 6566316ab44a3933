#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A sweep killed mid-way (SIGTERM, then SIGKILL) and resumed with --resume gives the same
# results.csv as an uninterrupted run (byte for byte but the wall_s timing column), and recomputes
# none of the cases that had finished.
#   bash tests/cli/test_sweep_resume.sh <dermasim> <tests/cli>
set -u
DERMASIM=${1:?usage: test_sweep_resume.sh <dermasim> <tests/cli>}
CLI=$(cd "${2:?}" && pwd)
. "$CLI/lib.sh"
cli_start sweep-resume
S=$CLI/sweep/resume.yaml
table() { awk -F, 'BEGIN{OFS=","} {NF=NF-2; print}' "$1"; }  # drop wall_s, solve_s (the timing columns)

"$DERMASIM" sweep "$S" --output ref --jobs 2 -q > /dev/null 2>&1; rc=$?
check "uninterrupted run exits 0" '[ $rc -eq 0 ]'
check "40 cases" '[ $(grep -c ",ok," ref/results.csv) -eq 40 ]'

for sig in TERM KILL; do
  out=killed_$sig
  "$DERMASIM" sweep "$S" --output $out --jobs 2 -q > /dev/null 2>&1 &
  pid=$!
  # wait until some cases are recorded (journal: a header and a line per case), then kill
  for _ in $(seq 1 600); do
    n=$(($( { wc -l < $out/sweep.journal; } 2>/dev/null || echo 1) - 1))
    [ "$n" -ge 8 ] && break
    sleep 0.02
  done
  kill -$sig $pid
  wait $pid; rc=$?
  n=$(($(wc -l < $out/sweep.journal) - 1))
  check "SIG$sig: stopped mid-way ($n of 40 recorded, exit $rc)" '[ $n -ge 8 ] && [ $n -lt 40 ] && [ $rc -ne 0 ]'
  "$DERMASIM" sweep "$S" --output $out --jobs 2 --resume > resume_$sig.txt 2>&1; rc=$?
  check "SIG$sig: resume exits 0" '[ $rc -eq 0 ]'
  ran=$(grep -o "[0-9]* ran now" resume_$sig.txt | cut -d" " -f1)
  before=$(grep -o "[0-9]* done before" resume_$sig.txt | cut -d" " -f1)
  check "SIG$sig: resume ran only the rest ($ran ran, $before from the journal)" '[ $((ran + before)) -eq 40 ] && [ $before -ge $n ]'
  check "SIG$sig: the table equals the uninterrupted one" 'diff <(table ref/results.csv) <(table $out/results.csv) > /dev/null'
done
cli_end

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run_sweep_bench.sh [DERMASIM]: the 1000-case Franz sweep (bench/sweep/franz_1000.yaml) with 1 and
# 2 jobs, REPEATS times each (env, default 3), the two alternating so that both see the same load.
# Per run: wall time, cases/s, the CPU time (user + sys), the mean solve time per case (solve_s of
# the table: Simulation::run), the mean case time in its worker (wall_s: reading, building, solving,
# metrics), the per-case overhead beyond the solve from the wall time (wall x jobs / cases - solve)
# and from the CPU time (CPU / cases - solve), and the load average before it. Then the best and
# median wall time per job count and the parallel efficiency from each (the best is the figure
# least disturbed by other processes on a shared machine).
# PRIO (env, optional): a command prefix that sets the scheduling of the timed runs, e.g.
# PRIO="chrt -f 10" (real-time FIFO, root only): on a machine loaded by other users the sweep's
# threads then get whole cores while they run, so the wall times show the program's own parallel
# efficiency instead of the share of the CPU the other processes left (docs/performance.md).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DERMASIM=${1:-$ROOT/build/dermasim}
REPEATS=${REPEATS:-3}
SWEEP=$ROOT/bench/sweep/franz_1000.yaml
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
echo "# machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC'); scheduling: ${PRIO:-default}"
declare -A walls
for r in $(seq 1 "$REPEATS"); do
  for jobs in 1 2; do
    rm -rf "$WORK/j$jobs"
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    t0=$(date +%s.%N)
    TIMEFORMAT="%U %S"
    cpu=$( { time ${PRIO:-} "$DERMASIM" sweep "$SWEEP" --output "$WORK/j$jobs" --jobs $jobs --quiet > /dev/null 2>&1; } 2>&1 | awk '{printf "%.2f", $1 + $2}')
    t1=$(date +%s.%N)
    w=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}')
    walls[$jobs]="${walls[$jobs]:-} $w"
    read -r n case solve < <(awk -F, 'NR>1{n++; c+=$(NF-1); s+=$NF} END{printf "%d %.5f %.5f\n", n, c/n, s/n}' "$WORK/j$jobs/results.csv")
    over=$(awk -v w="$w" -v j=$jobs -v n="$n" -v s="$solve" 'BEGIN{printf "%.2f", (w*j/n - s)*1000}')
    echo "jobs=$jobs cases=$n wall_s=$w cases_per_s=$(awk -v w="$w" -v n="$n" 'BEGIN{printf "%.1f", n/w}') cpu_s=$cpu" \
         "mean_solve_ms=$(awk -v s="$solve" 'BEGIN{printf "%.2f", s*1000}') mean_case_ms=$(awk -v s="$case" 'BEGIN{printf "%.2f", s*1000}')" \
         "overhead_ms_per_case=$over cpu_overhead_ms_per_case=$(awk -v c="$cpu" -v n="$n" -v s="$solve" 'BEGIN{printf "%.2f", (c/n - s)*1000}')" \
         "load_before=\"$load\""
  done
  diff <(cut -d, -f1-10 "$WORK/j1/results.csv") <(cut -d, -f1-10 "$WORK/j2/results.csv") > /dev/null || echo "tables DIFFER (1 and 2 jobs)"
done
stats() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END{printf "%s %s\n", v[1], (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
read -r b1 m1 < <(echo "${walls[1]}" | stats)
read -r b2 m2 < <(echo "${walls[2]}" | stats)
echo "best wall_s: 1 job $b1, 2 jobs $b2 -> efficiency $(awk -v a="$b1" -v b="$b2" 'BEGIN{printf "%.0f %%", 100*a/(2*b)}')"
echo "median wall_s: 1 job $m1, 2 jobs $m2 -> efficiency $(awk -v a="$m1" -v b="$m2" 'BEGIN{printf "%.0f %%", 100*a/(2*b)}')"

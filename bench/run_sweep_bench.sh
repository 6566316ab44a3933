#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run_sweep_bench.sh [DERMASIM]: the 1000-case Franz sweep (bench/sweep/franz_1000.yaml) with 1 and
# 2 jobs; prints wall time, cases/s, parallel efficiency, the mean solve time per case (solve_s of
# the table: Simulation::run), the mean case time in its worker (wall_s: reading, building, solving,
# metrics) and the per-case overhead beyond the solve (wall x jobs / cases - mean solve).
# The machine is shared: the load average is printed with each run, and the CPU time (user + sys)
# of each run, which the load does not inflate, with the overhead per case computed from it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DERMASIM=${1:-$ROOT/build/dermasim}
SWEEP=$ROOT/bench/sweep/franz_1000.yaml
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
echo "# machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC')"
declare -A wall
for jobs in 1 2; do
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  t0=$(date +%s.%N)
  TIMEFORMAT="%U %S"
  cpu=$( { time "$DERMASIM" sweep "$SWEEP" --output "$WORK/j$jobs" --jobs $jobs --quiet > /dev/null 2>&1; } 2>&1 | awk '{printf "%.2f", $1 + $2}')
  t1=$(date +%s.%N)
  w=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}')
  wall[$jobs]=$w
  read -r n case solve < <(awk -F, 'NR>1{n++; c+=$(NF-1); s+=$NF} END{printf "%d %.5f %.5f\n", n, c/n, s/n}' "$WORK/j$jobs/results.csv")
  over=$(awk -v w="$w" -v j=$jobs -v n="$n" -v s="$solve" 'BEGIN{printf "%.2f", (w*j/n - s)*1000}')
  echo "jobs=$jobs cases=$n wall_s=$w cases_per_s=$(awk -v w="$w" -v n="$n" 'BEGIN{printf "%.1f", n/w}') mean_solve_ms=$(awk -v s="$solve" 'BEGIN{printf "%.2f", s*1000}') mean_case_ms=$(awk -v s="$case" 'BEGIN{printf "%.2f", s*1000}') overhead_ms_per_case=$over cpu_s=$cpu cpu_overhead_ms_per_case=$(awk -v c="$cpu" -v n="$n" -v s="$solve" 'BEGIN{printf "%.2f", (c/n - s)*1000}') load_before=\"$load\""
done
echo "efficiency_1_to_2=$(awk -v a="${wall[1]}" -v b="${wall[2]}" 'BEGIN{printf "%.0f %%", 100*a/(2*b)}')"
diff <(cut -d, -f1-10 "$WORK/j1/results.csv") <(cut -d, -f1-10 "$WORK/j2/results.csv") > /dev/null && echo "tables: identical (1 and 2 jobs)"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# `dermasim compare` on two tiny cases: the table's CSV has the documented header and one row per
# scenario, each scenario has its .h5 and _metrics.csv; a bad case stops everything with exit 2
# before anything runs.
#   bash tests/cli/test_compare.sh <path-to-dermasim> <tests/cli dir>
set -u
DERMASIM=${1:?usage: test_compare.sh <path-to-dermasim> <tests/cli dir>}
HERE=${2:?usage: test_compare.sh <path-to-dermasim> <tests/cli dir>}
DERMASIM=$(cd "$(dirname "$DERMASIM")" && pwd)/$(basename "$DERMASIM")
HERE=$(cd "$HERE" && pwd)
source "$HERE/lib.sh"
cli_start compare

cp "$HERE/good.yaml" a.yaml
sed -e 's/^name: good/name: stronger/' -e 's/concentration: 20 mg\/mL/concentration: 40 mg\/mL/' "$HERE/good.yaml" > b.yaml
"$DERMASIM" compare a.yaml b.yaml --out out --quiet > stdout.txt 2> stderr.txt
rc=$?
check "compare exits 0" "[ $rc -eq 0 ]"
check "progress per scenario" "grep -q '\[1/2\] good' stderr.txt && grep -q '\[2/2\] stronger' stderr.txt"
check "CSV written" "[ -f out/compare.csv ]"
header=$(head -1 out/compare.csv 2>/dev/null)
check "CSV header" "[[ '$header' == scenario,species,target,amount_basis,threshold_mg_mL,t_end_h,dose_ug,peak_amount_ug,peak_pct_dose,*,ratio_auc_mg_mL_h,* ]]"
check "CSV rows: header + 2 scenarios" "[ $(wc -l < out/compare.csv) -eq 3 ]"
check "first row is the baseline (ratio 1)" "grep -q '^good,caf,dermis,per_cm2,n/a,1,[^,]*,.*,1,1,' out/compare.csv"
# the ratio column found by its header name (columns may be added)
check "second row doubles the peak amount" "awk -F, 'NR==1 {for (i = 1; i <= NF; ++i) if (\$i == \"ratio_peak_amount_ug\") c = i} NR==3 {exit !(c > 0 && \$1==\"stronger\" && \$c > 1.99 && \$c < 2.01)}' out/compare.csv"
check "per-scenario outputs" "[ -f out/good.h5 ] && [ -f out/stronger.h5 ] && [ -f out/good_metrics.csv ] && [ -f out/stronger_metrics.csv ]"
check "table printed" "grep -q 'ratio to good' stdout.txt"

# a bad case among good ones: exit 2, nothing run, nothing written
printf 'name: bad\ntime: {end: -1 h}\n' > bad.yaml
"$DERMASIM" compare a.yaml bad.yaml --out out2 --quiet > stdout2.txt 2> stderr2.txt
rc=$?
check "bad case: exit 2" "[ $rc -eq 2 ]"
check "bad case: message names the file" "grep -q 'bad.yaml:2: time.end' stderr2.txt"
check "bad case: nothing ran" "! grep -q '\[1/2\]' stderr2.txt && [ ! -e out2/good.h5 ]"

cli_end

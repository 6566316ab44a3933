#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# `dermasim sweep`: the table's columns (the contract of docs/sweep.md), --dry-run, the same table
# whatever --jobs, and bad sweep files stopping with exit 2, file:line and key path, and no output.
#   bash tests/cli/test_sweep.sh <dermasim> <tests/cli>
set -u
DERMASIM=${1:?usage: test_sweep.sh <dermasim> <tests/cli>}
CLI=$(cd "${2:?}" && pwd)
. "$CLI/lib.sh"
cli_start sweep
S=$CLI/sweep

"$DERMASIM" sweep "$S/small.yaml" --dry-run > dry.txt 2> dry.err; rc=$?
check "dry run exits 0" '[ $rc -eq 0 ]'
check "dry run lists 6 cases" '[ $(grep -c "^[0-9]" dry.txt) -eq 6 ]'
check "dry run writes nothing" '[ ! -e out1 ]'

"$DERMASIM" sweep "$S/small.yaml" --output out1 --jobs 1 -q > run1.txt 2> run1.err; rc=$?
check "sweep exits 0" '[ $rc -eq 0 ]'
check "results.csv header" '[ "$(head -1 out1/results.csv)" = "case,status,delivery[0].concentration,skin.layers[0].thickness,receptor_pct_dose,peak_pct_dose,cmax_mg_mL,dermis_pct_dose_at_1h,error,wall_s,solve_s" ]'
check "6 rows, all ok" '[ $(grep -c ",ok," out1/results.csv) -eq 6 ]'
check "row 3: 2 mg/mL, 30 um" 'grep -q "^3,ok,2 mg/mL,30 um," out1/results.csv'
check "results.h5 written" '[ -s out1/results.h5 ]'
check "no field output by default" '[ ! -e out1/cases ]'
"$DERMASIM" sweep "$S/fields.yaml" --output fields -q > /dev/null 2>&1
check "fields: true: each case's HDF5 and XDMF in DIR/cases" '[ -s fields/cases/case_0.h5 ] && [ -s fields/cases/case_1.h5 ] && [ -s fields/cases/case_1.xmf ]'
# more SC: less in the receptor at the same concentration (case 0: 10 um, case 1: 30 um)
r0=$(awk -F, '$1==0{print $5}' out1/results.csv); r1=$(awk -F, '$1==1{print $5}' out1/results.csv)
check "thicker SC, less in the receptor ($r0 > $r1)" 'awk -v a="$r0" -v b="$r1" "BEGIN{exit !(a > b && b > 0)}"'
# receptor % of dose does not depend on the concentration (linear problem): case 0 vs 2 vs 4
r2=$(awk -F, '$1==2{print $5}' out1/results.csv)
check "linear in the dose: same % at 1 and 2 mg/mL ($r0, $r2)" 'awk -v a="$r0" -v b="$r2" "BEGIN{d=a-b; if(d<0)d=-d; exit !(d <= 1e-6*a)}"'

"$DERMASIM" sweep "$S/small.yaml" --output out2 --jobs 2 -q > /dev/null 2>&1
check "--jobs 2 gives the same table" 'diff <(cut -d, -f1-9 out1/results.csv) <(cut -d, -f1-9 out2/results.csv) > /dev/null'
"$DERMASIM" sweep "$S/small.yaml" --output out1 -q > again.txt 2>&1; rc=$?
check "a second run into the same folder needs --resume (exit 2)" '[ $rc -eq 2 ] && grep -q -- "--resume" again.txt'
"$DERMASIM" sweep "$S/small.yaml" --output out1 --resume -q > resumed.txt 2>&1; rc=$?
check "--resume of a finished sweep runs nothing" '[ $rc -eq 0 ] && grep -q "0 ran now, 6 done before" resumed.txt'

"$DERMASIM" sweep "$S/failing.yaml" --output fail > fail.txt 2>&1; rc=$?
check "a case failing as it runs: the sweep goes on (exit 0)" '[ $rc -eq 0 ]'
check "the failed case is in the table with its error" 'grep -q "^1,failed,1e-20,,,,\"\\?time step became too small" fail/results.csv'
check "the other cases ran" '[ $(grep -c ",ok," fail/results.csv) -eq 2 ]'
check "the report counts it" 'grep -q "1 failed in all" fail.txt'

# the sweep's metrics are those of `dermasim run` for the same case (one code path: app/case_runner)
"$DERMASIM" run "$CLI/../../configs/caffeine_franz.yaml" --set time.end="2 h" --set "delivery[0].remove=2 h" --set time.rtol=1e-4 -o run0.h5 -q > run0.txt 2>&1
sw=$(awk -F, '$1==0{print $5, $6}' fail/results.csv)
rn=$(awk -F, '$1=="caffeine" && $3=="all"{print $11, $15}' run0_metrics.csv)
check "sweep case = dermasim run: peak % and Cmax ($sw | $rn)" 'awk -v a="$sw" -v b="$rn" "BEGIN{split(a,x,\" \"); split(b,y,\" \"); for(i=1;i<=2;i++){d=x[i]-y[i]; if(d<0)d=-d; if(!(y[i]>0) || d>1e-5*y[i]) exit 1}}"'
"$DERMASIM" sweep "$S/ha_papule.yaml" --output ha -q > /dev/null 2>&1
"$DERMASIM" run "$CLI/../../configs/ha/linear_booster_papules.yaml" --set time.end="2 h" --set time.rtol=1e-3 -o ha_run.h5 -q > ha_run.txt 2>&1
h_sw=$(awk -F, '$1==0{print $4}' ha/results.csv)
h_run=$(sed -n 's/.*peak height \([0-9.]*\) mm.*/\1/p' ha_run.txt | head -1)
r_sw=$(awk -F, '$1==0{print $5}' ha/results.csv)
r_run=$(sed -n 's/.*HA remaining in tissue.*: \([0-9.]*\) % of applied.*/\1/p' ha_run.txt | head -1)
check "sweep papule height = run's ($h_sw mm | $h_run mm printed to 3 digits)" 'awk -v a="$h_sw" -v b="$h_run" "BEGIN{d=a-b; if(d<0)d=-d; exit !(b>0 && d<=0.006)}"'
check "sweep HA remaining = run's ($r_sw % | $r_run %)" 'awk -v a="$r_sw" -v b="$r_run" "BEGIN{d=a-b; if(d<0)d=-d; exit !(b>0 && d<=0.06)}"'

if /usr/bin/python3 -c "import h5py, matplotlib" 2> /dev/null; then
  # results.h5 holds the table of results.csv: inputs as applied, metrics, curves per case
  /usr/bin/python3 - > h5.txt 2>&1 <<'PY'
import csv, h5py, math
rows = list(csv.DictReader(open("out1/results.csv")))
with h5py.File("out1/results.h5", "r") as f:
    assert list(f["case"][()]) == [int(r["case"]) for r in rows]
    txt = [s.decode() for s in f["inputs"]["skin.layers[0].thickness"][()]]
    assert txt == [r["skin.layers[0].thickness"] for r in rows], txt
    si = f["inputs_si"]["skin.layers[0].thickness"][()]
    assert abs(si[1] - 30e-6) < 1e-15, si
    m = f["metrics"]["receptor_pct_dose"][()]
    for a, r in zip(m, rows):
        assert math.isclose(a, float(r["receptor_pct_dose"]), rel_tol=1e-9), (a, r)
    c = f["curves"]["receptor_pct_dose"][()]
    assert c.shape == (6, 50) and c[0, 0] == 0 and math.isclose(c[0, -1], m[0], rel_tol=1e-6), c[0]
print("ok")
PY
  check "results.h5 matches results.csv (inputs, metrics, curves)" 'grep -qx ok h5.txt'

  /usr/bin/python3 "$CLI/../../scripts/plot_sweep.py" out1 > plots.txt 2>&1; rc=$?
  check "plot_sweep.py: response curves and heat maps" '[ $rc -eq 0 ] && [ -s out1/plots/response_receptor_pct_dose.png ] && [ -s out1/plots/heatmap_receptor_pct_dose.png ]'
fi

bad() {  # bad FILE LINE KEY WORDS
  f=$1 where="$1:$2: $3" words=$4
  "$DERMASIM" sweep "$S/$f" --output "bad_$f" > "bad_$f.txt" 2>&1; rc=$?
  check "$f: exit 2" '[ $rc -eq 2 ]'
  check "$f: names $where" 'grep -qF -- "$where" "bad_$f.txt"'
  check "$f: says $words" 'grep -qF -- "$words" "bad_$f.txt"'
  check "$f: no output folder" '[ ! -e "bad_$f" ]'
}
bad bad_key.yaml 4 "delivery[0].concentraton" "unknown key 'concentraton'"
bad bad_empty.yaml 3 "vary[0].values" "empty axis"
bad bad_log.yaml 3 "vary[0].range" "from < to"
bad bad_metric.yaml 4 "metrics[1]" "unknown metric 'peak_ug'"
bad bad_distribution.yaml 4 "vary[0].distribution.kind" "weibull"
# a value only some cases have is found as that case is read (--dry-run finds it up front, below):
# the case is recorded as failed with the error, the others run, and the exit code is 2
"$DERMASIM" sweep "$S/bad_value.yaml" --output bad_value > bad_value.txt 2>&1; rc=$?
check "bad_value.yaml: exit 2" '[ $rc -eq 2 ]'
check "bad_value.yaml: names bad_value.yaml:3: delivery[0].concentration, case 1" 'grep -qF "bad_value.yaml:3: delivery[0].concentration: case 1 (" bad_value.txt'
check "bad_value.yaml: the case is failed in the table, the other ran" 'grep -q "^1,failed," bad_value/results.csv && grep -q "^0,ok," bad_value/results.csv'
check "bad_value.yaml: points to --dry-run" 'grep -qF -- "--dry-run" bad_value.txt'
"$DERMASIM" sweep "$S/bad_base.yaml" --output bad_base > bad_base.txt 2>&1; rc=$?
check "an error in the base case names the base file and line (exit 2)" '[ $rc -eq 2 ] && grep -qF "base_typo.yaml:2: time.output_evry" bad_base.txt'
"$DERMASIM" sweep "$S/bad_value.yaml" --dry-run > dv.txt 2>&1; rc=$?
check "dry run of a bad combination: exit 2, case id" '[ $rc -eq 2 ] && grep -q "case 1" dv.txt'
cli_end

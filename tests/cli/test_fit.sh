#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# `dermasim fit`: the shipped example (configs/fit) fits and writes fit.csv with the contract's
# columns and one row per parameter named by its key path, fitted.yaml that runs as a case, and the
# summary; bad fit files and data files stop with exit 2, the file, line/row and key/column, and
# write nothing.
#   bash tests/cli/test_fit.sh <path-to-dermasim> <repository root>
set -u
DERMASIM=${1:?usage: test_fit.sh <dermasim> <repo root>}
ROOT=${2:?usage: test_fit.sh <dermasim> <repo root>}
# shellcheck source=lib.sh
. "$ROOT/tests/cli/lib.sh"
cli_start fit
cp "$ROOT"/configs/fit/membrane.yaml "$ROOT"/configs/fit/fit.yaml "$ROOT"/configs/fit/receptor.csv .

"$DERMASIM" fit fit.yaml --output out -q > fit.out 2> fit.err
rc=$?
check "example fit exits 0" '[ $rc -eq 0 ]'
check "fit.csv header" '[ "$(head -1 out/fit.csv)" = "parameter,value,lower_95,upper_95,unit" ]'
check "fit.csv: one row per parameter, named by its key path" \
  '[ "$(cut -d, -f1 out/fit.csv | tail -n +2 | tr "\n" " ")" = "species[0].properties.membrane.diffusivity species[0].properties.membrane.partition " ]'
check "fit.csv: units of the bounds" '[ "$(cut -d, -f5 out/fit.csv | tail -n +2 | tr "\n" " ")" = "m2/s  " ]'
# the example's data were made with D = 1.5e-13 m2/s, K = 3 (3 % noise): the intervals contain them
check "fit.csv: intervals contain the true values" \
  'awk -F, "NR==2 {ok = (\$3 <= 1.5e-13 && 1.5e-13 <= \$4)} NR==3 {ok = ok && (\$3 <= 3 && 3 <= \$4)} END {exit !ok}" out/fit.csv'
check "summary printed with goodness of fit" 'grep -q "goodness of fit" fit.out && grep -q "R^2" fit.out'
check "fitted.yaml is a valid case" '"$DERMASIM" check out/fitted.yaml > /dev/null'
check "fitted.yaml carries the fitted value" \
  '"$DERMASIM" check out/fitted.yaml | grep -q "diffusivity: $(awk -F, "NR==2 {printf \"%.4g\", \$2}" out/fit.csv | cut -c1-4)"'
check "fitted.yaml runs with --set" '"$DERMASIM" run out/fitted.yaml --set "delivery[0].concentration=2 mg/mL" --output run.h5 -q > /dev/null 2>&1 && [ -f run.h5 ]'
if /usr/bin/python3 -c "import matplotlib" 2> /dev/null; then
  check "fit.png written" '[ -s out/fit.png ]'
fi
"$DERMASIM" fit fit.yaml --output outp --profile --starts 2 -q > /dev/null 2>&1
check "--profile writes profile.csv" '[ "$(head -1 outp/profile.csv)" = "parameter,lower_95,upper_95,unit" ] && [ "$(wc -l < outp/profile.csv)" -eq 3 ]'
# nearly linear in log D and log K here: the profile intervals are within 10 % of the Jacobian's
check "profile intervals close to the Jacobian's" \
  'paste -d, outp/fit.csv outp/profile.csv | awk -F, "NR>1 {for (k = 0; k < 2; ++k) {a = \$(3+k); b = \$(7+k); if (a/b > 1.1 || b/a > 1.1) bad = 1}} END {exit bad}"'

# sds ten times too small: the chi-square test of the sds warns
awk -F, 'BEGIN {OFS = ","} /^[0-9]/ {$3 = $3 / 10} {print}' receptor.csv > small_sd.csv
sed 's/receptor.csv/small_sd.csv/' fit.yaml > small_sd.yaml
"$DERMASIM" fit small_sd.yaml --output small --starts 1 -q > small.out 2>&1
check "sds too small: chi-square warning" 'grep -q "scatter more than the sds say" small.out'
check "example: no chi-square warning" '! grep -q "scatter more than" fit.out'

# bad fit files: exit 2, file:line: key, nothing written
expect_error() {  # LABEL PATTERN (runs bad.yaml)
  rm -rf bad_out
  "$DERMASIM" fit bad.yaml --output bad_out -q > /dev/null 2> err.txt
  rc=$?
  pat=$2
  check "$1: exit 2" '[ $rc -eq 2 ]'
  check "$1: message" 'grep -q -- "$pat" err.txt || { cat err.txt; false; }'
  check "$1: no output" '[ ! -e bad_out ]'
}
sed 's/scale: log}/scale: logarithmic}/' fit.yaml > bad.yaml
expect_error "bad scale" "bad.yaml:6: parameters\[0\].scale"
sed 's/membrane.partition/membrane.partitio/' fit.yaml > bad.yaml
expect_error "unknown key path" "bad.yaml:7: parameters\[1\].key: 'species\[0\].properties.membrane.partitio'"
sed 's/^base:/bsae:/' fit.yaml > bad.yaml
expect_error "unknown top-level key" "bad.yaml.*bsae"
sed 's/\[0.1, 100\]/[100, 0.1]/' fit.yaml > bad.yaml
expect_error "reversed bounds" "bad.yaml:7: parameters\[1\].bounds"
sed 's/species: tracer/species: tracr/' fit.yaml > bad.yaml
expect_error "unknown species" "bad.yaml:9: data\[0\].species: no species 'tracr'"
printf 'time: {end: 24 h\n' > broken.yaml
sed 's/^base: membrane.yaml/base: broken.yaml/' fit.yaml > bad.yaml
expect_error "broken base case" "bad.yaml:9: data: data set 'receptor': its case broken.yaml.*broken.yaml:2: YAML syntax error"
# bad data: file, row, column
sed 's/receptor.csv/bad.csv/' fit.yaml > bad.yaml
printf 'time_h,receptor_ug_cm2\n1,2\n0.5,3\n' > bad.csv
expect_error "time decreases" "bad.csv:3: column 1 .time_h.: time decreases"
printf 'time_h,receptor_ug_cm2\n1,2\n2,x\n' > bad.csv
expect_error "not a number" "bad.csv:3: column 2 'receptor_ug_cm2': 'x' is not a number"
printf 'time_h,receptor\n1,2\n' > bad.csv
expect_error "missing unit" "bad.csv:1: column 2 'receptor': has no unit"
printf 'time_h,receptor_ug_cm2\n1,-2\n' > bad.csv
expect_error "negative amount" "bad.csv:2: column 2 'receptor_ug_cm2': negative"
: > bad.csv
expect_error "empty file" "bad.csv: the data file is empty"
cli_end

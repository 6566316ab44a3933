#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# `dermasim sweep` with a skin-population axis (docs/sweep.md, "Skin populations"): the columns it
# makes (the reticular dermis thickness, the clearance of both dermal layers), the values written
# in the cases, the example of configs/sweeps validated, an age outside the recorded groups (a
# note, or exit 2 when nothing is left), and a bad site, sex, age or age group stopping with exit 2,
# the file, line and key, and no output. (The sampled means and SDs against
# the table: tests/test_sweep.cpp, [population].)
#   bash tests/cli/test_sweep_population.sh <dermasim> <tests/cli>
set -u
DERMASIM=${1:?usage: test_sweep_population.sh <dermasim> <tests/cli>}
CLI=$(cd "${2:?}" && pwd)
. "$CLI/lib.sh"
cli_start sweep_population
S=$CLI/sweep_population

"$DERMASIM" sweep "$S/small.yaml" --output out --jobs 2 -q > run.txt 2>&1; rc=$?
check "population sweep exits 0" '[ $rc -eq 0 ]'
check "columns: clearance of both dermal layers, reticular thickness" \
  '[ "$(head -1 out/results.csv | cut -d, -f1-5)" = "case,status,skin.layers[2].clearance,skin.layers[3].thickness,skin.layers[3].clearance" ]'
check "16 cases, all ok" '[ $(grep -c ",ok," out/results.csv) -eq 16 ]'
# reticular dermis = full skin (1.24 +- 0.27 mm, truncated at 3 SD) - the layers above: within the bounds
check "reticular thickness within the truncated population" \
  'awk -F, "NR>1{split(\$4,a,\" \"); v=a[1]; if(a[2]==\"um\") v/=1000; if(v<0.2 || v>1.9) bad=1} END{exit bad}" out/results.csv'
# one person's perfusion: both clearances move together (the same ratio to the preset's value)
check "both dermal clearances from one draw" \
  'awk -F, "NR>1{r=\$3/\$5; if(NR==2) r0=r; d=r-r0; if(d<0)d=-d; if(d>1e-6*r0) bad=1} END{exit bad}" out/results.csv'
check "percentiles and bands written" '[ -s out/percentiles.csv ] && [ -s out/curves.csv ]'

"$DERMASIM" sweep "$CLI/../../configs/sweeps/face_population_uncertainty.yaml" --dry-run > dry.txt 2> dry.err; rc=$?
check "the example validates (128 cases)" '[ $rc -eq 0 ] && [ $(grep -c "^[0-9]" dry.txt) -eq 128 ]'

# tissue water: both dermal layers' water fractions from one draw, every case valid
"$DERMASIM" sweep "$S/water.yaml" --dry-run > water.txt 2> water.err; rc=$?
check "water population: valid (8 cases)" '[ $rc -eq 0 ] && [ $(grep -c "^[0-9]" water.txt) -eq 8 ]'
"$DERMASIM" sweep "$S/water.yaml" --output wout --jobs 2 -q > wrun.txt 2>&1; rc=$?
check "water population: columns are the water of both dermal layers" \
  '[ $rc -eq 0 ] && [ "$(head -1 wout/results.csv | cut -d, -f1-4)" = "case,status,skin.layers[2].water,skin.layers[3].water" ]'
check "water population: 8 cases ok, one draw (equal fractions, both layers at 0.66 in the preset), below 1" \
  '[ $(grep -c ",ok," wout/results.csv) -eq 8 ] && awk -F, "NR>1{if(\$3!=\$4 || \$3<=0.3 || \$3>=1) bad=1} END{exit bad}" wout/results.csv'

# an age no recorded group holds: that property is left out with a note, the others are sampled
"$DERMASIM" sweep "$S/old_note.yaml" --dry-run > old.txt 2> old.err; rc=$?
check "age 60 at the eyelid: valid (4 cases)" '[ $rc -eq 0 ] && [ $(grep -c "^[0-9]" old.txt) -eq 4 ]'
check "age 60 at the eyelid: a note names the file, line, key and the groups recorded" \
  'grep -qF "note: $S/old_note.yaml:5: vary[0].population: age 60 at site '"'"'face_periorbital'"'"': full_skin (female) is recorded for ages 20-29, 30-39, 40-49 only, not sampled" old.err'

bad() {  # bad FILE KEY WORDS
  f=$1 where="$1:5: $2" words=$3
  "$DERMASIM" sweep "$S/$f" --output "o_$f" > "$f.txt" 2>&1; rc=$?
  check "$f: exit 2" '[ $rc -eq 2 ]'
  check "$f: names $where" 'grep -qF -- "$where" "$f.txt"'
  check "$f: says $words" 'grep -qF -- "$words" "$f.txt"'
  check "$f: no output folder" '[ ! -e "o_$f" ]'
}
bad bad_site.yaml "vary[0].population.site" "'knee' is not allowed; choose one of: forearm_dorsal"
bad bad_sex.yaml "vary[0].population.sex" "'other' is not allowed; choose one of: any, female, male"
bad bad_age.yaml "vary[0].population.age" "give a number of years (45), a range (40-60), adult or any"
bad bad_age_group.yaml "vary[0].population" "the site has: face_periorbital/thickness/dermis"
bad bad_age_old.yaml "vary[0].population" "full_skin (female) is recorded for ages 20-29, 30-39, 40-49 only"
bad wet_dermis.yaml "vary[0].population" "scales the water fraction of layer 'dermis' (0.9) to 1.23 at mean + 3 SD: a water fraction must stay below 1"
cli_end

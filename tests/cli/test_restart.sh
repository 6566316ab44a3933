#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Checkpoint and restart (issue 14, item 1; docs/reliability.md): a run stopped by a signal from
# this script at a random moment, then continued with --restart, ends with a results file equal to
# an uninterrupted run's (every dataset and attribute, 1e-12 relative; tests/cli/h5_compare.py) and
# the same metrics table; likewise after SIGKILL from the periodic checkpoint <stem>.ckpt.h5. In
# 1d with a vehicle, axisymmetric with the injected fluid (with the osmotic coupling; advecting a
# solute), 3d with a schedule. A restart with a case changed in another key than time.end or the outputs is refused
# (exit 2) naming the key. Usage: test_restart.sh DERMASIM ROOT [long]
BIN=$1
ROOT=$2
MODE=${3:-fast}
PY=/usr/bin/python3
CMP="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/h5_compare.py"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cli_start restart
SEED=${RESTART_SEED:-$RANDOM}
RANDOM=$SEED
echo "seed $SEED (RESTART_SEED=$SEED reproduces the moments of the signals)"

# run_ref NAME CONFIG [--set ...]: the uninterrupted run; its wall time in ms goes to T_NAME
run_ref() {
  local name=$1 cfg=$2
  shift 2
  local t0 t1
  mkdir -p "ref_$name"
  t0=$(date +%s%N)
  (cd "ref_$name" && exec "$BIN" run "$ROOT/$cfg" "$@" -o out.h5 -q --checkpoint-every 0 >run.log 2>&1)
  local rc=$?
  t1=$(date +%s%N)
  eval "T_$name=$(((t1 - t0) / 1000000))"
  check "$name: the uninterrupted run (exit $rc)" "[ $rc -eq 0 ]"
}

# interrupt NAME SIGNAL CONFIG [--set ...]: starts the run, sends SIGNAL after a random part of the
# reference's wall time (10 to 80 %; shorter again when the run ended first), returns its exit code
interrupt() {
  local name=$1 sig=$2 cfg=$3
  shift 3
  local ref_ms
  eval "ref_ms=\$T_$name"
  local rc=0 try frac ms
  for try in 1 2 3 4; do
    rm -rf "int_$name"
    mkdir -p "int_$name"
    frac=$((10 + RANDOM % 71))
    ms=$((ref_ms * frac / 100 / try))
    (cd "int_$name" && exec "$BIN" run "$ROOT/$cfg" "$@" -o out.h5 -q "${EXTRA[@]}" >run.log 2>&1) &
    local pid=$!
    if [ "$sig" = KILL ]; then  # after the first checkpoint, so that there is one to continue from
      while [ ! -f "int_$name/out.ckpt.h5" ] && kill -0 $pid 2>/dev/null; do sleep 0.02; done
      ms=$((ms / 4))
    else  # once the run has begun (its output opened): a stop during the set-up leaves nothing to continue
      while ! ls "int_$name"/out.h5.tmp-* >/dev/null 2>&1 && kill -0 $pid 2>/dev/null; do sleep 0.005; done
    fi
    sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
    kill -"$sig" $pid 2>/dev/null
    wait $pid
    rc=$?
    echo "  $name: SIG$sig after ${ms} ms (try $try): exit $rc"
    # a SIGKILL that lands as the run exits (its output complete, its checkpoint removed) stopped
    # nothing: try again, earlier (a short run on a loaded machine)
    if [ "$sig" = KILL ] && [ $rc -ne 0 ] && [ -e "int_$name/out.h5" ] && [ ! -e "int_$name/out.ckpt.h5" ]; then
      echo "  $name: the run had finished before the kill landed: again"
      rc=0
      continue
    fi
    [ $rc -ne 0 ] && break
  done
  return $rc
}

# restart_and_compare NAME FILE CONFIG [--set ...]: FILE relative to int_NAME/
restart_and_compare() {
  local name=$1 file=$2 cfg=$3
  shift 3
  (cd "int_$name" && exec "$BIN" run "$ROOT/$cfg" "$@" -o out.h5 -q --restart "$file" >restart.log 2>&1)
  local rc=$?
  check "$name: the restart from $file runs to the end (exit $rc)" "[ $rc -eq 0 ]"
  [ $rc -eq 0 ] || cat "int_$name/restart.log"
  check "$name: equal to the uninterrupted run" "$PY '$CMP' ref_$name/out.h5 int_$name/out.h5"
  check "$name: the same metrics" "cmp -s ref_$name/out_metrics.csv int_$name/out_metrics.csv"
  check "$name: no checkpoint file nor temporary file left" "[ ! -e int_$name/out.ckpt.h5 ] && [ -z \"\$(ls int_$name/*.tmp-* 2>/dev/null)\" ]"
}

# case NAME CONFIG [--set ...]: reference, SIGTERM (or SIGINT) + restart, SIGKILL + restart
one_case() {
  local name=$1 cfg=$2
  shift 2
  run_ref "$name" "$cfg" "$@"
  local sig=TERM code=143
  [ $((RANDOM % 2)) -eq 0 ] && sig=INT code=130
  EXTRA=()
  interrupt "$name" $sig "$cfg" "$@"
  local rc=$?
  check "$name: SIG$sig mid-run gives exit $code (got $rc)" "[ $rc -eq $code ]"
  check "$name: the stopped output holds a checkpoint" "$PY -c \"import h5py,sys; f=h5py.File('int_$name/out.h5'); sys.exit(0 if 'checkpoint' in f and 'incomplete' in str(f.attrs['status']) else 1)\""
  check "$name: it says how to continue" "grep -q -- '--restart out.h5' int_$name/run.log"
  restart_and_compare "$name" out.h5 "$cfg" "$@"
  # SIGKILL: the periodic checkpoint (here every few steps of simulated time) is what is left
  EXTRA=(--checkpoint-sim "$KILL_EVERY" --checkpoint-every 0)
  interrupt "$name" KILL "$cfg" "$@"
  rc=$?
  check "$name: SIGKILL mid-run (exit 137, got $rc)" "[ $rc -eq 137 ]"
  check "$name: the last checkpoint is complete and readable" "[ -f int_$name/out.ckpt.h5 ] && $PY -c \"import h5py; h5py.File('int_$name/out.ckpt.h5')['checkpoint']\""
  check "$name: no output under the final name" "[ ! -e int_$name/out.h5 ]"
  restart_and_compare "$name" out.h5 "$cfg" "$@"
}

# 1d, a finite vehicle (reservoir) on the skin, removed at 24 h
KILL_EVERY="1 h"
one_case vehicle1d configs/caffeine_franz.yaml --set 'time.dt_max=1 s'
# axisymmetric, the injected fluid with the osmotic pressure of HA and a conversion (deposit -> mobile)
KILL_EVERY="12 h"
one_case fluid_axi configs/ha/linear_booster_papules.yaml --set 'time.end=2 d'
# axisymmetric, the injected fluid advecting the solute (the carrier's face fluxes are state)
KILL_EVERY="1 h"
one_case papule_axi configs/techniques/papule.yaml --set 'time.end=6 h'
# 3d, a schedule of three sessions
KILL_EVERY="2 h"
one_case schedule3d configs/techniques/nappage.yaml --set 'delivery[0].schedule={count: 3, interval: 6 h}' --set 'time.end=18 h' --set 'time.dt_max=1 min'
# 3d, the injected fluid on with `mg`: the separable solver, GMRES with the separable
# preconditioner and its per-step fallback to the V-cycle (the path must depend on the step alone)
KILL_EVERY="1 min"
one_case field_mg3d configs/techniques/nappage_field.yaml --set geometry.lateral_cells=6 --set solver.linear=mg --set fluid.enabled=true --set 'time.end=2 h'

if [ "$MODE" = long ]; then
  KILL_EVERY="7 d"
  one_case course_axi configs/techniques/course.yaml
  KILL_EVERY="6 h"
  one_case cocktail3d configs/ha/cocktail_nappage.yaml
fi

# Refusals: a changed key is named (exit 2, nothing written); time.end may change
mkdir -p refuse && cd refuse || exit 1
"$BIN" run "$ROOT/configs/caffeine_franz.yaml" --set 'time.dt_max=1 s' -o out.h5 -q --checkpoint-every 0 >/dev/null 2>&1 &
pid=$!
sleep 0.3
kill -TERM $pid 2>/dev/null
wait $pid
rc=$?
if [ $rc -eq 143 ]; then
  "$BIN" run "$ROOT/configs/caffeine_franz.yaml" --set 'time.dt_max=1 s' --set 'delivery[0].concentration=5 mg/mL' -o changed.h5 -q --restart out.h5 >changed.log 2>&1
  rc=$?
  check "a changed concentration is refused (exit 2, got $rc)" "[ $rc -eq 2 ]"
  check "... naming delivery[0].concentration" "grep -q 'delivery\[0\].concentration' changed.log"
  check "... nothing written" "[ -z \"\$(ls changed* 2>/dev/null | grep -v changed.log)\" ]"
  "$BIN" run "$ROOT/configs/caffeine_franz.yaml" --set 'time.dt_max=1 s' --set 'skin.preset=face_cheek' -o changed.h5 -q --restart out.h5 >changed2.log 2>&1
  check "a changed skin is refused (exit 2), naming it" "[ $? -eq 2 ] && grep -q 'at skin.preset: forearm_invitro in the checkpoint, face_cheek now' changed2.log"
  "$BIN" run "$ROOT/configs/caffeine_franz.yaml" -o changed.h5 -q --restart out.h5 >changed3.log 2>&1
  check "a changed time.dt_max (none given) is refused (exit 2)" "[ $? -eq 2 ] && grep -q 'time.dt_max' changed3.log"
  "$BIN" run "$ROOT/configs/caffeine_franz.yaml" --set 'time.dt_max=1 s' --set 'time.end=30 h' -o longer.h5 -q --restart out.h5 >longer.log 2>&1
  rc=$?
  check "a longer time.end continues to it (exit $rc)" "[ $rc -eq 0 ] && $PY -c \"import h5py,sys; f=h5py.File('longer.h5'); sys.exit(0 if abs(f.attrs['time_reached'] - 30*3600) < 1e-6 and len(f['snapshots']) == 31 else 1)\""
else
  check "the run to refuse a restart of was stopped (exit $rc)" "false"
fi
"$BIN" run "$ROOT/configs/caffeine_franz.yaml" -o x.h5 -q --restart ../ref_vehicle1d/out.h5 >nockpt.log 2>&1
check "a complete output holds no checkpoint (exit 2)" "[ $? -eq 2 ] && grep -q 'holds no checkpoint' nockpt.log"
"$BIN" run "$ROOT/configs/caffeine_franz.yaml" -o x.h5 -q --restart missing.h5 >missing.log 2>&1
check "a missing file (exit 2)" "[ $? -eq 2 ] && grep -q 'no such file' missing.log"
"$BIN" run "$ROOT/configs/caffeine_franz.yaml" -o x.h5 -q --checkpoint-every '5 kg' >badopt.log 2>&1
check "--checkpoint-every needs a duration (exit 2)" "[ $? -eq 2 ] && grep -q 'checkpoint-every' badopt.log"
cd ..

cli_end

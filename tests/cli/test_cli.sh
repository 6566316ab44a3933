#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Command-line tests for dermasim: bad input must fail cleanly, good input must run.
#
#   bash tests/cli/test_cli.sh <path-to-dermasim> <tests/cli dir>
#
# Every tests/cli/bad/*.yaml is run with `dermasim run` from a fresh, empty temporary folder (so
# relative output paths land there). The expectations are comment lines in the case file itself:
#
#   # expect-line: 12                  stderr contains "<case file>:12: "
#   # expect-prefix: --output:         instead of expect-line, for errors without a file line:
#                                      stderr contains this text followed by a space
#   # expect-path: delivery[1].depth   stderr contains ": delivery[1].depth: "
#   # expect-message: some phrase      stderr contains this phrase (may be given more than once)
#   # expect-arg: --set                extra command-line argument, one per line, in order
#
# For each bad case the run must exit with code 2, print the expected error, and leave the
# temporary folder empty (no .h5, .xmf, .tmp-* or anything else).
# Prints one line per check and "N passed, M failed"; exits non-zero on any failure.

set -u

DERMASIM=${1:?usage: test_cli.sh <path-to-dermasim> <tests/cli dir>}
HERE=${2:?usage: test_cli.sh <path-to-dermasim> <tests/cli dir>}
DERMASIM=$(cd "$(dirname "$DERMASIM")" && pwd)/$(basename "$DERMASIM")
HERE=$(cd "$HERE" && pwd)
# the folder of bad cases under HERE: bad (default), or pending (fixes still to come)
BAD=${3:-bad}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/dermasim-cli.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok    $1"; }
fail() {
  failed=$((failed + 1))
  echo "FAIL  $1"
  shift
  for line in "$@"; do echo "        $line"; done
}

# A fresh empty folder under $WORK; prints its path.
fresh_dir() { mktemp -d "$WORK/run.XXXXXX"; }

# Files (anything but the folder itself) under a folder, one per line, relative.
listing() { (cd "$1" && find . -mindepth 1 | sed 's|^\./||' | sort); }

# The value(s) of "# expect-KEY: value" lines in a file.
expect() { sed -n "s/^# expect-$2: \{0,1\}//p" "$1"; }

# ------------------------------------------------------------------------------------------------
# Bad input

shopt -s nullglob
bad_cases=("$HERE"/"$BAD"/*.yaml)
if [ ${#bad_cases[@]} -eq 0 ]; then
  fail "bad cases" "no files in $HERE/$BAD"
fi

for case_file in "${bad_cases[@]}"; do
  name=$(basename "$case_file")
  line=$(expect "$case_file" line)
  prefix=$(expect "$case_file" prefix)
  path=$(expect "$case_file" path)
  mapfile -t messages < <(expect "$case_file" message)
  mapfile -t args < <(expect "$case_file" arg)
  if [ -z "$line" ] && [ -z "$prefix" ]; then
    fail "$name" "the case file has neither '# expect-line:' nor '# expect-prefix:'"
    continue
  fi
  if [ ${#messages[@]} -eq 0 ]; then
    fail "$name" "the case file has no '# expect-message:'"
    continue
  fi

  dir=$(fresh_dir)
  (cd "$dir" && "$DERMASIM" run "$case_file" -q "${args[@]}" >"$WORK/stdout" 2>"$WORK/stderr")
  rc=$?
  err=$(cat "$WORK/stderr")
  problems=()
  [ "$rc" -eq 2 ] || problems+=("exit code $rc, expected 2")
  if [ -n "$line" ]; then
    want="$name:$line: "
  else
    want="$prefix "
  fi
  grep -qF -- "$want" "$WORK/stderr" || problems+=("stderr lacks the prefix '$want'")
  if [ -n "$path" ]; then
    grep -qF -- ": $path: " "$WORK/stderr" || problems+=("stderr lacks the key path ': $path: '")
  fi
  for m in "${messages[@]}"; do
    grep -qF -- "$m" "$WORK/stderr" || problems+=("stderr lacks '$m'")
  done
  [ "$(grep -c '^error: ' "$WORK/stderr")" -eq 1 ] || problems+=("expected exactly one 'error: ' line")
  left=$(listing "$dir")
  [ -z "$left" ] || problems+=("files left behind: $(echo $left)")
  if [ ${#problems[@]} -eq 0 ]; then
    pass "$name: exit 2, ${err#error: }"
  else
    fail "$name" "${problems[@]}" "stderr: $err"
  fi
done

if [ "$BAD" != bad ]; then  # the pending cases alone
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
fi

# ------------------------------------------------------------------------------------------------
# Good input

good="$HERE/good.yaml"

# A good case runs, exits 0 and leaves exactly the .h5 and the .xmf.
dir=$(fresh_dir)
(cd "$dir" && "$DERMASIM" run "$good" -q >"$WORK/stdout" 2>"$WORK/stderr")
rc=$?
left=$(listing "$dir" | tr '\n' ' ')
if [ "$rc" -eq 0 ] && [ "$left" = "out out/good.h5 out/good.xmf out/good_metrics.csv " ]; then
  pass "good.yaml runs (exit 0) and leaves exactly out/good.h5, out/good.xmf and out/good_metrics.csv"
else
  fail "good.yaml runs" "exit code $rc, files: $left" "stderr: $(cat "$WORK/stderr")"
fi
if grep -qF "t = 60 min" "$WORK/stdout" && grep -qF "until 60 min" "$WORK/stderr"; then
  pass "good.yaml runs until time.end (60 min)"
else
  fail "good.yaml runs until time.end" "stdout: $(head -3 "$WORK/stdout")" "stderr: $(cat "$WORK/stderr")"
fi

# --output replaces output.file.
dir=$(fresh_dir)
(cd "$dir" && "$DERMASIM" run "$good" -q --output elsewhere/run.h5 >"$WORK/stdout" 2>"$WORK/stderr")
rc=$?
left=$(listing "$dir" | tr '\n' ' ')
if [ "$rc" -eq 0 ] && [ "$left" = "elsewhere elsewhere/run.h5 elsewhere/run.xmf elsewhere/run_metrics.csv " ]; then
  pass "--output elsewhere/run.h5 writes there (and only there)"
else
  fail "--output elsewhere/run.h5" "exit code $rc, files: $left" "stderr: $(cat "$WORK/stderr")"
fi

# --set time.end=2h changes the run.
dir=$(fresh_dir)
(cd "$dir" && "$DERMASIM" run "$good" -q --set time.end=2h >"$WORK/stdout" 2>"$WORK/stderr")
rc=$?
if [ "$rc" -eq 0 ] && grep -qF "until 2 h" "$WORK/stderr" && grep -qF "t = 2 h" "$WORK/stdout"; then
  pass "--set time.end=2h runs to 2 h"
else
  fail "--set time.end=2h" "exit code $rc" "stdout: $(head -3 "$WORK/stdout")" "stderr: $(cat "$WORK/stderr")"
fi

# --set with a list index and a value with a unit and a space.
dir=$(fresh_dir)
(cd "$dir" && "$DERMASIM" check "$good" --set 'delivery[0].remove=45 min' --set 'skin.layers[1].cells=12' >"$WORK/stdout" 2>"$WORK/stderr")
rc=$?
if [ "$rc" -eq 0 ] && grep -qF "remove: 45 min" "$WORK/stdout" && grep -qF "{name: dermis, thickness: 1 mm, cells: 12," "$WORK/stdout"; then
  pass "--set 'delivery[0].remove=45 min' --set skin.layers[1].cells=12 shows in check"
else
  fail "--set with list indices" "exit code $rc" "stderr: $(cat "$WORK/stderr")"
fi

# `dermasim check` prints the resolved case, which reads back to the same text (all but the header
# line naming the file), and writes nothing.
dir=$(fresh_dir)
(cd "$dir" && "$DERMASIM" check "$good" >"$WORK/resolved1.yaml" 2>"$WORK/stderr")
rc1=$?
left=$(listing "$dir")
(cd "$dir" && "$DERMASIM" check "$WORK/resolved1.yaml" >"$WORK/resolved2.yaml" 2>>"$WORK/stderr")
rc2=$?
if [ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ] && [ -z "$left" ] &&
  diff <(tail -n +2 "$WORK/resolved1.yaml") <(tail -n +2 "$WORK/resolved2.yaml") >/dev/null; then
  pass "check output reads back to the same text (good.yaml), no files written"
else
  fail "check output reads back" "exit codes $rc1 $rc2, files: $left" "stderr: $(cat "$WORK/stderr")" \
    "$(diff <(tail -n +2 "$WORK/resolved1.yaml") <(tail -n +2 "$WORK/resolved2.yaml") | head -5)"
fi
# ... also for a preset with an injection in axisymmetric geometry
cat >"$WORK/preset.yaml" <<'EOF'
time: {end: 2 h, outputs: [0 h, 90 min]}
geometry: {kind: axisymmetric, width: 5 mm, lateral_cells: 20, lateral_grading: 2}
skin: {preset: face_cheek}
species:
  - name: ha
    properties:
      all: {diffusivity: 1e-11 m2/s, partition: 1, degradation: 0.1 1/d}
      stratum_corneum: {diffusivity: 1e-16 m2/s, partition: 0.01}
delivery:
  - {type: injection, species: {ha: 20 mg/mL}, volume: 0.02 mL, depth: 1.2 mm, time: 10 min}
EOF
"$DERMASIM" check "$WORK/preset.yaml" >"$WORK/resolved1.yaml" 2>"$WORK/stderr"
rc1=$?
"$DERMASIM" check "$WORK/resolved1.yaml" >"$WORK/resolved2.yaml" 2>>"$WORK/stderr"
rc2=$?
if [ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ] &&
  diff <(tail -n +2 "$WORK/resolved1.yaml") <(tail -n +2 "$WORK/resolved2.yaml") >/dev/null; then
  pass "check output reads back to the same text (preset, axisymmetric injection)"
else
  fail "check output reads back (preset)" "exit codes $rc1 $rc2" "stderr: $(cat "$WORK/stderr")" \
    "$(diff <(tail -n +2 "$WORK/resolved1.yaml") <(tail -n +2 "$WORK/resolved2.yaml") | head -5)"
fi

# A missing case file and a bad command line are exit code 2 too.
"$DERMASIM" run "$WORK/no-such-case.yaml" >/dev/null 2>"$WORK/stderr"
rc=$?
if [ "$rc" -eq 2 ] && grep -qF "no-such-case.yaml: cannot open the case file" "$WORK/stderr"; then
  pass "missing case file: exit 2"
else
  fail "missing case file" "exit code $rc" "stderr: $(cat "$WORK/stderr")"
fi
"$DERMASIM" run "$good" --no-such-option >/dev/null 2>"$WORK/stderr"
rc=$?
if [ "$rc" -eq 2 ]; then pass "unknown command-line option: exit 2"; else fail "unknown option" "exit code $rc"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

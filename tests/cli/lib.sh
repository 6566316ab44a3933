# SPDX-License-Identifier: BSD-3-Clause
# Shared by the command-line test scripts (sourced): cli_start NAME makes a temporary folder (removed
# at exit) and enters it; check LABEL CONDITION evaluates the condition and prints "ok" or "FAIL";
# cli_end prints the counts and fails if any check failed.
cli_start() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/dermasim-$1.XXXXXX")
  trap 'rm -rf "$WORK"' EXIT
  cd "$WORK" || exit 1
  passed=0
  failed=0
}
check() { if eval "$2"; then passed=$((passed + 1)); echo "ok    $1"; else failed=$((failed + 1)); echo "FAIL  $1"; fi; }
cli_end() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

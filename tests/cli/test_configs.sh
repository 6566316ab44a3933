#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Every shipped case file is valid: `dermasim check` accepts each configs/**/*.yaml (parse, units,
# cross references, the resolved case), so a change to the case format cannot leave a config broken.
# Comparison files (a top-level `scenarios:` key) are skipped: their scenarios are cases here too.
# Sweep files (a top-level `vary:` key) are checked with `dermasim sweep --dry-run`.
#
#   bash tests/cli/test_configs.sh <path-to-dermasim> <repository root>
set -u
DERMASIM=${1:?usage: test_configs.sh <dermasim> <repo root>}
ROOT=${2:?usage: test_configs.sh <dermasim> <repo root>}
cd "$ROOT" || exit 1
passed=0
failed=0
while IFS= read -r f; do
  # a comparison (`dermasim compare`) lists scenarios; its cases are checked on their own
  if grep -q '^scenarios:' "$f"; then continue; fi
  # a fit file (`dermasim fit`: top-level `parameters:`) is checked by tests/cli/test_fit.sh
  if grep -q '^parameters:' "$f"; then continue; fi
  # a sweep (`dermasim sweep`, top-level `vary:`): every one of its cases is validated by --dry-run
  cmd=(check "$f")
  if grep -q '^vary:' "$f"; then cmd=(sweep "$f" --dry-run); fi
  if out=$("$DERMASIM" "${cmd[@]}" 2>&1 >/dev/null); then
    passed=$((passed + 1))
    echo "ok    $f"
  else
    failed=$((failed + 1))
    echo "FAIL  $f"
    echo "$out" | sed 's/^/        /'
  fi
done < <(find configs -name '*.yaml' | sort)
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

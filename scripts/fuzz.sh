#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Builds the libFuzzer harnesses (clang, ASan+UBSan, build-fuzz/) and runs each for SECONDS
# (default 60) from its corpus in tests/fuzz/corpus/<name>/ (new inputs go to build-fuzz/corpus/,
# findings to build-fuzz/findings/). Usage: scripts/fuzz.sh [SECONDS] [case|ingredients|points_csv|restart|sweep|fit ...]
# Findings are inputs that crash, leak, hang (> 10 s) or let an exception other than an input
# error escape a reader; each becomes a regression test (docs/reliability.md).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${DERMASIM_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
SECONDS_EACH="${1:-60}"
shift || true
NAMES=("$@")
[ ${#NAMES[@]} -eq 0 ] && NAMES=(case ingredients points_csv restart sweep fit)
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DDERMASIM_FUZZ=ON -DDERMASIM_BUILD_TESTS=OFF -DDERMASIM_WITH_VTK=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target $(printf 'fuzz_%s ' "${NAMES[@]}")
for n in "${NAMES[@]}"; do
  mkdir -p "$BUILD/corpus/$n" "$BUILD/findings/$n"
  echo "== fuzz_$n for ${SECONDS_EACH} s"
  # -fork keeps going after a finding (each is saved under findings/); stats at the end
  "$BUILD/tests/fuzz/fuzz_$n" "$BUILD/corpus/$n" "$ROOT/tests/fuzz/corpus/$n" \
    -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
    -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -artifact_prefix="$BUILD/findings/$n/" -print_final_stats=1 2>&1 | tee "$BUILD/fuzz_$n.log" | grep -E '^#|INFO: |ERROR|==[0-9]+==|not an input error|DONE' | tail -n 40
done

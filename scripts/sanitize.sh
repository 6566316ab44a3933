#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The sanitizer job of CI (.ci/run): builds the unit tests with AddressSanitizer and
# UndefinedBehaviorSanitizer, warnings as errors, in build-asan/ (or DERMASIM_ASAN_BUILD_DIR), and
# runs them (the default suite's Catch2 tests; not the long runs, not the command-line tests).
# Any sanitizer report fails the job.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${DERMASIM_ASAN_BUILD_DIR:-$ROOT/build-asan}"
start=$(date +%s)
# -O1: a sanitized -O0 Eigen is several times slower to run; VTK off (not needed by the unit tests)
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DDERMASIM_SANITIZE=address,undefined -DDERMASIM_WERROR=ON -DDERMASIM_WITH_VTK=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target dermasim_tests
built=$(date +%s)
# OpenMP's and HDF5's one-time allocations held until exit are not leaks of ours
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export OMP_NUM_THREADS=2
(cd "$BUILD" && ./tests/dermasim_tests "~[.long]" --order rand --rng-seed 1)
echo "sanitizer job: build $((built - start)) s, unit tests $(( $(date +%s) - built )) s"

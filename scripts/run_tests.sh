#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Installs what is missing, builds and runs the default test suite (everything except the long
# verification runs; those run with: ctest --test-dir build -L long).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/install-deps.sh
bash scripts/build.sh
ctest --test-dir build -LE 'long|pending' --output-on-failure -j"$(nproc)"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The layers, as the build links them: solver/ includes nothing of models/ or app/, models/ nothing
# of app/. Prints each offending include and fails.
set -u
root="${1:?usage: check_layers.sh REPO_ROOT}"
cd "$root" || exit 2
bad=0
report() { echo "layer violation: $1"; bad=1; }
while IFS= read -r line; do report "$line"; done < <(grep -rn -E '#include *"[^"]*(models|app)/' solver || true)
while IFS= read -r line; do report "$line"; done < <(grep -rn -E '#include *"[^"]*app/' models || true)
[ "$bad" = 0 ] && echo "layers: solver/ includes nothing of models/ or app/; models/ nothing of app/"
exit "$bad"

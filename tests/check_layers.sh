#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The layers, as the build links them: solver/ includes nothing of models/ or app/, models/ nothing
# of app/, and solver/ code names no skin concept. Prints each offence and fails.
set -u
root="${1:?usage: check_layers.sh REPO_ROOT}"
cd "$root" || exit 2
bad=0
report() { echo "layer violation: $1"; bad=1; }
while IFS= read -r line; do report "$line"; done < <(grep -rn -E '#include *"[^"]*(models|app)/' solver || true)
while IFS= read -r line; do report "$line"; done < <(grep -rn -E '#include *"[^"]*app/' models || true)
# solver/ knows numerics, not skin: no code line (comments and string literals aside) names a skin
# concept
words='vehicle|osmotic|papule|hyalur|inject|microneedl|needling|stratum|dermis|epiderm|hypoderm|lymph|skin|evaporat|enzyme|drainage|darcy|wash'
while IFS= read -r f; do
  while IFS= read -r hit; do report "$f:$hit (a skin concept in solver/)"; done < <(sed -e 's://.*$::' -e 's/"[^"]*"//g' "$f" | grep -n -i -E "$words" || true)
done < <(find solver -name '*.hpp' -o -name '*.cpp' -o -name '*.h' | sort)
[ "$bad" = 0 ] && echo "layers: solver/ includes nothing of models/ or app/ and names no skin concept; models/ includes nothing of app/"
exit "$bad"

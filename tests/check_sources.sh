#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Sources and licence of the repository (CTest `sources`). Fails, naming file and line, if
#   1. a file cites the old out-of-repository reference dossier by its file name instead of a key;
#   2. a citation key ([AuthorYear], [Code:<x>], [Web:<x>], [Derived:<x>], [Assumed:<x>], [Claim:<x>]; grammar
#      at the top of docs/references.md) is not defined in docs/references.md, or is defined twice;
#   3. a source file (.cpp .hpp .in .py .sh CMakeLists.txt) does not start with the SPDX line
#      (`// SPDX-License-Identifier: BSD-3-Clause`, or `# ...` for shell, Python and CMake; after the
#      shebang when there is one).
# Usage: check_sources.sh REPO_ROOT [--index]
#   --index: instead of checking, list each key of docs/references.md with the files that cite it.
set -u
root="${1:?usage: check_sources.sh REPO_ROOT [--index]}"
index="${2:-}"
cd "$root" || exit 2

# Files exempt from the checks (none today; each entry: a file path, with the reason beside it).
EXCLUDED=()

refs=docs/references.md
[ -f "$refs" ] || { echo "sources: $refs is missing"; exit 1; }

# The files to check: git's tracked files, or every file outside build folders without git.
if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  mapfile -t files < <(git ls-files)
else
  mapfile -t files < <(find . -type f -not -path './.git/*' -not -path './build*' | sed 's|^\./||' | sort)
fi
declare -A excluded=()
for f in "${EXCLUDED[@]}"; do excluded[$f]=1; done

bad=0
fail() { echo "$1"; bad=1; }

# --- 1 and 2: citations ---------------------------------------------------------------------------
dossier='physics''\.md'   # split so that this script does not match itself
key_re='\[([A-Z][A-Za-z]+(19|20)[0-9]{2}[a-z]?|(Derived|Assumed|Claim|Web|Code):[A-Za-z0-9-]+)\]'

declare -A defined=()
while IFS=: read -r line key; do
  key="${key#- \*\*}"; key="${key#\#\#\# }"; key="${key%%\]*}]"
  if [ -n "${defined[$key]:-}" ]; then
    fail "$refs:$line: key $key defined twice (first on line ${defined[$key]})"
  else
    defined[$key]=$line
  fi
done < <(grep -n -o -E "^(- \*\*|### )$key_re" "$refs")
[ "${#defined[@]}" -gt 0 ] || fail "$refs: no key definitions found (lines '- **[Key]**' or '### [Key]')"

text_files=()
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  case "$f" in tests/fuzz/*) continue ;; esac  # fuzzing corpus: mutated inputs, not citations
  grep -Iq . "$f" 2> /dev/null || continue   # binary or empty
  text_files+=("$f")
done

if [ "$index" = "--index" ]; then
  for key in $(printf '%s\n' "${!defined[@]}" | sort); do
    users=$(grep -l -F -- "$key" "${text_files[@]}" | grep -v -x -F "$refs" | tr '\n' ' ')
    echo "$key ${users:-(only in $refs)}"
  done
  exit 0
fi

ncite=0
if [ "${#text_files[@]}" -gt 0 ]; then
  while IFS= read -r hit; do
    f="${hit%%:*}"
    [ -n "${excluded[$f]:-}" ] && continue
    fail "$hit"$'\n'"  -> cites the out-of-repository dossier; cite a key of $refs instead"
  done < <(grep -n -H -E "$dossier" "${text_files[@]}" || true)

  while IFS= read -r hit; do
    f="${hit%%:*}"; rest="${hit#*:}"; line="${rest%%:*}"; key="${rest#*:}"
    ncite=$((ncite + 1))
    [ -n "${defined[$key]:-}" ] || fail "$f:$line: citation $key is not defined in $refs"
  done < <(grep -n -H -o -E "$key_re" "${text_files[@]}" || true)
fi

# --- 3: SPDX line -----------------------------------------------------------------------------------
nspdx=0
for f in "${files[@]}"; do
  case "$f" in
    *.cpp | *.hpp | *.in) want='// SPDX-License-Identifier: BSD-3-Clause' ;;
    *.py | *.sh | CMakeLists.txt | */CMakeLists.txt) want='# SPDX-License-Identifier: BSD-3-Clause' ;;
    *) continue ;;
  esac
  [ -f "$f" ] || continue
  [ -n "${excluded[$f]:-}" ] && continue
  nspdx=$((nspdx + 1))
  first=$(sed -n 1p "$f")
  if [[ "$first" == '#!'* ]]; then first=$(sed -n 2p "$f"); fi
  [ "$first" = "$want" ] || fail "$f: the first line (after a shebang) must be '$want'"
done

if [ "$bad" = 0 ]; then
  echo "sources: ${#defined[@]} keys defined, $ncite citations resolved, $nspdx source files with the SPDX line," \
    "${#EXCLUDED[@]} files excluded (remove once rewritten)"
fi
exit "$bad"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Checks that ParaView 5.11 (Debian 12) opens dermasim output: the XDMF sidecar (<stem>.xmf, read by
# ParaView's default Xdmf3 reader) and, if present, the VTK series (<stem>.pvd).
#
#   scripts/check_paraview.sh RESULT.h5 [PNG]        (or RESULT.xmf / RESULT.pvd)
#   scripts/check_paraview.sh --install-only
#
# What it does:
#   1. installs paraview (pvbatch), xvfb and xauth with apt-get if they are missing (needs root);
#   2. fetches python3-paraview with `apt-get download` and unpacks it with `dpkg -x` into a cache
#      folder, without installing it: python3-paraview conflicts with python3-vtk9, which libvtk9-dev
#      (dermasim's optional VTK output) depends on. Never remove libvtk9-dev for this;
#   3. runs scripts/check_paraview.py under `xvfb-run -a pvbatch` with PYTHONPATH pointing to the
#      unpacked modules (pvbatch needs an X display, even for off-screen rendering).
#
# Cache folder: $DERMASIM_PV_CACHE, default <repo>/build/paraview-py (reused on later runs).
# Exit status: 0 when every check passed, 1 when a check failed, 2 on a setup problem.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cache="${DERMASIM_PV_CACHE:-$repo/build/paraview-py}"

die() { echo "check_paraview.sh: $*" >&2; exit 2; }

need_pkgs=()
command -v pvbatch >/dev/null 2>&1 || need_pkgs+=(paraview)
command -v xvfb-run >/dev/null 2>&1 || need_pkgs+=(xvfb)
command -v xauth >/dev/null 2>&1 || need_pkgs+=(xauth)
if ((${#need_pkgs[@]})); then
  echo "installing: ${need_pkgs[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to install ${need_pkgs[*]}"
    sudo="sudo"
  fi
  # --no-install-recommends: xauth is only a Recommends of xvfb, hence listed explicitly above.
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need_pkgs[@]}" ||
    { $sudo apt-get update && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need_pkgs[@]}"; } ||
    die "apt-get install ${need_pkgs[*]} failed"
fi

pvpath="$cache/usr/lib/python3/dist-packages"
if [[ ! -f "$pvpath/paraview/simple.py" ]]; then
  if python3_pv="$(/usr/bin/python3 -c 'import paraview.simple, os; print(os.path.dirname(os.path.dirname(paraview.__file__)))' 2>/dev/null)"; then
    pvpath="$python3_pv"  # python3-paraview is installed system-wide: use it
  else
    echo "fetching python3-paraview into $cache (dpkg -x, not installed)"
    mkdir -p "$cache"
    (cd "$cache" && rm -f python3-paraview_*.deb && apt-get download python3-paraview) ||
      { apt-get update >/dev/null && (cd "$cache" && apt-get download python3-paraview); } ||
      die "apt-get download python3-paraview failed"
    dpkg -x "$cache"/python3-paraview_*.deb "$cache"
    [[ -f "$pvpath/paraview/simple.py" ]] || die "python3-paraview unpacked, but $pvpath/paraview/simple.py is missing"
  fi
fi

[[ "${1:-}" == "--install-only" ]] && { echo "ParaView ready: pvbatch $(command -v pvbatch), modules $pvpath"; exit 0; }
[[ $# -ge 1 ]] || die "usage: $0 RESULT.h5|RESULT.xmf|RESULT.pvd [PNG] | --install-only"

# The Xdmf3 reader needs a path with a directory part (a bare name makes it build a wrong HDF5 path).
target="$(realpath "$1")"
png="${2:-${target%.*}_paraview.png}"
png="$(realpath -m "$png")"

export PYTHONPATH="$pvpath${PYTHONPATH:+:$PYTHONPATH}"
exec xvfb-run -a -s "-screen 0 1280x1024x24" pvbatch "$here/check_paraview.py" "$target" "$png"

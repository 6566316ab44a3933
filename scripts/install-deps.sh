#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Installs the Debian 12 packages dermasim needs to build, test, plot and (optionally) write VTK.
# Idempotent: packages already present are skipped, so a second run costs a few seconds.
#   scripts/install-deps.sh            build + test + plots + gallery (+ VTK, unless DERMASIM_NO_VTK=1;
#                                      + OpenMPI for sweeps across ranks, unless DERMASIM_NO_MPI=1)
# The gallery (scripts/gallery.sh) encodes movies with ffmpeg, renders 3d pictures with VTK's Python
# (python3-vtk9, pulled in by libvtk9-dev) under xvfb, and its test opens the page in chromium.
set -euo pipefail
pkgs=(cmake g++ make pkg-config libeigen3-dev libhdf5-dev hdf5-tools catch2 libyaml-cpp-dev
      libcli11-dev libfmt-dev libnlopt-dev python3-h5py python3-numpy python3-matplotlib
      python3-yaml python3-pil ffmpeg xvfb xauth chromium)
if [ "${DERMASIM_NO_VTK:-0}" != 1 ]; then pkgs+=(libvtk9-dev); fi
# FFTW: the separable direct solver of the `mg` kind for layered grids (the build works without it)
pkgs+=(libfftw3-dev)
# OpenMPI: `mpirun dermasim sweep` across ranks (docs/sweep.md); the build works without it
if [ "${DERMASIM_NO_MPI:-0}" != 1 ]; then pkgs+=(libopenmpi-dev openmpi-bin); fi
# hypre (with MPI): one case across ranks, `mpirun -np N dermasim run` (docs/performance.md)
if [ "${DERMASIM_NO_MPI:-0}" != 1 ]; then pkgs+=(libhypre-dev); fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "install-deps: all ${#pkgs[@]} packages present"; exit 0; fi
echo "install-deps: installing ${missing[*]}"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"

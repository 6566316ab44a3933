// SPDX-License-Identifier: BSD-3-Clause
// Transport properties of one species in one layer (SI units).
#pragma once

namespace dermasim {

struct LayerProps {
  double diffusivity = 0;   // m2/s
  double partition = 0;     // tissue/water
  double clearance = 0;     // to blood, 1/s
  double lymph_clearance = 0;
  double degradation = 0;
  // Fraction of the tissue content that is free (unbound) in the tissue water, 0 < f <= 1: blood and
  // lymph clearance act on this part only (bound solute stays), and the unbound concentration f c is
  // reported next to the total c (docs/properties.md, "Binding and unbound kinetics").
  double unbound = 1;
};

}  // namespace dermasim

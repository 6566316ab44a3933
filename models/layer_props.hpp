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
};

}  // namespace dermasim

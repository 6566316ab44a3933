// SPDX-License-Identifier: BSD-3-Clause
// Where an injected bolus goes: a ball of the injected volume in the geometry's own dimension
// (a slab in 1d, a disc in 2d, a sphere in axisymmetric and 3d geometry), clipped to the domain.
#pragma once
#include <utility>
#include <vector>

#include "../solver/grid.hpp"

namespace dermasim {

struct BolusShape {
  double radius = 0;           // half-thickness (1d), disc radius (2d), sphere radius (3d, axisymmetric)
  double fraction_inside = 1;  // part of the ball inside the domain
  std::vector<std::pair<size_t, double>> weights;  // (cell, share of the inside volume), summing to 1
};

// volume: m (1d, per area), m2 (2d, per length), m3 (axisymmetric, 3d); centre at (x, y, depth).
BolusShape bolus_in_grid(const Grid& g, double volume, double x, double y, double depth);

}  // namespace dermasim

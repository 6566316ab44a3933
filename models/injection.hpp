// SPDX-License-Identifier: BSD-3-Clause
// Where injected fluid goes (docs/case-format.md, "Where an injection goes"): the injectate fills the
// tissue outward from the needle tip. Every point of the tissue it may enter is taken in order of
// its distance from the tip, each taking injectate up to `limit` times its own volume, until the
// whole volume is placed: a ball around the tip deep in the tissue (radius (3 V / (4 pi limit))^(1/3)
// in 3d and axisymmetric geometry, a disc in 2d, a slab in 1d); near the surface, the bottom or a
// lateral edge the rest of the ball goes into the nearest tissue inside instead of being lost. The
// stratum corneum and the viable epidermis are not entered unless the tip is in them (or above).
// Lateral edges: a no_flux edge is a mirror, so a tip on it fills exactly half (a quarter in a
// corner) of a bolus twice (four times) the size centred on it; periodic edges wrap around.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "../solver/grid.hpp"

namespace dermasim {

struct Case;
struct DeliveryDef;
struct Located;

// The default fill limit: a cell filled by the injectate holds injectate only (the tissue it held is
// pushed aside, a cavity), so deep in the tissue the fill is a ball of the injected volume, as a
// bleb of pure fluid is. An assumption, not a measurement (docs/case-format.md).
constexpr double kDefaultFillLimit = 1.0;

struct InjectionFill {
  double radius = 0;  // distance from the tip of the farthest sub-sample filled (m; to about R / 16)
  double limit = kDefaultFillLimit;
  double placed = 1;  // share of the volume placed: 1 unless the tissue allowed cannot hold it
  // (cell, share of the volume), sorted by cell, summing to `placed`. The injectate volume in a
  // cell is volume x share; it is at most limit x the cell's volume. The solutes and the fluid
  // (FluidInjection, models/delivery/delivery_type.hpp) use the same shares.
  std::vector<std::pair<size_t, double>> weights;
};

// volume: m (1d, per area), m2 (2d, per length), m3 (axisymmetric, 3d); tip at (x, y, depth).
// allowed_rows[k]: whether depth row k may take injectate (see injectable_rows). 0 < limit <= 1.
InjectionFill fill_from_tip(const Grid& g, double volume, double x, double y, double depth, double limit, const std::vector<char>& allowed_rows);

// Per layer (top first): whether injectate from a tip at `depth` may enter it. The stratum corneum
// and viable epidermis above the tip's layer are closed; everything else is open. The tip's layer
// is the one with top <= depth < bottom (the last layer at the bottom).
std::vector<char> injectable_layers(const std::vector<double>& thickness, const std::vector<std::string>& kinds, double depth);
// The same per depth row of a grid (g.cell_layer).
std::vector<char> injectable_rows(const Grid& g, const std::vector<char>& layers);

// The most a case's domain can take from one injection with the tip at `depth`: limit x the volume
// of the layers it may enter (per area in 1d, per length in 2d), over `lateral` (1 in 1d, the width
// in 2d, pi width^2 axisymmetric, width x length in 3d).
double fill_capacity(const std::vector<double>& thickness, const std::vector<std::string>& kinds, double depth, double limit, double lateral);

// The fill of one injection event of a case on its grid (its layers' kinds, d's tip and
// fill_limit), for `volume` (the event's, or a unit cell's share of it).
InjectionFill injection_fill(const Case& c, const Grid& g, const DeliveryDef& d, double volume);
// The capacity check of fill_capacity for an injection event of a case (lateral extent from the
// case; a unit cell's lattice cell); 0 for a unit cell whose spacing is not known yet.
double injection_capacity(const Case& c, const DeliveryDef& d);
// Reads a fill limit (a number, 0 < f <= 1).
double read_fill_limit(const Located& l);

}  // namespace dermasim

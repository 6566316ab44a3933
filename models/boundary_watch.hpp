// SPDX-License-Identifier: BSD-3-Clause
// When a result depends on the domain: what reaches a lateral edge of the domain. The outermost
// lateral columns of cells are watched, except edges that are planes of symmetry (every edge of a
// unit cell; a no_flux edge an injection point lies on). A solute (models/metrics) or the raised
// surface (the fluid's papule) that reaches them would have gone further in a wider domain.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "../solver/grid.hpp"

namespace dermasim {

// Share of the applied dose in the watched columns above which a run warns (0.1 %).
constexpr double kEdgeWarnFraction = 1e-3;

// The watched surface columns (i + nx j) of a grid: none in 1d and in a unit cell; the outer ring
// in axisymmetric geometry; the first and last columns (rows) in 2d (3d), less the no_flux edges
// that one of `points` (x, y) lies on.
std::vector<size_t> lateral_edge_columns(const Grid& g, const std::vector<std::pair<double, double>>& points, bool unit_cell);
// The cells of those columns at every depth.
std::vector<size_t> column_cells(const Grid& g, const std::vector<size_t>& columns);
// The warning: "<what> reached the lateral edge of the domain (<pct> % of <of> in the outermost
// cells at <time>); the result depends on the domain's size: use a wider domain".
std::string lateral_edge_warning(const std::string& what, double pct, const std::string& of, double time);

}  // namespace dermasim

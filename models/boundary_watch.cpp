// SPDX-License-Identifier: BSD-3-Clause
#include "boundary_watch.hpp"

#include <cmath>
#include <cstdio>
#include <set>

#include "../solver/units.hpp"

namespace dermasim {

std::vector<size_t> lateral_edge_columns(const Grid& g, const std::vector<std::pair<double, double>>& points, bool unit_cell) {
  std::set<size_t> cols;
  if (g.geometry == Geometry::OneD || unit_cell) return {};
  const double tol = 1e-9 * (g.xn.back() - g.xn.front());
  auto on = [&](double v, double edge) { return std::fabs(v - edge) <= tol; };
  auto symmetric = [&](bool xdir, double edge, bool periodic) {
    if (periodic) return false;
    for (const auto& [x, y] : points)
      if (on(xdir ? x : y, edge)) return true;
    return false;
  };
  if (g.geometry == Geometry::Axisymmetric) {
    for (int j = 0; j < g.ny; ++j) cols.insert(static_cast<size_t>(g.nx - 1) + static_cast<size_t>(g.nx) * j);
  } else {
    const bool lo = !symmetric(true, g.xn.front(), g.periodic_x), hi = !symmetric(true, g.xn.back(), g.periodic_x);
    for (int j = 0; j < g.ny; ++j) {
      if (lo) cols.insert(static_cast<size_t>(g.nx) * j);
      if (hi) cols.insert(static_cast<size_t>(g.nx - 1) + static_cast<size_t>(g.nx) * j);
    }
    if (g.geometry == Geometry::ThreeD) {
      const bool ylo = !symmetric(false, g.yn.front(), g.periodic_y), yhi = !symmetric(false, g.yn.back(), g.periodic_y);
      for (int i = 0; i < g.nx; ++i) {
        if (ylo) cols.insert(static_cast<size_t>(i));
        if (yhi) cols.insert(static_cast<size_t>(i) + static_cast<size_t>(g.nx) * (g.ny - 1));
      }
    }
  }
  return {cols.begin(), cols.end()};
}

std::vector<size_t> column_cells(const Grid& g, const std::vector<size_t>& columns) {
  std::vector<size_t> cells;
  const size_t plane = static_cast<size_t>(g.nx) * g.ny;
  for (int k = 0; k < g.nz; ++k)
    for (size_t c : columns) cells.push_back(c + plane * k);
  return cells;
}

std::string lateral_edge_warning(const std::string& what, double pct, const std::string& of, double time) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g", pct);
  return what + " reached the lateral edge of the domain (" + buf + " % of " + of + " in the outermost cells at " +
         format_quantity(time, dims::time) + "): the result depends on the domain's size; use a wider domain (geometry.width)";
}

}  // namespace dermasim

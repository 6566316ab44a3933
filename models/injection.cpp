// SPDX-License-Identifier: BSD-3-Clause
#include "injection.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "../solver/input.hpp"
#include "case.hpp"

namespace dermasim {

std::vector<char> injectable_layers(const std::vector<double>& thickness, const std::vector<std::string>& kinds, double depth) {
  const size_t n = thickness.size();
  size_t tip = n ? n - 1 : 0;
  double top = 0;
  for (size_t l = 0; l < n; ++l) {
    if (depth >= top && depth < top + thickness[l]) {
      tip = l;
      break;
    }
    top += thickness[l];
  }
  std::vector<char> open(n, 1);
  for (size_t l = 0; l < tip; ++l)
    if (kinds[l] == "stratum_corneum" || kinds[l] == "viable_epidermis") open[l] = 0;
  return open;
}

std::vector<char> injectable_rows(const Grid& g, const std::vector<char>& layers) {
  std::vector<char> rows(g.nz, 1);
  for (int k = 0; k < g.nz; ++k) rows[k] = layers[g.cell_layer[k]];
  return rows;
}

double fill_capacity(const std::vector<double>& thickness, const std::vector<std::string>& kinds, double depth, double limit, double lateral) {
  const auto open = injectable_layers(thickness, kinds, depth);
  double h = 0;
  for (size_t l = 0; l < thickness.size(); ++l)
    if (open[l]) h += thickness[l];
  return limit * h * lateral;
}

namespace {

// One quadrature point of the tissue: its distance from the tip, its cell and what it can take.
struct FillPoint {
  double d;
  size_t cell;
  double cap;
};

// Cells [lo, hi) of the nodes that meet [a, b].
std::pair<int, int> index_range(const std::vector<double>& nodes, double a, double b) {
  const int n = static_cast<int>(nodes.size()) - 1;
  int lo = static_cast<int>(std::upper_bound(nodes.begin(), nodes.end(), a) - nodes.begin()) - 1;
  int hi = static_cast<int>(std::lower_bound(nodes.begin(), nodes.end(), b) - nodes.begin());
  return {std::clamp(lo, 0, n), std::clamp(hi, 0, n)};
}

// Distance from v to [a, b].
double gap(double v, double a, double b) { return v < a ? a - v : v > b ? v - b : 0.0; }

}  // namespace

InjectionFill fill_from_tip(const Grid& g, double volume, double x, double y, double depth, double limit, const std::vector<char>& allowed_rows) {
  InjectionFill f;
  f.limit = limit;
  const bool axi = g.geometry == Geometry::Axisymmetric;
  const int dim = g.geometry == Geometry::OneD ? 1 : g.geometry == Geometry::TwoD ? 2 : 3;
  const bool lateral_x = dim >= 2, use_y = g.geometry == Geometry::ThreeD;
  const double target = volume / limit;  // the volume of tissue the injectate fills
  double R = dim == 1 ? 0.5 * target : dim == 2 ? std::sqrt(target / M_PI) : std::cbrt(3.0 * target / (4.0 * M_PI));
  const double Wx = g.xn.back() - g.xn.front(), Wy = g.yn.back() - g.yn.front(), H = g.zn.back() - g.zn.front();
  const double diameter = std::sqrt((lateral_x ? Wx * Wx : 0.0) + (use_y ? Wy * Wy : 0.0) + H * H) * (axi ? 2.0 : 1.0);
  // distance along x and y, the nearest image with periodic edges
  auto along = [](double d, bool periodic, double W) {
    d = std::fabs(d);
    return periodic ? std::min(d, W - d) : d;
  };
  std::vector<FillPoint> pts;
  std::vector<size_t> cells;  // the distinct cells of pts, for the weights
  // Two passes at most: the sub-sampling of each cell is set by the fill's size, and the fill may
  // come out larger than the ball's estimate (near a surface or an edge).
  for (int pass = 0; pass < 2; ++pass) {
    // points per cell and direction: enough to resolve the fill's rim (R / 12), and at least 8 in
    // 1d, 2d and axisymmetric geometry (2 in 3d, where the points grow as the cube), so that the
    // rim's cells take their share of a smooth ball rather than a staircase
    const int least = dim == 3 ? 2 : 8;
    auto sub = [&](double len, int most) { return std::clamp(static_cast<int>(std::ceil(len / (R / 12.0) - 1e-9)), least, most); };
    double Rb = 1.5 * R;
    double found = 0;
    for (;;) {
      pts.clear();
      double capacity = 0;
      const auto [klo, khi] = index_range(g.zn, depth - Rb, depth + Rb);
      const auto [ilo, ihi] = !lateral_x ? std::pair<int, int>{0, g.nx} : g.periodic_x ? std::pair<int, int>{0, g.nx} : index_range(g.xn, x - Rb, x + Rb);
      const auto [jlo, jhi] = !use_y ? std::pair<int, int>{0, g.ny} : g.periodic_y ? std::pair<int, int>{0, g.ny} : index_range(g.yn, y - Rb, y + Rb);
      for (int k = klo; k < khi; ++k) {
        if (!allowed_rows[k]) continue;
        const double gz = gap(depth, g.zn[k], g.zn[k + 1]);
        if (gz > Rb) continue;
        const int sz = sub(g.dz[k], dim == 3 ? 16 : 48);
        for (int j = jlo; j < jhi; ++j) {
          const double gyy = use_y ? (g.periodic_y ? 0.0 : gap(y, g.yn[j], g.yn[j + 1])) : 0.0;
          const int sy = use_y ? sub(g.dy[j], 16) : 1;
          for (int i = ilo; i < ihi; ++i) {
            const double gxx = lateral_x ? (g.periodic_x ? 0.0 : gap(x, g.xn[i], g.xn[i + 1])) : 0.0;
            if (gxx * gxx + gyy * gyy + gz * gz > Rb * Rb) continue;
            const int sx = lateral_x ? sub(g.dx[i], dim == 3 ? 16 : 48) : 1;
            const size_t cell = g.index(i, j, k);
            for (int c = 0; c < sz; ++c) {
              const double z0 = g.zn[k] + c * g.dz[k] / sz, z1 = g.zn[k] + (c + 1) * g.dz[k] / sz;
              const double dzp = 0.5 * (z0 + z1) - depth;
              for (int b = 0; b < sy; ++b) {
                const double y0 = g.yn[j] + b * g.dy[j] / sy, y1 = g.yn[j] + (b + 1) * g.dy[j] / sy;
                const double dyp = use_y ? along(0.5 * (y0 + y1) - y, g.periodic_y, Wy) : 0.0;
                for (int a = 0; a < sx; ++a) {
                  const double x0 = g.xn[i] + a * g.dx[i] / sx, x1 = g.xn[i] + (a + 1) * g.dx[i] / sx;
                  const double dxp = lateral_x ? along(0.5 * (x0 + x1) - x, g.periodic_x, Wx) : 0.0;
                  const double d = std::sqrt(dxp * dxp + dyp * dyp + dzp * dzp);
                  if (d > Rb) continue;
                  // the sub-cell's volume, as the grid measures it (gx gy dz)
                  const double vx = axi ? M_PI * (x1 * x1 - x0 * x0) : lateral_x ? x1 - x0 : 1.0;
                  const double vy = use_y ? y1 - y0 : g.gy[j];
                  const double cap = limit * vx * vy * (z1 - z0);
                  pts.push_back({d, cell, cap});
                  capacity += cap;
                }
              }
            }
          }
        }
      }
      if (capacity >= volume || Rb > diameter) break;
      Rb *= 2;
    }
    // Fill in order of distance; points at the same distance (mirror images) share the last fill.
    // The order matters only near the fill's rim: a histogram of the capacity over the distance finds
    // the shell where the fill ends; the points inside it are taken whole, unsorted, and only those of
    // that shell (and within `tie` of it) are sorted and filled one group of equal distances after
    // another, as a sort of them all would (some 30-40 times fewer to sort in 3d).
    const double tie = 1e-9 * std::max(R, 1e-12);
    double dmax = 0;
    for (const auto& p : pts) dmax = std::max(dmax, p.d);
    constexpr int kShells = 4096;
    const double per = dmax > 0 ? kShells / dmax : 0.0;
    auto shell = [&](double d) { return std::min(kShells - 1, static_cast<int>(d * per)); };
    std::vector<double> in_shell(kShells, 0.0);
    for (const auto& p : pts) in_shell[static_cast<size_t>(shell(p.d))] += p.cap;
    int rim = kShells;  // the shell in which the capacity reaches the volume (none: the fill is short)
    double cum = 0;
    for (int k = 0; k < kShells; ++k) {
      cum += in_shell[static_cast<size_t>(k)];
      if (cum >= volume) {
        rim = k;
        break;
      }
    }
    // inside [0, lo): taken whole; [lo, hi]: sorted. A fill short of the volume takes every point;
    // all points at the tip itself (dmax = 0) are sorted
    double lo = HUGE_VAL, hi = HUGE_VAL;
    if (rim < kShells && per > 0) {
      lo = rim / per - tie;
      hi = (rim + 1) / per + tie;
    } else if (rim < kShells) {
      lo = -HUGE_VAL;
    }
    // [0, inner) inside the rim's shell, [inner, edge) the rim (sorted), [edge, size) beyond
    const size_t inner = static_cast<size_t>(std::partition(pts.begin(), pts.end(), [lo](const FillPoint& p) { return p.d < lo; }) - pts.begin());
    const size_t edge = static_cast<size_t>(
        std::partition(pts.begin() + static_cast<long>(inner), pts.end(), [hi](const FillPoint& p) { return p.d <= hi; }) - pts.begin());
    std::sort(pts.begin() + static_cast<long>(inner), pts.begin() + static_cast<long>(edge),
              [](const FillPoint& a, const FillPoint& b) { return a.d < b.d || (a.d == b.d && a.cell < b.cell); });
    double placed = 0;
    found = 0;
    for (size_t q = 0; q < inner; ++q) {
      placed += pts[q].cap;
      found = std::max(found, pts[q].d);
    }
    size_t end = edge;
    double last_share = 1.0;
    for (size_t a = inner; a < edge;) {
      size_t b = a;
      double cap = 0;
      while (b < edge && pts[b].d - pts[a].d <= tie) cap += pts[b++].cap;
      found = pts[b - 1].d;
      if (placed + cap >= volume) {
        last_share = cap > 0 ? (volume - placed) / cap : 0.0;
        placed = volume;
        end = b;
        for (size_t q = a; q < b; ++q) pts[q].cap *= last_share;
        break;
      }
      placed += cap;
      a = b;
    }
    pts.resize(end);
    f.radius = found;
    f.placed = volume > 0 ? placed / volume : 1.0;
    // a second pass sub-sampled by the fill's own size: the fill then depends on the tissue it
    // takes, not on the first estimate (a tip on a mirror edge fills exactly as the mirrored bolus)
    if (pass == 0 && found > 0 && std::fabs(found - R) > 1e-9 * R) {
      R = found;
      continue;
    }
    break;
  }
  std::map<size_t, double> share;
  double sum = 0;
  for (const auto& p : pts) {
    share[p.cell] += p.cap;
    sum += p.cap;
  }
  // shares of the volume, summing to `placed` to round-off
  for (const auto& [cell, v] : share)
    if (v > 0) f.weights.emplace_back(cell, sum > 0 ? f.placed * v / sum : 0.0);
  return f;
}

namespace {
void layer_lists(const Case& c, std::vector<double>& thickness, std::vector<std::string>& kinds) {
  for (const auto& l : c.layers) {
    thickness.push_back(l.thickness);
    kinds.push_back(l.kind);
  }
}
}  // namespace

InjectionFill injection_fill(const Case& c, const Grid& g, const DeliveryDef& d, double volume) {
  std::vector<double> thickness;
  std::vector<std::string> kinds;
  layer_lists(c, thickness, kinds);
  return fill_from_tip(g, volume, d.x, d.y, d.depth, d.fill_limit, injectable_rows(g, injectable_layers(thickness, kinds, d.depth)));
}

double injection_capacity(const Case& c, const DeliveryDef& d) {
  std::vector<double> thickness;
  std::vector<std::string> kinds;
  layer_lists(c, thickness, kinds);
  double lateral = 1;
  switch (c.geometry) {
    case Geometry::OneD: break;
    case Geometry::TwoD: lateral = c.unit_cell ? c.cell_spacing_x : c.width; break;
    case Geometry::Axisymmetric: lateral = M_PI * c.width * c.width; break;
    case Geometry::ThreeD: lateral = c.unit_cell ? c.cell_spacing_x * c.cell_spacing_y : c.width * c.length; break;
  }
  return fill_capacity(thickness, kinds, d.depth, d.fill_limit, lateral);
}

double read_fill_limit(const Located& l) {
  const double f = l.as_number();
  if (!(f > 0 && f <= 1))
    l.fail("the fill limit is the largest share of a cell's volume the injectate may fill: a number in (0, 1], e.g. 1 (a cavity of "
           "injectate) or 0.3 (the injectate shares the tissue with its matrix); got '" + l.as_string() + "'");
  return f;
}

}  // namespace dermasim

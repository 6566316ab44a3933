// SPDX-License-Identifier: BSD-3-Clause
#include "injection.hpp"

#include <algorithm>
#include <cmath>

namespace dermasim {

namespace {
// Overlap of [a, b] with [c, d].
double overlap(double a, double b, double c, double d) { return std::max(0.0, std::min(b, d) - std::max(a, c)); }
}  // namespace

BolusShape bolus_in_grid(const Grid& g, double volume, double x, double y, double depth) {
  BolusShape s;
  const double zmax = g.zn.back();
  const bool axi = g.geometry == Geometry::Axisymmetric;
  const int dim = g.geometry == Geometry::OneD ? 1 : g.geometry == Geometry::TwoD ? 2 : 3;
  if (dim == 1) {
    const double a = 0.5 * volume;
    s.radius = a;
    double inside = 0;
    for (int k = 0; k < g.nz; ++k) {
      const double o = overlap(depth - a, depth + a, g.zn[k], g.zn[k + 1]);
      if (o > 0) s.weights.emplace_back(g.index(0, 0, k), o);
      inside += o;
    }
    s.fraction_inside = inside / (2 * a);
  } else {
    const double a = dim == 2 ? std::sqrt(volume / M_PI) : std::cbrt(3.0 * volume / (4.0 * M_PI));
    s.radius = a;
    const double xlo = g.xn.front(), xhi = g.xn.back(), ylo = g.yn.front(), yhi = g.yn.back();
    auto in_ball = [&](double px, double py, double pz) {
      const double dx = px - x, dz = pz - depth, dy = (dim == 3 && !axi) ? py - y : 0.0;
      return dx * dx + dy * dy + dz * dz <= a * a;
    };
    // fraction of the ball inside the domain, on a lattice over the ball's bounding box
    {
      const int m = dim == 2 ? 400 : 64;
      double in_ball_w = 0, in_dom_w = 0;
      const bool use_y = dim == 3 && !axi;
      for (int iz = 0; iz < m; ++iz) {
        const double pz = depth - a + (iz + 0.5) * 2 * a / m;
        for (int iy = 0; iy < (use_y ? m : 1); ++iy) {
          const double py = use_y ? y - a + (iy + 0.5) * 2 * a / m : y;
          // axisymmetric: sample r in [0, a] with weight r; otherwise x in [x-a, x+a]
          for (int ix = 0; ix < m; ++ix) {
            const double px = axi ? (ix + 0.5) * a / m : x - a + (ix + 0.5) * 2 * a / m;
            const double w = axi ? px : 1.0;
            if (!in_ball(px, py, pz)) continue;
            in_ball_w += w;
            const bool inside = pz >= 0 && pz <= zmax && px >= xlo && px <= xhi && (!use_y || (py >= ylo && py <= yhi));
            if (inside) in_dom_w += w;
          }
        }
      }
      s.fraction_inside = in_ball_w > 0 ? in_dom_w / in_ball_w : 1.0;
    }
    // share of each cell, by sub-sampling cells that meet the ball's bounding box
    double total = 0;
    for (int k = 0; k < g.nz; ++k) {
      if (g.zn[k + 1] < depth - a || g.zn[k] > depth + a) continue;
      for (int j = 0; j < g.ny; ++j) {
        if (dim == 3 && !axi && (g.yn[j + 1] < y - a || g.yn[j] > y + a)) continue;
        for (int i = 0; i < g.nx; ++i) {
          if (g.xn[i + 1] < x - a || g.xn[i] > x + a) continue;
          // sub-samples per cell: at least 8 per direction, and at least 12 across the radius
          auto sub = [&](double len) { return std::clamp(static_cast<int>(std::ceil(len / (a / 12.0))), 8, 48); };
          const int sx = sub(g.xn[i + 1] - g.xn[i]), sz = sub(g.zn[k + 1] - g.zn[k]);
          const int sy = (dim == 3 && !axi) ? sub(g.yn[j + 1] - g.yn[j]) : 1;
          double w = 0;
          for (int c = 0; c < sz; ++c) {
            const double pz = g.zn[k] + (c + 0.5) * (g.zn[k + 1] - g.zn[k]) / sz;
            for (int b = 0; b < sy; ++b) {
              const double py = (sy > 1) ? g.yn[j] + (b + 0.5) * (g.yn[j + 1] - g.yn[j]) / sy : y;
              for (int q = 0; q < sx; ++q) {
                const double px = g.xn[i] + (q + 0.5) * (g.xn[i + 1] - g.xn[i]) / sx;
                if (in_ball(px, py, pz)) w += axi ? px : 1.0;
              }
            }
          }
          if (w > 0) {
            // sample weight times the sub-cell volume
            const double vol = g.volume(i, j, k) / (static_cast<double>(sx) * sy * sz);
            const double area_factor = axi ? (g.xn[i + 1] + g.xn[i]) * 0.5 : 1.0;
            const double wv = w * vol / area_factor;
            s.weights.emplace_back(g.index(i, j, k), wv);
            total += wv;
          }
        }
      }
    }
    if (total == 0) {
      // a ball smaller than the sub-samples: everything into the cell holding the centre
      auto find = [](const std::vector<double>& nodes, double v) {
        auto it = std::upper_bound(nodes.begin(), nodes.end(), v);
        int i = static_cast<int>(it - nodes.begin()) - 1;
        return std::clamp(i, 0, static_cast<int>(nodes.size()) - 2);
      };
      s.weights = {{g.index(find(g.xn, x), find(g.yn, y), find(g.zn, depth)), 1.0}};
      total = 1.0;
    }
    for (auto& [c, w] : s.weights) w /= total;
    return s;
  }
  double total = 0;
  for (const auto& [c, w] : s.weights) total += w;
  for (auto& [c, w] : s.weights) w /= total;
  return s;
}

}  // namespace dermasim

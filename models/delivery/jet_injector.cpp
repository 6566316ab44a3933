// SPDX-License-Identifier: BSD-3-Clause
// `type: jet_injector`: a needle-free jet injector. The liquid jet punches through the skin and the
// injectate disperses in a cone that opens from the entry point at the surface down to the jet's
// depth (the dispersion pattern of jet injections into skin and gels, [Mitragotri2006]; the cone is
// the model's assumption, not a measured shape). The whole volume goes into the cone, spread
// uniformly over its volume: a cone of half-angle a = cone_angle_deg / 2 with its apex at the
// surface at `at` and its base of radius depth * tan(a) at `depth`. The cone must lie inside the
// lateral domain (an input error otherwise), so the dose is applied exactly, volume x concentration.
//
// Per geometry: 3d and axisymmetric hold the cone itself (axisymmetric: on the axis); 2d holds the
// section through its axis, a triangle, carrying volume per length; 1d averages it over the
// column: the share of depth row [z0, z1] is (z1^3 - z0^3) / depth^3 (area ~ z^2).
//
// Lowered as deposits of each solute it carries and, with the fluid on, as the fluid's deposit.
// Added as one file: nothing else in the code names it.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "../../solver/units.hpp"
#include "../patterns.hpp"
#include "delivery_type.hpp"

namespace dermasim {
namespace {

struct JetParams : DeliveryExtra {
  double cone_angle = 0;  // full opening angle (rad)
};

double half_tan(const DeliveryDef& d) {
  return std::tan(0.5 * dynamic_cast<const JetParams&>(*d.extra).cone_angle);
}

// Volume of [a, b] x [c, e] (a rectangle in x, y) inside the disc of radius R centred at (x0, y0),
// by midpoint sampling on an n x n raster (exact to O(1/n^2) at the rim).
double disc_rect_overlap(double x0, double y0, double R, double a, double b, double c, double e, int n) {
  if (R <= 0 || a > x0 + R || b < x0 - R || c > y0 + R || e < y0 - R) return 0.0;
  double in = 0;
  for (int i = 0; i < n; ++i) {
    const double x = a + (i + 0.5) * (b - a) / n;
    for (int j = 0; j < n; ++j) {
      const double y = c + (j + 0.5) * (e - c) / n;
      if ((x - x0) * (x - x0) + (y - y0) * (y - y0) <= R * R) in += 1;
    }
  }
  return in / (n * n) * (b - a) * (e - c);
}

// Share of the cone in each cell (summing to 1).
std::vector<std::pair<size_t, double>> cone_weights(const Grid& g, const DeliveryDef& d) {
  const double ta = half_tan(d), depth = d.depth;
  std::vector<std::pair<size_t, double>> w;
  double total = 0;
  const int nzs = 24;  // sub-rows per cell row, midpoint rule in depth
  for (int k = 0; k < g.nz; ++k) {
    const double z0 = g.zn[k], z1 = std::min(g.zn[k + 1], depth);
    if (z0 >= depth) break;
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        double v = 0;
        if (g.geometry == Geometry::OneD) {
          v = (z1 * z1 * z1 - z0 * z0 * z0) / 3.0;  // up to a constant factor
        } else {
          for (int s = 0; s < nzs; ++s) {
            const double dz = (z1 - z0) / nzs, z = z0 + (s + 0.5) * dz, R = z * ta;
            const double xa = g.xn[i], xb = g.xn[i + 1];
            if (g.geometry == Geometry::TwoD) {  // the triangle |x - x0| <= R, per unit length
              v += std::max(0.0, std::min(xb, d.x + R) - std::max(xa, d.x - R)) * dz;
            } else if (g.geometry == Geometry::Axisymmetric) {  // rings r in [xa, xb] inside r <= R
              const double r = std::min(std::max(R, xa), xb);
              v += M_PI * (r * r - xa * xa) * dz;
            } else {
              v += disc_rect_overlap(d.x, d.y, R, xa, xb, g.yn[j], g.yn[j + 1], 16) * dz;
            }
          }
        }
        if (v > 0) {
          w.emplace_back(g.index(i, j, k), v);
          total += v;
        }
      }
  }
  for (auto& [c, v] : w) v /= total;
  return w;
}

class JetInjector : public DeliveryType {
 public:
  const PluginInfo& info() const override {
    static const PluginInfo i{"jet_injector", "a needle-free jet injector: the injectate fills a cone from the entry point at the surface to the jet depth", {
        {"species", "map of name: concentration", "", "**required**", "names from `species`; concentrations > 0", "what the injected liquid carries"},
        {"volume", "volume (3d, axisymmetric); area (2d, per length); length (1d, per area)", "", "**required**", "> 0", "the injected volume, in the geometry's amount convention"},
        {"depth", "length", "", "**required**", "> 0, within the skin", "the jet's depth: the base of the cone"},
        {"cone_angle_deg", "number (degrees)", "", "**required**", "> 0 to < 180", "full opening angle of the dispersion cone"},
        {"at", "`[x]` or `[x, y]`", "", "`[0, 0]`", "the cone inside the lateral domain; axisymmetric: on the axis", "entry point at the surface"},
        {"time", "time", "", "0", ">= 0, < `time.end`", "injection time"},
        {"session", "whole number", "", "0", "0 to 1000", "treatment session (written by the resolved case of a schedule)"},
    }};
    return i;
  }

  void read(MapReader& m, Case& c, DeliveryDef& d) const override {
    read_contents(m, c, d);  // models/patterns: `species: {name: concentration}`
    const Dim want = c.geometry == Geometry::OneD ? dims::length : c.geometry == Geometry::TwoD ? dims::area : dims::volume;
    d.volume = positive(m.at("volume"), want);
    Located dep = m.at("depth");
    d.depth = positive(dep, dims::length);
    if (d.depth > c.total_thickness())
      dep.fail("the jet's depth " + format_quantity(d.depth, dims::length) + " is below the bottom of the skin (" +
               format_quantity(c.total_thickness(), dims::length) + ")");
    Located ang = m.at("cone_angle_deg");
    auto p = std::make_shared<JetParams>();
    const double deg = ang.as_number();
    if (!(deg > 0 && deg < 180)) ang.fail("an opening angle in degrees, more than 0 and less than 180");
    p->cone_angle = deg * M_PI / 180.0;
    d.extra = p;
    if (auto at = m.maybe("at")) {
      auto xy = at->as_list();
      if (xy.empty() || xy.size() > 2) at->fail("give the entry point as [x, y]");
      d.x = xy[0].as_quantity(dims::length);
      if (xy.size() > 1) d.y = xy[1].as_quantity(dims::length);
      if (c.geometry == Geometry::OneD && (d.x != 0 || d.y != 0)) at->fail("a 1d column has no lateral position; leave 'at' out");
      if (c.geometry == Geometry::Axisymmetric && (d.x != 0 || d.y != 0)) at->fail("in an axisymmetric domain the jet sits on the axis: give [0 mm, 0 mm]");
    }
    // the cone must fit: its base radius at `depth`
    const double R = d.depth * std::tan(0.5 * p->cone_angle);
    const bool lateral = c.geometry != Geometry::OneD;
    const bool fits_x = c.geometry == Geometry::Axisymmetric ? R <= c.width : (d.x - R >= 0 && d.x + R <= c.width);
    const bool fits_y = c.geometry != Geometry::ThreeD || (d.y - R >= 0 && d.y + R <= c.length);
    if (lateral && !c.unit_cell && !(fits_x && fits_y)) {
      std::ostringstream os;
      os << "the jet's cone (base radius " << format_quantity(R, dims::length) << " at " << format_quantity(d.depth, dims::length)
         << ") does not fit inside the lateral domain around the entry point: move 'at', narrow the cone or widen the domain";
      m.at("cone_angle_deg").fail(os.str());
    }
    if (c.unit_cell) m.at("depth").fail("a jet injector in a unit cell is not supported: use a plain 3d or axisymmetric domain");
    if (auto t = m.maybe("time")) d.time = non_negative(*t, dims::time);
    if (d.time >= c.end && c.end > 0) m.at("time").fail("injection at or after time.end; nothing would happen");
    if (auto se = m.maybe("session")) d.session = static_cast<int>(se->as_int(0, 1000));
  }

  void emit(YAML::Emitter& e, const DeliveryDef& d, const Case& c) const override {
    e << YAML::Key << "species" << YAML::Value << YAML::BeginMap;
    for (const auto& [n, v] : d.contents) e << YAML::Key << n << YAML::Value << q(v, "mg/mL");
    e << YAML::EndMap;
    const char* vu = c.geometry == Geometry::OneD ? "uL/cm2" : c.geometry == Geometry::TwoD ? "mm2" : "uL";
    e << YAML::Key << "volume" << YAML::Value << q(d.volume, vu);
    e << YAML::Key << "depth" << YAML::Value << len_q(d.depth);
    e << YAML::Key << "cone_angle_deg" << YAML::Value << dynamic_cast<const JetParams&>(*d.extra).cone_angle * 180.0 / M_PI;
    e << YAML::Key << "at" << YAML::Value << YAML::BeginSeq << q(d.x, "mm") << q(d.y, "mm") << YAML::EndSeq;
    e << YAML::Key << "time" << YAML::Value << time_q(d.time);
    if (d.session != 0) e << YAML::Key << "session" << YAML::Value << d.session;
  }

  double start(const DeliveryDef& d) const override { return d.time; }
  void shift(DeliveryDef& d, double dt) const override { d.time += dt; }

  void lower(const Case& c, size_t di, const DeliveryDef& d, Lowering& lw) const override {
    const auto w = cone_weights(lw.p.grid, d);
    for (const auto& [name, conc] : d.contents) {
      DepositSpec dep;
      dep.species = c.species_index(name);
      dep.time = d.time;
      dep.source = static_cast<int>(di);
      for (const auto& [cell, share] : w) dep.mass.emplace_back(cell, conc * d.volume * share);
      lw.p.deposits.push_back(std::move(dep));
    }
    lw.fluid.push_back({di, d.time, 0.0, d.volume, 1.0, w});
  }
};

const Registration<DeliveryType> reg(std::make_unique<JetInjector>());

}  // namespace
}  // namespace dermasim

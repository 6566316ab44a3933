// SPDX-License-Identifier: BSD-3-Clause
#include "gel_phase.hpp"
#include "coupling_doc.hpp"

#include <map>
#include <stdexcept>

namespace dermasim {

namespace {
const Registration<CouplingDoc> doc(std::make_unique<CouplingDoc>(PluginInfo{
    "gel_phase", "the water of a crosslinked HA gel, held in the gel at its equilibrium swelling for the tissue's stress (case key `hydration.gel`)", {
        {"hydration.gel.<species>.confining_stress", "pressure", "kPa", "1.88 kPa", "> 0",
         "stress of the tissue on the gel bolus: 5/2 of the tissue's shear modulus ([Derived:gel-confinement])"},
    }}));

// (cell, amount) pairs summed per cell
std::map<size_t, double> placed(const std::vector<std::pair<size_t, double>>& cells) {
  std::map<size_t, double> m;
  for (const auto& [c, a] : cells) m[c] += a;
  return m;
}
}  // namespace

GelPhaseCoupling::GelPhaseCoupling(int fluid, std::vector<GelPhase> gels) : fluid_(fluid), gels_(std::move(gels)) {}

double GelPhaseCoupling::water_per_mass(int species) const {
  for (const auto& g : gels_)
    if (g.species == species) return 1.0 / g.concentration;
  return 0.0;
}

void GelPhaseCoupling::setup(Problem& p) {
  for (const auto& g : gels_)
    if (g.species < 0 || g.species >= static_cast<int>(p.species.size()) || !(g.concentration > 0))
      throw std::invalid_argument("gel phase: invalid gel species or equilibrium concentration");
  from_injectate_ = drawn_in_ = 0;
  // the gel water per cell of what one case entry places at one instant (deposits) or per second
  // (sources), summed over the gels
  auto gel_water = [&](int source, double t, bool rate) {
    std::map<size_t, double> w;
    for (const auto& g : gels_) {
      if (rate) {
        for (const auto& so : p.species[g.species].sources)
          if (so.source == source && so.t_start == t)
            for (const auto& [c, a] : placed(so.rate)) w[c] += a / g.concentration;
      } else {
        for (const auto& d : p.deposits)
          if (d.species == g.species && d.source == source && d.time == t)
            for (const auto& [c, a] : placed(d.mass)) w[c] += a / g.concentration;
      }
    }
    return w;
  };
  // the injectate's water per cell minus the gel's: the free water; the gel water beyond the
  // injectate is drawn in
  auto split = [&](std::vector<std::pair<size_t, double>>& fluid, const std::map<size_t, double>& gel, double scale) {
    std::map<size_t, double> free = placed(fluid);
    for (const auto& [c, w] : gel) {
      double& v = free[c];
      const double taken = std::min(v, w);
      v -= taken;
      from_injectate_ += taken * scale;
      drawn_in_ += (w - taken) * scale;
    }
    fluid.assign(free.begin(), free.end());
  };
  if (fluid_ >= 0) {
    for (auto& d : p.deposits)
      if (d.species == fluid_) split(d.mass, gel_water(d.source, d.time, false), 1.0);
    for (auto& so : p.species[fluid_].sources) split(so.rate, gel_water(so.source, so.t_start, true), so.t_end - so.t_start);
  }
  // gel placed where no injectate came with it (no fluid field, or no fluid for that entry): all drawn in
  for (const auto& g : gels_) {
    for (const auto& d : p.deposits)
      if (d.species == g.species) {
        bool with_fluid = false;
        for (const auto& f : p.deposits)
          with_fluid = with_fluid || (f.species == fluid_ && f.source == d.source && f.time == d.time);
        if (!with_fluid)
          for (const auto& [c, a] : d.mass) drawn_in_ += a / g.concentration;
      }
    for (const auto& so : p.species[g.species].sources) {
      bool with_fluid = false;
      if (fluid_ >= 0)
        for (const auto& f : p.species[fluid_].sources) with_fluid = with_fluid || (f.source == so.source && f.t_start == so.t_start);
      if (!with_fluid)
        for (const auto& [c, a] : so.rate) drawn_in_ += a * (so.t_end - so.t_start) / g.concentration;
    }
  }
}

std::vector<double> GelPhaseCoupling::water(const Simulation& sim) const {
  std::vector<double> w(sim.grid().cells(), 0.0);
  for (const auto& g : gels_) {
    const auto c = sim.concentration(g.species);
    for (size_t i = 0; i < w.size(); ++i) w[i] += std::max(c[i], 0.0) / g.concentration;
  }
  return w;
}

// The gel water (m3) of each gel at each recorded step: its mass in the tissue / c_eq.
void GelPhaseCoupling::record(const Simulation&, int s, const Balance& b, std::map<std::string, std::vector<double>>& h) const {
  const double per_mass = water_per_mass(s);
  if (per_mass > 0) h["gel_water"].push_back(b.tissue() * per_mass);
}

void GelPhaseCoupling::series_units(std::map<std::string, std::string>& units) const {
  units.insert_or_assign("gel_water", std::string("m3"));
}

const GelPhaseCoupling* gel_phase(const Simulation& sim) {
  for (const auto& c : sim.problem().couplings)
    if (const auto* g = dynamic_cast<const GelPhaseCoupling*>(c.get())) return g;
  return nullptr;
}

}  // namespace dermasim

// SPDX-License-Identifier: BSD-3-Clause
#include "excess_fluid.hpp"
#include "coupling_doc.hpp"
#include "gel_phase.hpp"

#include <algorithm>

namespace dermasim {

// Out of line: GCC 12 warns (-Wrestrict, a false positive) on the inlined string assignment.
void ExcessFluidCoupling::series_units(std::map<std::string, std::string>& units) const {
  units.insert_or_assign("max_elevation", std::string("m"));
}

namespace {
const Registration<CouplingDoc> doc(std::make_unique<CouplingDoc>(PluginInfo{
    "excess_fluid", "the injected fluid held in the tissue: advects the solutes, drains to lymph, raises the surface (case key `fluid`)", {
        {"fluid.enabled", "true/false", "", "false", "", "the injected fluid as a field (opt-in: without it an injection only places its solutes)"},
        {"fluid.viscosity", "viscosity", "mPa*s", "water at 37 degC", "> 0", "the fluid's viscosity"},
        {"fluid.law", "text", "", "linear", "linear, nonlinear", "nonlinear: k = k0 exp(m phi) and a strain-dependent tissue pressure (docs/validation.md); linear: p = H phi; either is sub-cycled inside the solutes' steps (`time.multirate`; not with HA's osmotic pressure), the nonlinear law re-linearised before each sub-step"},
        {"fluid.max_change", "number", "", "0.1", "(0, 1]", "largest relative change of the nonlinear law's lagged coefficients per step (per fluid sub-step under `time.multirate`)"},
        {"fluid.layers.<layer>", "map", "", "per layer kind", "",
         "`{permeability, stiffness, drainage, absorption, strain_exponent, compliant_stiffness, compliance_onset, stiffening_strain}` of each layer (models/fluid.cpp)"},
    }}));
}  // namespace

int excess_fluid_species(const Simulation& sim) {
  for (const auto& c : sim.problem().couplings)
    if (const auto* f = dynamic_cast<const ExcessFluidCoupling*>(c.get())) return f->species();
  return -1;
}

std::vector<double> surface_elevation(const Simulation& sim) {
  const Grid& g = sim.grid();
  std::vector<double> e(static_cast<size_t>(g.nx) * g.ny, 0.0);
  const int f = excess_fluid_species(sim);
  if (f < 0) return e;
  thread_local std::vector<double> phi;  // (kept between calls: no fresh memory per step)
  sim.concentration(f, phi);
  // a crosslinked gel's water sits in the gel phase, beside the free fluid (gel_phase.hpp)
  if (const GelPhaseCoupling* gel = gel_phase(sim)) {
    const auto w = gel->water(sim);
    for (size_t i = 0; i < phi.size(); ++i) phi[i] += w[i];
  }
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) e[static_cast<size_t>(j) * g.nx + i] += phi[g.index(i, j, k)] * g.dz[k];
  return e;
}

void ExcessFluidCoupling::record(const Simulation& sim, int s, const Balance&, std::map<std::string, std::vector<double>>& h) const {
  if (s != species_) return;
  const auto e = surface_elevation(sim);
  h["max_elevation"].push_back(e.empty() ? 0.0 : *std::max_element(e.begin(), e.end()));
}

void ExcessFluidCoupling::surface_fields(const Simulation& sim, std::vector<SurfaceField>& f) const {
  // the surface raised by the fluid the tissue holds, per column (the papule seen from above)
  f.push_back({"surface_elevation", "m", surface_elevation(sim)});
}

}  // namespace dermasim

// SPDX-License-Identifier: BSD-3-Clause
#include "enzymes.hpp"
#include "coupling_doc.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace dermasim {

namespace {
const Registration<CouplingDoc> doc(std::make_unique<CouplingDoc>(PluginInfo{
    "enzymes", "degradation of a substrate at k2 * c_enzyme, refreshed from the enzyme's field every step (from `reactions`, type enzymatic)", {}}));
}  // namespace

void EnzymeCoupling::setup(Problem& p) {
  const int ns = static_cast<int>(p.species.size());
  const size_t n = p.grid.cells();
  auto valid = [ns](int s) { return s >= 0 && s < ns; };
  for (const auto& e : reactions_) {
    if (!valid(e.enzyme) || !valid(e.substrate) || e.enzyme == e.substrate || e.k2 < 0) throw std::invalid_argument("invalid enzyme reaction");
    p.species[e.substrate].losses.push_back({e.channel, std::vector<double>(n, 0.0)});
  }
}

// The substrate uses the enzyme's mean over the step when the enzyme is solved first (preferred);
// an enzyme the carrier advects may have to come after a substrate that it does not advect.
void EnzymeCoupling::order(std::vector<std::vector<int>>& soft) const {
  for (const auto& e : reactions_) soft[e.substrate].push_back(e.enzyme);
}

// The substrate's rate k2 c_E uses the enzyme's mean over the step when the enzyme is solved first,
// else its mid-step value extrapolated from the last step; the operator is rebuilt when the rate
// moved by more than 1e-4 of its peak.
void EnzymeCoupling::before_solve(Simulation& sim, int s) {
  const size_t n = sim.grid().cells();
  Simulation::SpeciesState& r = sim.state(s);
  bool stale = false;
  for (const auto& e : reactions_) {
    if (e.substrate != s) continue;
    const Simulation::SpeciesState& er = sim.state(e.enzyme);
    const bool solved = sim.solved_before(e.enzyme, s);
    std::vector<double> k(n);
    double peak = 0;
    for (size_t i = 0; i < n; ++i) {
      // not yet solved: the mid-step value extrapolated from the last step (second order), or the
      // start value right after an event
      double mid = er.u[i];
      if (solved)
        mid = 0.5 * (er.u[i] + er.u_new[i]);
      else if (er.u_prev.size() == er.u.size() && er.h_prev > 0)
        mid = std::max(0.0, er.u[i] + 0.5 * sim.step_size() * (er.u[i] - er.u_prev[i]) / er.h_prev);
      k[i] = e.k2 * er.spec.K[i] * mid;
      peak = std::max(peak, std::fabs(k[i]));
    }
    for (auto* losses : {&r.spec.losses, &r.base_losses})
      for (auto& L : *losses)
        if (L.name == e.channel) {
          double diff = 0;
          for (size_t i = 0; i < n; ++i) diff = std::max(diff, std::fabs(k[i] - L.k[i]));
          if (diff > 1e-4 * peak) {
            L.k = k;
            stale = true;
          }
        }
  }
  if (stale) sim.remake_operator(s);
}

}  // namespace dermasim

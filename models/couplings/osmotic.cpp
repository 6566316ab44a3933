// SPDX-License-Identifier: BSD-3-Clause
#include "osmotic.hpp"
#include "coupling_doc.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace dermasim {

namespace {
const Registration<CouplingDoc> doc(std::make_unique<CouplingDoc>(PluginInfo{
    "osmotic_pressure", "water held by HA: the osmotic pressure of HA species in the fluid's potential (case key `hydration`)", {
        {"hydration.enabled", "true/false", "", "on with the fluid and HA", "", "the osmotic coupling"},
        {"hydration.law", "text", "", "horkay", "horkay, donnan", "osmotic pressure law of linear HA"},
        {"hydration.ionic_strength", "concentration", "mM", "150 mM", "> 0", "salt of the tissue water (Donnan)"},
        {"hydration.species", "list", "", "the case's HA species", "HA species", "the species that hold water"},
        {"hydration.gel.<species>", "map", "", "none", "", "`{modulus, reference_concentration, confining_stress}` of a crosslinked gel (Flory-Rehner); its water is held in the gel phase (gel_phase)"},
    }}));
}  // namespace

OsmoticCoupling::OsmoticCoupling(int fluid, std::vector<OsmoticGroup> groups, std::vector<double> stiffness, std::vector<double> water)
    : fluid_(fluid), groups_(std::move(groups)), H_(std::move(stiffness)), water_(std::move(water)) {}

void OsmoticCoupling::setup(Problem& p) {
  const size_t n = p.grid.cells();
  if (fluid_ < 0 || fluid_ >= static_cast<int>(p.species.size())) throw std::invalid_argument("osmotic pressure needs the excess-fluid field");
  if (H_.size() != n || water_.size() != n) throw std::invalid_argument("osmotic pressure: fluid stiffness and water per cell needed");
  for (const auto& grp : groups_)
    for (int s : grp.species)
      if (s < 0 || s >= static_cast<int>(p.species.size()) || s == fluid_) throw std::invalid_argument("osmotic pressure: invalid polymer species");
  auto& losses = p.species[fluid_].losses;
  if (losses.empty()) throw std::invalid_argument("osmotic pressure: the fluid has no drainage");
  drained_ = losses.front().k;
  // the linear part of the osmotic term, counted as water held back (rebuilt in before_step)
  losses.push_back({"osmotic_linear", std::vector<double>(n, 0.0)});
}

void OsmoticCoupling::init(Simulation& sim) {
  // the unknown is p = H phi: the stiffness a the operator was built with is 1 / K
  const auto& K = sim.state(fluid_).spec.K;
  const size_t n = sim.grid().cells();
  built_a_.resize(n);
  for (size_t i = 0; i < n; ++i) built_a_[i] = 1.0 / K[i];
  g_.assign(n, 0.0);
}

std::vector<double> OsmoticCoupling::pressure(const Simulation& sim, const std::vector<double>& phi, int stage, std::vector<double>* slope) const {
  const size_t n = sim.grid().cells();
  std::vector<double> pi(n, 0.0);
  if (slope) slope->assign(n, 0.0);
  for (const auto& grp : groups_) {
    std::vector<double> c(n, 0.0);
    for (int s : grp.species) {
      const Simulation::SpeciesState& r = sim.state(s);
      const bool ahead = sim.solved_before(s, fluid_);
      const std::vector<double>& x = !ahead || stage == 0 ? r.u : stage == 1 ? r.ug : r.u_new;
      for (size_t i = 0; i < n; ++i) c[i] += r.spec.K[i] * x[i];
    }
    for (size_t i = 0; i < n; ++i) {
      if (c[i] <= 0) continue;
      const double water = std::max(water_[i] + phi[i], 0.05 * water_[i]);
      const double cw = c[i] / water;
      pi[i] += grp.pressure(cw);
      if (slope) (*slope)[i] -= grp.derivative(cw) * cw / water;
    }
  }
  return pi;
}

// Before a step: the potential p - Pi(phi) is linearised about the state at the start of the step,
// p - Pi ~ a phi - g with a = H - dPi/dphi (>= H) and g = Pi - (dPi/dphi) phi. The operator holds
// u = a phi (capacity 1/a), so the flux is T (u_P - u_N) - T (g_P - g_N) and the drainage
// k_d (a phi - g) / H: the lymph drains k_d phi ("drained"), the polymer holds back or draws in
// k_d (Pi_lin) / H (counted as "drawn_in"). The slope is refreshed when it moved by 2 %; g always
// matches the slope built, so the fixed point (p = Pi where drainage balances) is exact.
void OsmoticCoupling::before_step(Simulation& sim) {
  Simulation::SpeciesState& f = sim.state(fluid_);
  const size_t n = sim.grid().cells();
  const auto phi = sim.concentration(fluid_);
  std::vector<double> slope;
  const auto pi = pressure(sim, phi, 0, &slope);
  double worst = 0;
  for (size_t i = 0; i < n; ++i) {
    const double a = H_[i] - std::min(slope[i], 0.0);
    worst = std::max(worst, std::fabs(a - built_a_[i]) / built_a_[i]);
  }
  if (worst > 0.02) {
    LossChannel* lin = nullptr;
    for (auto& L : f.spec.losses)
      if (L.name == "osmotic_linear") lin = &L;
    for (size_t i = 0; i < n; ++i) {
      const double a = H_[i] - std::min(slope[i], 0.0);
      built_a_[i] = a;
      f.spec.K[i] = 1.0 / a;
      lin->k[i] = drained_[i] * (a - H_[i]) / H_[i];
      f.u[i] = a * phi[i];
    }
    f.base_losses = f.spec.losses;
    sim.rebuild(fluid_, sim.time());
  }
  phi_n_ = phi;
  for (size_t i = 0; i < n; ++i) g_[i] = pi[i] + (built_a_[i] - H_[i]) * phi[i];
}

// The osmotic part of the fluid's equation at one stage of the step (polymer concentrations of that
// stage, linearised about `phi` with the slope built): g = Pi(phi) + (a - H) phi, the divergence of
// the flux of g (sums to zero) plus the water drawn in, k_d g / H per volume, per unknown in b; the
// drawn-in total (without the divergence) in `drawn`. The g of the end stage drives the carrier's
// flux (Simulation::carrier_offset).
void OsmoticCoupling::sources(Simulation& sim, int stage, const std::vector<double>& phi, std::vector<double>& b, double& drawn) {
  const Grid& g = sim.grid();
  const size_t n = g.cells();
  const auto pi = pressure(sim, phi, stage, nullptr);
  for (size_t i = 0; i < n; ++i) g_[i] = pi[i] + (built_a_[i] - H_[i]) * phi[i];
  if (stage == 2) sim.carrier_offset() = g_;
  const StencilOperator& op = *sim.state(fluid_).op;
  std::vector<double> fx, fy, fz;
  op.face_fluxes(g_, fx, fy, fz);
  op.net_outflow(fx, fy, fz, b);
  drawn = 0;
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        const size_t c = g.index(i, j, k);
        const double q = g.volume(i, j, k) * drained_[c] * g_[c] / H_[c];
        b[c] += q;
        drawn += q;
      }
}

void OsmoticCoupling::stage_source(Simulation& sim, int, int stage, std::vector<double>& b, double& total) {
  sources(sim, stage, phi_n_, b, total);
}

// The slope a was taken at the start of the step; where phi moves far within it (a papule draining
// in its first step) plain re-linearisation can overshoot, so the linearisation point is
// under-relaxed while the change does not shrink. A stage that does not converge fails the step
// (smaller steps converge: the iteration contracts as h -> 0).
bool OsmoticCoupling::iterate_stage(Simulation& sim, int, int stage, std::vector<double>& x, std::vector<double>& b, double& total,
                                    const std::function<void()>& resolve) {
  const size_t N = x.size();
  const double rtol = sim.problem().time.rtol;
  std::vector<double> phi(N - 1), prev = phi_n_;
  double omega = 1.0, last = std::numeric_limits<double>::infinity();
  for (int it = 0; it < 40; ++it) {
    double change = 0, peak = 0;
    for (size_t i = 0; i + 1 < N; ++i) {
      phi[i] = x[i] / built_a_[i];
      change = std::max(change, std::fabs(phi[i] - prev[i]));
      peak = std::max(peak, std::fabs(phi[i]));
    }
    if (change <= 1e-3 * rtol * peak + 1e-300) return true;
    if (change > 0.7 * last) omega = std::max(0.125, 0.5 * omega);
    last = change;
    for (size_t i = 0; i + 1 < N; ++i) prev[i] += omega * (phi[i] - prev[i]);
    sources(sim, stage, prev, b, total);
    resolve();
  }
  return false;
}

// Water drawn in (or held back) by osmotic pressure: the constant and linear parts are gains of the
// fluid (part of what was applied), not outflows.
void OsmoticCoupling::balance(const Simulation&, int s, Balance& b) const {
  if (s != fluid_) return;
  double drawn = 0;
  for (const char* k : {"osmotic_linear", "osmotic_source"}) {
    auto it = b.out.find(k);
    if (it == b.out.end()) continue;
    const double part = it->first == "osmotic_source" ? it->second : -it->second;
    b.applied += part;
    drawn += part;
    b.out.erase(it);
  }
  b.parts["drawn_in"] = drawn;
}

void OsmoticCoupling::record(const Simulation&, int s, const Balance& b, std::map<std::string, std::vector<double>>& h) const {
  if (s == fluid_) h["drawn_in"].push_back(b.get("drawn_in"));
}

std::vector<double> osmotic_pressure(const Simulation& sim) {
  for (const auto& c : sim.problem().couplings)
    if (const auto* o = dynamic_cast<const OsmoticCoupling*>(c.get())) {
      const int f = sim.problem().carrier.species;
      return o->pressure(sim, sim.concentration(f), 0, nullptr);
    }
  return std::vector<double>(sim.grid().cells(), 0.0);
}

// The slope a is kept from step to step (refreshed only when it moved by 2 %): a restart must build
// the fluid's operator with the same one. g is recomputed at every step; saved so that a restored
// coupling is the one that was saved.
void OsmoticCoupling::save_state(SavedState& st, const std::string& prefix) const {
  st.put(prefix + "built_a", built_a_);
  st.put(prefix + "g", g_);
}

void OsmoticCoupling::restore_state(const SavedState& st, const std::string& prefix) {
  const size_t n = H_.size();
  std::vector<double> a = st.get(prefix + "built_a", n), g = st.get(prefix + "g", n);
  for (size_t i = 0; i < n; ++i)
    if (!(a[i] > 0 && std::isfinite(a[i])) || !std::isfinite(g[i])) throw CheckpointError("the checkpoint's osmotic slope or offset is out of range");
  built_a_ = std::move(a);
  g_ = std::move(g);
}

}  // namespace dermasim

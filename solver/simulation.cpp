// SPDX-License-Identifier: BSD-3-Clause
#include "simulation.hpp"

#include "units.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

namespace dermasim {

namespace {
// TR-BDF2 ([Bank1985]; [HoseaShampine1996]) with gamma = 2 - sqrt(2): a trapezoidal stage to
// t + gamma h, then BDF2 through (t, t + gamma h, t + h). Both stages solve with M + (gamma h / 2) A.
const double kGamma = 2.0 - std::sqrt(2.0);
const double kA = 1.0 / (kGamma * (2.0 - kGamma));                                   // weight of u_gamma
const double kB = -(1.0 - kGamma) * (1.0 - kGamma) / (kGamma * (2.0 - kGamma));      // weight of u_n
// Local truncation error constant: LTE = C h^3 u''' ([Bank1985]).
const double kC = (-3.0 * kGamma * kGamma + 4.0 * kGamma - 2.0) / (12.0 * (2.0 - kGamma));
}  // namespace

double Balance::tissue() const {
  double s = 0;
  for (double v : layer) s += v;
  return s;
}

double Balance::error() const {
  double acc = tissue();
  for (const auto& [k, v] : held) acc += v;
  for (const auto& [k, v] : out) acc += v;
  return applied - acc;
}

double Balance::get(const std::string& name) const {
  for (const auto* m : {&held, &parts, &out})
    if (auto it = m->find(name); it != m->end()) return it->second;
  return 0.0;
}

struct Simulation::SpeciesRun : SpeciesState {
  std::vector<double> Au, rhs, est, e;
  std::map<std::string, double> Q, Q_new;  // cumulative outflows ("receptor", loss channels) and gains
  double applied_fixed = 0;  // initial + deposits + finite reservoir loads
  double removed = 0;        // taken away with a reservoir at its t_off
  double clipped = 0;
  int active_reservoir = -1;
  double reservoir_mass = 0;  // content of a finite reservoir, dissolved + solid (kg)
  bool saturated = false;     // reservoir at its solubility: activity held, solid dissolving
  double amount_scale = 0;
  std::vector<double> built_openness;  // conductance openness the operator was built with
  std::vector<double> src;             // active constant-rate sources, per unknown
  std::vector<double> coupled_phi;     // the carrier field the operator was last built with
  std::vector<double> f0, fg, f1;      // stage sources at the stage times of a step (amount/s per unknown)
};

Simulation::Simulation(Problem p) : p_(std::move(p)) {
  Grid& g = p_.grid;
  const size_t n = g.cells();
  if (p_.time.end <= 0) throw std::invalid_argument("time.end must be positive");
  linear_kind_ = p_.solver.linear;
  if (linear_kind_ == "auto") {
    // 3d sparse factorisations fill in fast (and are redone whenever dt changes): iterative early
    // there. The iterative solver is CG with the multigrid preconditioner (solver/multigrid.cpp):
    // its iteration count does not grow with the grid, and it stores no matrix.
    const size_t limit = (g.geometry == Geometry::ThreeD) ? 4000 : 250000;
    linear_kind_ = (n <= limit) ? "direct" : "mg";
    // Small 3d cases the separable solver can take (uniform lateral spacing, closed edges, no
    // reservoir unknown, every species' properties the same across each depth plane) take `mg` too:
    // the layered operators are solved exactly in one DCT pass, the advected ones by GMRES with it as
    // preconditioner, where the sparse factorisations are redone whenever dt changes (the 3d nappage
    // unit cell, 3,050 cells: 0.08 s against 0.13 s without the fluid, 0.26 s against 0.72 s with it;
    // docs/performance.md). Others (a vehicle on the skin, a patch, microneedle channels) keep the
    // exact sparse solve.
    if (linear_kind_ == "direct" && g.geometry == Geometry::ThreeD && separable_solver_enabled() && !g.periodic_x && !g.periodic_y &&
        p_.reservoirs.empty()) {
      bool layered = true;
      for (int i = 1; i < g.nx; ++i) layered = layered && std::fabs(g.dx[i] - g.dx[0]) <= 1e-12 * g.dx[0];
      for (int j = 1; j < g.ny; ++j) layered = layered && std::fabs(g.dy[j] - g.dy[0]) <= 1e-12 * g.dy[0];
      const size_t plane = static_cast<size_t>(g.nx) * g.ny;
      auto planes_uniform = [&](const std::vector<double>& v) {
        if (v.size() != n) return false;
        for (size_t c = 0; c < n; ++c)
          if (std::fabs(v[c] - v[c - c % plane]) > 1e-12 * std::fabs(v[c - c % plane])) return false;
        return true;
      };
      for (const auto& sp : p_.species) {
        layered = layered && sp.conductances.empty() && planes_uniform(sp.K) && planes_uniform(sp.DK);
        for (const auto& L : sp.losses) layered = layered && (L.k.empty() || planes_uniform(L.k));
      }
      if (layered) linear_kind_ = "mg";
    }
  }
  const int ns = static_cast<int>(p_.species.size());
  auto valid = [ns](int s) { return s >= 0 && s < ns; };
  // The problem's own loss channels (not those the couplings add below, which they write into)
  // that are zero everywhere are stored empty once the couplings have set up: they cost no memory
  // per cell in the problem, the species' spec and its base losses.
  std::vector<size_t> own_channels(p_.species.size());
  for (size_t s = 0; s < p_.species.size(); ++s) own_channels[s] = p_.species[s].losses.size();
  for (auto& c : p_.couplings) {
    c->setup(p_);
    keep_previous_ = keep_previous_ || c->needs_previous_state();
  }
  // With the injected fluid and an iterative solver, the stages start from extrapolated guesses
  // (the previous step is kept for that; docs/performance.md, "A fluid coupling that costs little").
  extrapolate_guess_ = p_.carrier.species >= 0 && linear_kind_ != "direct";
  keep_previous_ = keep_previous_ || extrapolate_guess_;
  for (size_t s = 0; s < p_.species.size(); ++s)
    for (size_t l = 0; l < std::min(own_channels[s], p_.species[s].losses.size()); ++l) {
      auto& k = p_.species[s].losses[l].k;
      if (std::all_of(k.begin(), k.end(), [](double v) { return v == 0.0; })) std::vector<double>().swap(k);
    }
  for (const auto& tr : p_.transfers) {
    if (!valid(tr.from) || !valid(tr.to) || tr.from == tr.to) throw std::invalid_argument("invalid transfer between species");
    const auto& L = p_.species[tr.from].losses;
    if (std::none_of(L.begin(), L.end(), [&](const LossChannel& c) { return c.name == tr.channel; }))
      throw std::invalid_argument("transfer: species '" + p_.species[tr.from].name + "' has no loss channel '" + tr.channel + "'");
  }
  const int carrier = p_.carrier.species;
  if (carrier >= ns) throw std::invalid_argument("invalid carrier species");
  // Solve order: every species after those that feed it (transfers) or that couplings want first;
  // the carrier before every species it advects (its field drives them).
  {
    // transfers must come first (their stage values feed the target); a coupling's preference
    // should be honoured but may be broken (the coupling then extrapolates)
    std::vector<std::vector<int>> before(ns), soft(ns);
    for (const auto& tr : p_.transfers) before[tr.to].push_back(tr.from);
    for (const auto& c : p_.couplings) c->order(soft);
    std::vector<bool> done(ns, false);
    bool first_phase = carrier >= 0;
    auto ready = [&](int s) {
      auto ok = [&](int b) { return done[b]; };
      if (!std::all_of(before[s].begin(), before[s].end(), ok)) return false;
      // before the carrier, a preferred predecessor that it advects is left for later
      return std::all_of(soft[s].begin(), soft[s].end(), [&](int b) { return done[b] || (first_phase && p_.species[b].advected); });
    };
    auto take = [&](auto&& eligible) {
      for (bool progress = true; progress;) {
        progress = false;
        for (int s = 0; s < ns; ++s)
          if (!done[s] && eligible(s) && ready(s)) {
            order_.push_back(static_cast<size_t>(s));
            done[s] = true;
            progress = true;
          }
      }
    };
    if (carrier >= 0) {
      // species the carrier does not advect do not depend on it: solved first, so that a
      // coupling of the carrier to them sees them at every stage of its step
      take([&](int s) { return s != carrier && !p_.species[s].advected; });
      order_.push_back(static_cast<size_t>(carrier));
      done[carrier] = true;
      first_phase = false;
    }
    take([](int) { return true; });
    if (static_cast<int>(order_.size()) < ns) throw std::invalid_argument("reactions form a cycle (a species feeds itself through transfers or couplings)");
  }
  hist_.species.resize(p_.species.size());
  for (size_t s = 0; s < p_.species.size(); ++s) {
    auto r = std::make_unique<SpeciesRun>();
    SpeciesSpec& ss = p_.species[s];
    r->spec.grid = &p_.grid;
    // The species state takes K and D K over (one copy per cell, not two); the problem keeps D K
    // only when its conductances are added to it at every rebuild.
    r->spec.K = std::move(ss.K);
    std::vector<double>().swap(ss.K);
    if (ss.conductances.empty()) {
      r->spec.DK = std::move(ss.DK);
      std::vector<double>().swap(ss.DK);
    } else {
      r->spec.DK = ss.DK;
    }
    if (r->spec.K.size() != n || r->spec.DK.size() != n)
      throw std::invalid_argument("species '" + ss.name + "': one partition coefficient and one D K per cell needed");
    r->spec.losses = ss.losses;
    r->spec.bottom_sink = p_.bottom_sink;
    const bool advected = carrier >= 0 && static_cast<int>(s) != carrier && ss.advected;
    const bool iterated = std::any_of(p_.couplings.begin(), p_.couplings.end(), [&](const auto& c) { return c->has_stage_source(static_cast<int>(s)); });
    const double tol = iterated ? p_.solver.stage_iterated_tolerance() : p_.solver.effective_tolerance(p_.time);
    r->solver = advected ? make_nonsymmetric_solver(linear_kind_, tol, p_.solver.max_iterations)
                         : make_linear_solver(linear_kind_, tol, p_.solver.max_iterations);
    r->base_losses = ss.losses;
    r->u.assign(n + 1, 0.0);
    if (!ss.initial_c.empty()) {
      for (int k = 0; k < g.nz; ++k)
        for (int j = 0; j < g.ny; ++j)
          for (int i = 0; i < g.nx; ++i) {
            const size_t c = g.index(i, j, k);
            r->u[c] = ss.initial_c[c] / r->spec.K[c];
            r->applied_fixed += ss.initial_c[c] * g.volume(i, j, k);
          }
    }
    if (p_.bottom_sink) r->Q["receptor"] = 0.0;
    for (const auto& L : ss.losses) r->Q[L.name] = 0.0;
    if (Coupling* c = stage_coupling(static_cast<int>(s))) r->Q[c->stage_counter(static_cast<int>(s))] = 0.0;
    for (const auto& tr : p_.transfers)
      if (tr.to == static_cast<int>(s)) r->Q["converted_in"] = 0.0;
    // scale of amounts for the absolute part of the error test
    double scale = r->applied_fixed;
    double sumM = 0;
    for (int k = 0; k < g.nz; ++k)
      for (int j = 0; j < g.ny; ++j)
        for (int i = 0; i < g.nx; ++i) sumM += g.volume(i, j, k) * r->spec.K[g.index(i, j, k)];
    for (const auto& v : p_.reservoirs)
      if (v.species == static_cast<int>(s))
        scale += v.infinite ? (v.conc / v.partition) * sumM : v.volume * g.top_area() * v.conc;
    for (const auto& d : p_.deposits)
      if (d.species == static_cast<int>(s))
        for (const auto& [c, m] : d.mass) scale += m;
    for (const auto& src : ss.sources)
      for (const auto& [c, q] : src.rate) scale += q * (src.t_end - src.t_start);
    r->amount_scale = scale > 0 ? scale : 1.0;
    sp_.push_back(std::move(r));
    rebuild(static_cast<int>(s), 0.0);
  }
  stats_.linear_solver = sp_.empty() ? linear_kind_ : sp_.front()->solver->name();
  if (p_.time.multirate && carrier >= 0 && !stage_coupling(carrier) && p_.species[carrier].conductances.empty() &&
      std::all_of(p_.couplings.begin(), p_.couplings.end(), [&](const auto& c) { return !c->relinearises(carrier) || c->relinearises_substeps(carrier); }) &&
      std::none_of(p_.reservoirs.begin(), p_.reservoirs.end(), [&](const ReservoirSpec& v) { return v.species == carrier; }) &&
      std::none_of(p_.transfers.begin(), p_.transfers.end(), [&](const TransferSpec& t) { return t.from == carrier || t.to == carrier; }))
    multirate_ = true;
  relinearised_carrier_ = multirate_ && std::any_of(p_.couplings.begin(), p_.couplings.end(), [&](const auto& c) { return c->relinearises(carrier); });
  // a reservoir's volume is a volume, not an amount (m3; per m in 2d, per m2 in 1d)
  std::string volume_unit = p_.grid.amount_unit();
  volume_unit.replace(0, 2, "m3");
  hist_.units[p_.reservoir_names.volume] = volume_unit;
  for (auto& c : p_.couplings) {
    c->init(*this);
    c->series_units(hist_.units);
  }
}

Simulation::SpeciesState& Simulation::state(int s) { return *sp_[s]; }
const Simulation::SpeciesState& Simulation::state(int s) const { return *sp_[s]; }

void Simulation::remake_operator(int s) {
  SpeciesRun& r = *sp_[s];
  r.op = std::make_unique<StencilOperator>(r.spec);
  ++r.version;
}

bool Simulation::solved_before(int a, int b) const {
  return std::find(order_.begin(), order_.end(), static_cast<size_t>(a)) < std::find(order_.begin(), order_.end(), static_cast<size_t>(b));
}

Coupling* Simulation::stage_coupling(int s) const {
  Coupling* found = nullptr;
  for (const auto& c : p_.couplings)
    if (c->has_stage_source(s)) {
      if (found) throw std::invalid_argument("two couplings give species '" + p_.species[s].name + "' a stage source");
      found = c.get();
    }
  return found;
}

Simulation::~Simulation() = default;

void Simulation::rebuild(int s, double t) {
  SpeciesRun& r = *sp_[s];
  r.spec.top = TopMode::Closed;
  if (r.active_reservoir >= 0) {
    const ReservoirSpec& v = p_.reservoirs[r.active_reservoir];
    if (v.infinite) {
      r.spec.top = TopMode::Fixed;
      r.spec.fixed_activity = v.conc / v.partition;
    } else if (r.saturated) {
      r.spec.top = TopMode::Fixed;  // a saturated reservoir: activity at the solubility limit
      r.spec.fixed_activity = v.saturated_activity(t);
    } else {
      r.spec.top = TopMode::Reservoir;
      r.spec.reservoir_capacity = v.volume_of(t) * p_.grid.top_area() * v.partition;
    }
  }
  const auto& conductances = p_.species[s].conductances;
  if (!conductances.empty()) {
    r.spec.DK = p_.species[s].DK;
    r.built_openness.resize(conductances.size());
    for (size_t c = 0; c < conductances.size(); ++c) {
      r.built_openness[c] = conductances[c].openness(t);
      for (const auto& [cell, d] : conductances[c].dDK) r.spec.DK[cell] += d * r.built_openness[c];
    }
  }
  // remade in place (its arrays' storage reused: a field re-linearised at every fluid sub-step would
  // otherwise take some 20 arrays of fresh memory each time)
  if (r.op) r.op->rebuild(r.spec);
  else r.op = std::make_unique<StencilOperator>(r.spec);
  ++r.version;
  if (r.op->inflow()) {
    if (!r.Q.count("uptake")) r.Q["uptake"] = 0.0;
    if (!r.Q.count("reservoir_uptake")) r.Q["reservoir_uptake"] = 0.0;
  }
}

// Before a step to time t1: the reservoir has its end-of-step volume, and is either dissolved (a
// finite well-stirred compartment) or saturated (activity held at the solubility, the solid
// dissolving). Its total content is the state; the switch happens at step boundaries, so the mass
// balance stays exact.
void Simulation::prepare_reservoirs(double t1) {
  const size_t n = p_.grid.cells();
  for (size_t s = 0; s < sp_.size(); ++s) {
    SpeciesRun& r = *sp_[s];
    if (r.active_reservoir < 0) continue;
    const ReservoirSpec& v = p_.reservoirs[r.active_reservoir];
    if (v.infinite) continue;
    const double L = v.volume_of(t1);
    const double dissolved_max = v.solubility * L * p_.grid.top_area();
    const bool want_saturated = r.reservoir_mass > dissolved_max * (1.0 + 1e-12);
    const double cap = L * p_.grid.top_area() * v.partition;
    if (want_saturated != r.saturated || (!r.saturated && cap != r.op->mass()[n]) ||
        (r.saturated && v.saturated_activity(t1) != r.spec.fixed_activity)) {
      r.saturated = want_saturated;
      rebuild(static_cast<int>(s), t1);
    }
    r.u[n] = r.saturated ? 0.0 : r.reservoir_mass / r.op->mass()[n];
  }
}

// Conductances are rebuilt into the operator with their openness at the end of each step
// (implicit), whenever it moved by more than 1 % of the open value since the last build.
void Simulation::prepare_conductances(double t1) {
  for (size_t s = 0; s < sp_.size(); ++s) {
    const auto& conductances = p_.species[s].conductances;
    if (conductances.empty()) continue;
    bool stale = false;
    for (size_t c = 0; c < conductances.size(); ++c)
      if (std::fabs(conductances[c].openness(t1) - sp_[s]->built_openness[c]) > 0.01 * std::max(conductances[c].openness(t1), 1e-3)) stale = true;
    if (stale) rebuild(static_cast<int>(s), t1);
  }
}

// While conductances fade, a step may span at most a tenth of their time constant.
double Simulation::max_step_for_conductances() const {
  double h = std::numeric_limits<double>::infinity();
  for (const auto& sp : p_.species)
    for (const auto& c : sp.conductances)
      if (t_ >= c.t_open && c.openness(t_) > 1e-3) h = std::min(h, 0.1 * c.tau);
  return h;
}

// A dissolved reservoir whose volume changes limits the step as its model says.
double Simulation::max_step_for_reservoirs() const {
  double h = std::numeric_limits<double>::infinity();
  for (const auto& rp : sp_) {
    if (rp->active_reservoir < 0 || rp->saturated) continue;
    const ReservoirSpec& v = p_.reservoirs[rp->active_reservoir];
    if (v.infinite || !v.max_step) continue;
    h = std::min(h, v.max_step(t_));
  }
  return h;
}

std::vector<SurfaceField> Simulation::surface_fields() const {
  std::vector<SurfaceField> f;
  for (const auto& c : p_.couplings) c->surface_fields(*this, f);
  return f;
}

// What species s receives through transfers, per unknown (kg/s), at one stage of the step of the
// sources: 0 the start (u), 1 the intermediate stage (ug), 2 the end (u_new). The weights are those
// of the source's loss functional, so the amounts given and received agree to round-off.
void Simulation::feed(int s, int stage, std::vector<double>& b) const {
  b.assign(p_.grid.cells() + 1, 0.0);
  for (const auto& tr : p_.transfers) {
    if (tr.to != s) continue;
    const SpeciesRun& fr = *sp_[tr.from];
    const std::vector<double>& x = stage == 0 ? fr.u : stage == 1 ? fr.ug : fr.u_new;
    for (const auto& f : fr.op->outflows())
      if (f.name == tr.channel)
        for (const auto& [i, w] : f.w) b[i] += w * x[i];
  }
}

std::vector<double> Simulation::concentration(int s) const {
  std::vector<double> c;
  concentration(s, c);
  return c;
}

void Simulation::concentration(int s, std::vector<double>& c) const {
  const SpeciesRun& r = *sp_[s];
  const size_t n = p_.grid.cells();
  c.resize(n);
  for (size_t i = 0; i < n; ++i) c[i] = r.u[i] * r.spec.K[i];
}

Balance Simulation::balance(int s) const {
  const SpeciesRun& r = *sp_[s];
  const Grid& g = p_.grid;
  Balance b;
  b.applied = r.applied_fixed;
  b.layer.assign(g.layer_names.size(), 0.0);
  for (int k = 0; k < g.nz; ++k) {
    double row = 0;
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        const size_t c = g.index(i, j, k);
        row += r.op->mass()[c] * r.u[c];
      }
    b.layer[g.cell_layer[k]] += row;
  }
  const ReservoirNames& rn = p_.reservoir_names;
  b.held[rn.content] = 0.0;
  b.parts[rn.solid] = 0.0;
  b.parts[rn.volume] = 0.0;
  if (r.active_reservoir >= 0 && !p_.reservoirs[r.active_reservoir].infinite) {
    const ReservoirSpec& v = p_.reservoirs[r.active_reservoir];
    const double L = v.volume_of(t_);
    b.held[rn.content] = r.reservoir_mass;
    b.parts[rn.volume] = L * g.top_area();
    b.parts[rn.solid] = std::max(0.0, r.reservoir_mass - v.solubility * L * g.top_area());
  }
  b.held[rn.removed] = r.removed;
  for (const auto& [k, v] : r.Q) {
    if (k == "uptake" || k == "sourced" || k == "converted_in") {
      b.applied += v;
      if (k == "converted_in") b.parts["converted_in"] = v;
    } else if (k != "reservoir_uptake") {  // internal: what left a saturated reservoir (already in its content)
      b.out[k] = v;
    }
  }
  b.clipped = r.clipped;
  for (const auto& c : p_.couplings) c->balance(*this, s, b);
  return b;
}

std::map<std::string, double> Simulation::rates(int s) const {
  const SpeciesRun& r = *sp_[s];
  std::map<std::string, double> out;
  for (const auto& f : r.op->outflows()) out[f.name] = f.eval(r.u);
  if (r.op->inflow()) out["uptake"] = r.op->inflow()->eval(r.u);
  return out;
}

void Simulation::apply_events(double t) {
  // no extrapolation of a species across its own event
  // removals first, then new reservoirs, then deposits
  for (size_t vi = 0; vi < p_.reservoirs.size(); ++vi) {
    const ReservoirSpec& v = p_.reservoirs[vi];
    SpeciesRun& r = *sp_[v.species];
    if (v.t_off == t && r.active_reservoir == static_cast<int>(vi)) {
      const size_t n = p_.grid.cells();
      if (!v.infinite) r.removed += r.reservoir_mass;
      r.reservoir_mass = 0.0;
      r.u[n] = 0.0;
      r.active_reservoir = -1;
      r.saturated = false;
      rebuild(v.species, t);
    }
  }
  for (size_t vi = 0; vi < p_.reservoirs.size(); ++vi) {
    const ReservoirSpec& v = p_.reservoirs[vi];
    SpeciesRun& r = *sp_[v.species];
    if (v.t_on == t && v.t_off > t) {
      if (r.active_reservoir >= 0) throw std::runtime_error("two reservoirs of one species on the boundary at once");
      r.active_reservoir = static_cast<int>(vi);
      r.saturated = false;
      if (!v.infinite) {
        r.reservoir_mass = v.volume * p_.grid.top_area() * v.conc;
        r.applied_fixed += r.reservoir_mass;
      }
      rebuild(v.species, t);
      prepare_reservoirs(t);
    }
  }
  for (const auto& d : p_.deposits) {
    if (d.time != t) continue;
    SpeciesRun& r = *sp_[d.species];
    r.u_prev.clear();
    for (const auto& [c, m] : d.mass) {
      r.u[c] += m / r.op->mass()[c];
      r.applied_fixed += m;
    }
    r.clipped += d.clipped;
  }
}

// A species advected by the carrier: the carrier's face fluxes of its trial end-of-step field
// advect it (upwind), and the carrier's loss takes it along (rate k phi per unit of the carrier
// field, i.e. k phi / K on c).
void Simulation::couple_to_carrier(int s) {
  const int cs = p_.carrier.species;
  SpeciesRun& f = *sp_[cs];
  SpeciesRun& r = *sp_[s];
  const size_t n = p_.grid.cells();
  // (sub-cycled: the potential averaged over the step, what moved the carrier)
  // (re-linearised and sub-cycled: the face volumes and the concentration accumulated over the
  // sub-steps, each with its own coefficients; no average potential then)
  const bool accumulated = multirate_ && relinearised_carrier_ && carrier_c_.size() == n;
  const bool averaged = accumulated || (multirate_ && carrier_psi_.size() == n);
  std::vector<double>& phi = couple_phi_;  // (work arrays kept between steps: no fresh memory per step)
  phi.resize(n);
  if (accumulated)
    phi = carrier_c_;
  else
    for (size_t i = 0; i < n; ++i) phi[i] = f.spec.K[i] * (averaged ? carrier_psi_[i] : f.u_new[i]);
  // Re-couple when phi moved by more than rtol times its peak since the operator was built (at
  // most 2 %): any face-flux field keeps the balance exact, so this lag costs accuracy only, but
  // the accuracy is not controlled by the step's error test. A fixed 2 % (before) biased the 3d
  // nappage's layer AUC by 0.4 % (linear law) and 2 % (nonlinear) at any rtol and saved no time
  // (docs/performance.md, "Multirate").
  double change = 0, peak = 0;
  const bool first = r.coupled_phi.size() != n;
  for (size_t i = 0; i < n; ++i) {
    peak = std::max(peak, std::fabs(phi[i]));
    if (!first) change = std::max(change, std::fabs(phi[i] - r.coupled_phi[i]));
  }
  if (first ? peak == 0.0 : change <= std::min(0.02, p_.time.rtol) * peak) return;
  r.coupled_phi = phi;
  // The flux follows the potential u - g, with u the carrier's average over the step as its own
  // scheme takes it: TR-BDF2 moves the carrier by M (u_new - u_n) = -h A ubar (+ sources), ubar =
  // (gamma/2) (kA (u_n + u_gamma) + u_new) (the weights sum to 1), so the solute is carried by the
  // volume that actually moved during the step, also over a step in which the flow decays (the
  // injection's transient); backward Euler: ubar = u_new. With an offset g (the osmotic pressure of
  // HA, linearised at each stage by its coupling) the end-of-step potential is taken, as before.
  std::vector<double>& psi = couple_psi_;
  if (accumulated) {
    r.spec.flux_x = carrier_fx_;
    r.spec.flux_y = carrier_fy_;
    r.spec.flux_z = carrier_fz_;
  } else if (averaged)
    psi = carrier_psi_;
  else if (p_.time.scheme == Scheme::TrBdf2 && f.ug.size() == f.u_new.size() && !stage_coupling(cs)) {
    psi.resize(n);
    for (size_t i = 0; i < n; ++i) psi[i] = 0.5 * kGamma * (kA * (f.u[i] + f.ug[i]) + f.u_new[i]);
  } else {
    psi.assign(f.u_new.begin(), f.u_new.begin() + static_cast<long>(n));
  }
  if (!accumulated) {
    if (carrier_offset_.size() == n)
      for (size_t i = 0; i < n; ++i) psi[i] -= carrier_offset_[i];
    f.op->face_fluxes(psi, r.spec.flux_x, r.spec.flux_y, r.spec.flux_z);
  }
  r.spec.losses = r.base_losses;
  const std::vector<double>* take = nullptr;
  for (const auto& L : p_.species[cs].losses)
    if (L.name == p_.carrier.carrier_loss) take = &L.k;
  if (take && !take->empty())  // (an empty channel is zero everywhere)
    for (auto& L : r.spec.losses)
      if (L.name == p_.carrier.carried_loss) {
        if (L.k.empty()) L.k.assign(n, 0.0);
        for (size_t i = 0; i < n; ++i) L.k[i] += (*take)[i] * std::max(0.0, phi[i]) / r.spec.K[i];
      }
  // remade in place: its arrays' storage is reused (a solute the fluid carries is recoupled nearly
  // every step; a fresh operator of the 200 um nappage field is some 20 arrays of fresh memory)
  if (r.op) r.op->rebuild(r.spec);
  else r.op = std::make_unique<StencilOperator>(r.spec);
  ++r.version;
}

// A re-linearised carrier (multirate): on a step's first attempt, keep its coefficients, losses
// and coupling states; on a retry, restore them (the attempt before moved them through its
// sub-steps) and remake its operator as it was.
void Simulation::carrier_step_start() {
  const int cs = p_.carrier.species;
  SpeciesRun& f = *sp_[cs];
  CarrierStart& k = carrier_start_;
  if (k.t != t_ || k.accepted != stats_.accepted) {
    k.t = t_;
    k.accepted = stats_.accepted;
    k.version = f.version;
    k.K = f.spec.K;
    k.DK = f.spec.DK;
    k.losses = f.spec.losses;
    k.base_losses = f.base_losses;
    k.couplings = SavedState();
    for (size_t i = 0; i < p_.couplings.size(); ++i)
      if (p_.couplings[i]->relinearises(cs)) p_.couplings[i]->save_state(k.couplings, "coupling/" + std::to_string(i) + "/");
    return;
  }
  carrier_back_to_start();
}

// The carrier's coefficients, losses and coupling states as kept at the start of this step: after an
// attempt that moved them (a retry, a probe, a step given up), so that its state u, which is that of
// the step's start, is read under the capacity it was written with.
void Simulation::carrier_back_to_start() {
  CarrierStart& k = carrier_start_;
  if (!relinearised_carrier_ || k.t != t_ || k.accepted != stats_.accepted) return;  // (also: no carrier)
  const int cs = p_.carrier.species;
  SpeciesRun& f = *sp_[cs];
  for (size_t i = 0; i < p_.couplings.size(); ++i)
    if (p_.couplings[i]->relinearises(cs)) p_.couplings[i]->restore_state(k.couplings, "coupling/" + std::to_string(i) + "/");
  if (f.version == k.version) return;  // not rebuilt since
  f.spec.K = k.K;
  f.spec.DK = k.DK;
  f.spec.losses = k.losses;
  f.base_losses = k.base_losses;
  rebuild(cs, t_);
  k.version = f.version;
}

// Multirate (TimeSpec::multirate): the carrier steps from t_ to t_ + h in its own sub-steps, each
// under the same error test as a whole step (rtol on the carrier alone) and proposed by the same
// rule; its counters integrate over the sub-steps. What advects the others is the time integral of
// the carrier's potential over the sub-steps, each with the weights of the scheme's own update (the
// average that moves the carrier's mass: M (u1 - u0) = -h A psibar + sources), divided by h: the face
// fluxes built from it carry exactly the volume that crossed each face during the step, so any
// number of sub-steps keeps the balances exact. The carrier's end state goes to u_new (its start
// stays in u until the step is accepted), as without sub-steps. A carrier that a coupling
// re-linearises before each sub-step changes its coefficients within the step: its face volumes
// and its concentration are accumulated sub-step by sub-step instead (carrier_fx_ ..., carrier_c_).
void Simulation::subcycle_carrier(double h) {
  const int cs = p_.carrier.species;
  SpeciesRun& f = *sp_[cs];
  const size_t n = p_.grid.cells();
  const bool trbdf2 = p_.time.scheme == Scheme::TrBdf2;
  if (relinearised_carrier_) carrier_step_start();
  const std::vector<double> u0 = f.u;
  const std::map<std::string, double> Q0 = f.Q;
  if (relinearised_carrier_) carrier_psi_.clear();  // (its face volumes are accumulated instead, below)
  else carrier_psi_.assign(n, 0.0);
  if (relinearised_carrier_) {
    carrier_fx_.assign(f.op->face_x().size(), 0.0);
    carrier_fy_.assign(f.op->face_y().size(), 0.0);
    carrier_fz_.assign(f.op->face_z().size(), 0.0);
    carrier_c_.assign(n, 0.0);
  }
  substeps_ = substeps_rejected_ = 0;
  double tau = 0, hs = std::min(h_sub_ > 0 ? h_sub_ : h, h);
  // (and a re-linearised carrier's coefficients as at the step's start: carrier_back_to_start)
  auto restore = [&] {
    f.u = u0;
    f.Q = Q0;
    carrier_back_to_start();
  };
  // a retry of this step: continue from the latest mark before its end (the marks after it are of
  // a longer cut and are dropped)
  for (auto it = marks_.begin(); it != marks_.end();)
    it = (it->second.t != t_ || it->second.version != f.version || it->second.tau >= h) ? marks_.erase(it) : std::next(it);
  // A probe: the carrier expected to cover the step in one sub-step (its proposal is at least the
  // step: the first step of the run or after an event, or a carrier that was slow) and starts it
  // afresh. If its first accepted sub-step then asks for sub-steps far shorter than the step, the
  // others' step is surely too long as well (they ride a flow that changes on that time scale): the
  // attempt stops there and the step is retried at a few of those sub-steps, continuing from the
  // mark, instead of sub-cycling the carrier through a step that its riders will reject.
  // (Only with the error-controlled step: a fixed time.dt is the solutes' step whatever the fluid does.)
  const bool probe = p_.time.dt_fixed <= 0 && marks_.empty() && h_sub_ >= h;
  retry_h_ = 0;
  if (!marks_.empty()) {
    const SubcycleMark& m = marks_.rbegin()->second;
    f.u = m.u;
    f.Q = m.Q;
    carrier_psi_ = m.psi;
    tau = m.tau;
    hs = std::min(m.hs, h - tau);
    substeps_ = m.substeps;
    substeps_rejected_ = m.rejected;
  }
  // The rest of the step is cut into equal sub-steps of at most hs (a factorisation then serves
  // them all); recut whenever hs changes.
  long left = 0;
  double even = 0, cut_for = -1;
  while (tau < h) {
    double bound = std::numeric_limits<double>::infinity();  // the couplings' largest sub-step
    if (relinearised_carrier_) {
      // about the state at the sub-step's start (a retried sub-step: the same state, no change)
      std::string failed;
      try {
        for (auto& c : p_.couplings)
          if (c->relinearises(cs)) {
            c->relinearise(*this, cs, t_ + tau);
            bound = std::min(bound, c->max_substep(*this, cs));
          }
      } catch (const std::runtime_error& e) {  // the law itself (not a solve) failed here
        failed = e.what();
      } catch (...) {
        restore();
        throw;
      }
      if (!failed.empty()) {
        restore();
        throw StepFailure("the coupled law of '" + p_.species[cs].name + "' failed at t = " + format_quantity(t_ + tau, dims::time) + ": " + failed,
                          StepFailure::Kind::Coupling, t_ + tau, hs, cs, -1);
      }
      if (bound < hs) {
        hs = bound;
        cut_for = -1;  // (recut: the bound holds for every sub-step of the cut, without the 5 % margin below)
      }
    }
    if (hs != cut_for) {
      left = std::max(1L, static_cast<long>(std::ceil((h - tau) / std::min(1.05 * hs, bound))));
      even = (h - tau) / static_cast<double>(left);
      cut_for = hs;
    }
    const bool lands = left == 1;
    const double step = even;  // (the last one too: h - tau differs by round-off only)
    double ratio = 0;
    try {
      ratio = step_species(static_cast<size_t>(cs), t_ + tau, step, true, false);
    } catch (...) {
      restore();
      throw;
    }
    const double expo = trbdf2 ? -1.0 / 3.0 : -0.5;
    if (ratio > 1.0) {
      ++substeps_rejected_;
      // shrunk at once by what the estimate asks (down to 1/1000): after an injection the first
      // sub-step may be orders of magnitude below the step, and every try is a solve
      hs = step * std::max(1e-3, 0.9 * std::pow(ratio, expo));
      if (hs < std::max(1e-20 * p_.time.end, 16 * std::numeric_limits<double>::epsilon() * (t_ + tau))) {
        size_t at = 0;
        const auto& M = f.op->mass();
        for (size_t i = 0; i < n; ++i)
          if (M[i] * std::fabs(f.e[i]) > M[at] * std::fabs(f.e[at])) at = i;
        restore();
        throw StepFailure("time step of the carrier field '" + p_.species[cs].name + "' became too small (" + format_quantity(hs, dims::time) +
                              ") at t = " + format_quantity(t_ + tau, dims::time),
                          StepFailure::Kind::StepTooSmall, t_ + tau, hs, cs, static_cast<long>(at));
      }
      continue;
    }
    ++substeps_;
    --left;
    // the potential averaged over the sub-step with the weights of the scheme's update
    if (relinearised_carrier_) {
      // the face volumes and the concentration of this sub-step, with its own coefficients
      sub_w_.resize(n);
      if (trbdf2)
        for (size_t i = 0; i < n; ++i) sub_w_[i] = 0.5 * kGamma * (kA * (f.u[i] + f.ug[i]) + f.u_new[i]);
      else
        for (size_t i = 0; i < n; ++i) sub_w_[i] = f.u_new[i];
      f.op->face_fluxes(sub_w_, sub_fx_, sub_fy_, sub_fz_);
      for (size_t i = 0; i < sub_fx_.size(); ++i) carrier_fx_[i] += step * sub_fx_[i];
      for (size_t i = 0; i < sub_fy_.size(); ++i) carrier_fy_[i] += step * sub_fy_[i];
      for (size_t i = 0; i < sub_fz_.size(); ++i) carrier_fz_[i] += step * sub_fz_[i];
      for (size_t i = 0; i < n; ++i) carrier_c_[i] += step * f.spec.K[i] * sub_w_[i];
    } else if (trbdf2) {
      for (size_t i = 0; i < n; ++i) carrier_psi_[i] += step * 0.5 * kGamma * (kA * (f.u[i] + f.ug[i]) + f.u_new[i]);
    } else {
      for (size_t i = 0; i < n; ++i) carrier_psi_[i] += step * f.u_new[i];
    }
    std::swap(f.u, f.u_new);
    f.Q = f.Q_new;
    tau = lands ? h : tau + step;
    const bool mark = !lands && tau <= 0.2 * h;
    double fac = ratio > 0 ? 0.9 * std::pow(ratio, expo) : 5.0;
    fac = std::min(5.0, std::max(0.2, fac));
    // the same hysteresis as the whole steps, against the sub-step proposed (the cut may be shorter)
    if (fac < 1.0 || step * fac > 1.25 * hs) hs = step * fac;
    // (a re-linearised carrier keeps no marks: its coefficients would have to be kept with them;
    // the probe still acts)
    if (mark && relinearised_carrier_ && probe && substeps_ == 1 && h > kProbeRatio * hs) {
      retry_h_ = kProbeRetry * hs;
      h_sub_ = hs;  // (no mark to continue from: the retry starts at the sub-step found, probing no more)
      restore();
      return;
    }
    if (mark && !relinearised_carrier_) {
      SubcycleMark& m = marks_[static_cast<long>(std::floor(std::log(tau) / std::log(5.0)))];
      m.t = t_;
      m.tau = tau;
      m.hs = hs;
      m.version = f.version;
      m.substeps = substeps_;
      m.rejected = substeps_rejected_;
      m.u = f.u;
      m.psi = carrier_psi_;
      m.Q = f.Q;
      if (marks_.size() > 6) marks_.erase(marks_.begin());
      if (probe && substeps_ == 1 && h > kProbeRatio * hs) {
        retry_h_ = kProbeRetry * hs;
        restore();
        return;
      }
    }
  }
  for (double& v : carrier_psi_) v /= h;
  if (relinearised_carrier_)
    for (auto* v : {&carrier_fx_, &carrier_fy_, &carrier_fz_, &carrier_c_})
      for (double& x : *v) x /= h;
  h_sub_next_ = hs;
  // hand the step over as a single one: start in u (and Q), end in u_new (and Q_new)
  f.u_new = std::move(f.u);
  f.u = u0;
  f.Q_new = f.Q;
  f.Q = Q0;
  std::vector<double>().swap(f.ug);  // no single intermediate stage
}

double Simulation::attempt(double h) {
  stage_failed_ = false;
  h_now_ = h;
  const bool adaptive = p_.time.dt_fixed <= 0;
  double err = 0;
  worst_ratio_ = 0;
  for (size_t s : order_) {
    solving_ = static_cast<int>(s);
    if (p_.carrier.species >= 0 && static_cast<int>(s) != p_.carrier.species && p_.species[s].advected) couple_to_carrier(static_cast<int>(s));
    for (auto& c : p_.couplings) c->before_solve(*this, static_cast<int>(s));
    if (multirate_ && static_cast<int>(s) == p_.carrier.species) {
      subcycle_carrier(h);  // its own steps and error control inside this one
      if (retry_h_ > 0) return 0.0;  // a probe found the step far too long (run() retries it)
      continue;
    }
    err = std::max(err, step_species(s, t_, h, adaptive, true));
  }
  if (stage_failed_) return std::numeric_limits<double>::infinity();  // rejected, also with a fixed dt
  return err;
}

// One step of species s from t0 to t0 + h (its operator as it stands), from r.u to r.u_new, its
// counters from r.Q to r.Q_new; the error ratio of the step (0 without adaptive stepping), and with
// `track` the place of the largest error (for a StepFailure).
double Simulation::step_species(size_t s, double t0, double h, bool adaptive, bool track) {
  SpeciesRun& r = *sp_[s];
  const double rtol = p_.time.rtol;
  double err = 0;
  bool& stage_failed = stage_failed_;
  {
    const StencilOperator& op = *r.op;
    const auto& M = op.mass();
    const size_t N = op.size();
    // constant-rate sources active during this step (their start and end are step boundaries)
    RateFunctional sourced{"sourced", {}, 0.0};
    std::vector<double>().swap(r.src);  // stored only while a source is on
    for (const auto& so : p_.species[s].sources)
      if (t0 >= so.t_start && t0 < so.t_end)
        for (const auto& [c, q] : so.rate) {
          if (r.src.empty()) r.src.assign(N, 0.0);
          r.src[c] += q;
          sourced.r0 += q;
        }
    Coupling* const sc = stage_coupling(static_cast<int>(s));  // a source that depends on the stage solution
    // the exact total of the constant sources, for the projection
    double bsum = 0;
    for (double v : op.source_prefix()) bsum += v;  // (zero beyond it)
    bsum += sourced.r0;
    // Stage-dependent sources: transfers received from species already solved in this step, or a
    // coupling's stage source, at the start, intermediate and end times; their exact totals go to
    // the counter `feed_name` (a coupling's total may leave out parts that sum to zero exactly, such
    // as the divergence of a flux, whose floating-point sum is not zero when its terms are large).
    const bool fed = std::any_of(p_.transfers.begin(), p_.transfers.end(), [s](const TransferSpec& t) { return t.to == static_cast<int>(s); });
    const bool trbdf2 = p_.time.scheme == Scheme::TrBdf2;
    const std::string feed_name = sc ? sc->stage_counter(static_cast<int>(s)) : "converted_in";
    RateFunctional conv0{feed_name, {}, 0.0}, convg = conv0, conv1 = conv0;
    const bool staged = fed || sc;
    if (staged) {
      r.f0.assign(N, 0.0);
      r.fg.assign(N, 0.0);
      r.f1.assign(N, 0.0);
    } else {  // no stage sources: none stored (F() reads them as zero)
      std::vector<double>().swap(r.f0);
      std::vector<double>().swap(r.fg);
      std::vector<double>().swap(r.f1);
    }
    auto F = [staged](const std::vector<double>& f, size_t i) { return staged ? f[i] : 0.0; };
    if (fed) {
      feed(static_cast<int>(s), 0, r.f0);
      if (trbdf2) feed(static_cast<int>(s), 1, r.fg);
      feed(static_cast<int>(s), 2, r.f1);
      for (size_t i = 0; i < N; ++i) {
        conv0.r0 += r.f0[i];
        if (trbdf2) convg.r0 += r.fg[i];
        conv1.r0 += r.f1[i];
      }
    } else if (sc) {
      sc->stage_source(*this, static_cast<int>(s), 0, r.f0, conv0.r0);  // the later stages iterate below
      if (trbdf2) sc->stage_source(*this, static_cast<int>(s), 1, r.fg, convg.r0);
      sc->stage_source(*this, static_cast<int>(s), 2, r.f1, conv1.r0);
    }
    // the constant source: the operator's stored part (zero beyond it), or with active rate sources a
    // full copy with them added
    const auto& b0 = op.source_prefix();
    const bool has_rate_sources = sourced.r0 != 0.0;
    std::vector<double> b_eff;
    if (has_rate_sources && !r.src.empty()) {
      b_eff.assign(N, 0.0);
      std::copy(b0.begin(), b0.end(), b_eff.begin());
      for (size_t i = 0; i < N; ++i) b_eff[i] += r.src[i];
    }
    const std::vector<double>& bvec = b_eff.empty() ? b0 : b_eff;
    const double* const bp = bvec.data();
    const size_t blen = bvec.size();
    auto bat = [bp, blen](size_t i) { return i < blen ? bp[i] : 0.0; };
    r.rhs.resize(N);
    // A u_n: for TR-BDF2's explicit half and the error estimate (not needed by fixed backward Euler steps)
    if (trbdf2 || adaptive) {
      r.Au.resize(N);
      op.apply(0.0, 1.0, r.u, r.Au);
    } else {
      std::vector<double>().swap(r.Au);
    }
    std::vector<const RateFunctional*> rates;
    for (const auto& f : op.outflows()) rates.push_back(&f);
    if (op.inflow()) rates.push_back(op.inflow());
    if (sourced.r0 != 0.0) rates.push_back(&sourced);
    // uptake from a fixed-activity reservoir adds to what was applied; from a saturated one it comes
    // out of its content
    const bool from_reservoir = r.saturated;
    auto counter_name = [from_reservoir](const RateFunctional* f) {
      return f->name == "applied" ? std::string(from_reservoir ? "reservoir_uptake" : "uptake") : f->name;
    };
    if (sourced.r0 != 0.0 && !r.Q.count("sourced")) r.Q["sourced"] = 0.0;
    r.Q_new = r.Q;
    double estQ = 0, scaleQ = 0;
    // Conservative projection. The column sums of A are exactly the outflow weights (losses,
    // receptor) minus the inflow weights, so the total mass of a solve's result can be checked
    // without the large cancelling terms of A x. Any defect (round-off times the condition number
    // for very stiff fields such as a carrier with D K ~ 1e-6 m2/s; the tolerance for CG)
    // is removed by one multiplicative correction x <- (1 + eps) x, which keeps zeros and signs.
    // L(x) = sum_i (A x)_i exactly: outflows minus the inflow's linear part.
    auto L = [&](const std::vector<double>& x) {
      double l = 0;
      for (const auto& f : op.outflows()) l += f.eval(x) - f.r0;
      if (op.inflow()) l -= op.inflow()->eval(x) - op.inflow()->r0;
      return l;
    };
    // rhs_sum: the exact total the solve must reproduce, built from its parts (not the sum of rhs)
    // rhs is rebuilt before every solve: the solver may use it as scratch
    auto solve = [&](double ca, std::vector<double>& rhs, std::vector<double>& x, double rhs_sum) {
      r.solver->solve_destroying(rhs, x);
      double lhs_sum = ca * L(x);
      for (size_t i = 0; i < N; ++i) lhs_sum += M[i] * x[i];
      if (std::fabs(lhs_sum) > 1e-300) {
        const double eps = (rhs_sum - lhs_sum) / lhs_sum;
        // a correction of the solver's inexactness, never a rescue: for a stiff carrier with CG the
        // relative residual (of a right-hand side holding large flux terms) can leave ~1e-6 of its
        // amount; a wrong solution would be off by far more
        if (std::fabs(eps) < 1e-4)
          for (size_t i = 0; i < N; ++i) x[i] *= 1.0 + eps;
      }
    };
    // A stage whose source depends on its own solution: the coupling re-linearises about the latest
    // solution and solves again (same matrix) until it converges; other stages solve once.
    auto solve_stage = [&](int stage, std::vector<double>& fk, double& total, std::vector<double>& x, const std::function<void(double&)>& build) {
      const double ca = stage == 2 && !trbdf2 ? h : 0.5 * kGamma * h;  // the step matrix's A coefficient
      double rhs_sum = 0;
      build(rhs_sum);
      solve(ca, r.rhs, x, rhs_sum);
      if (!sc) return;
      if (!sc->iterate_stage(*this, static_cast<int>(s), stage, x, fk, total, [&] {
            build(rhs_sum);
            solve(ca, r.rhs, x, rhs_sum);
          }))
        stage_failed = true;
    };
    if (p_.time.scheme == Scheme::BackwardEuler) {
      r.solver->setup(op, r.version, 1.0, h);
      r.u_new = r.u;
      if (extrapolate_guess_ && r.u_prev.size() == N && r.h_prev > 0)  // as below
        for (size_t i = 0; i < N; ++i) r.u_new[i] += h / r.h_prev * (r.u[i] - r.u_prev[i]);
      solve_stage(2, r.f1, conv1.r0, r.u_new, [&](double& rhs_sum) {
        rhs_sum = h * (bsum + conv1.r0);
        for (size_t i = 0; i < N; ++i) {
          r.rhs[i] = M[i] * r.u[i] + h * (bat(i) + F(r.f1, i));
          rhs_sum += M[i] * r.u[i];
        }
      });
      for (const auto* f : rates) {
        const double r0 = f->eval(r.u), r1 = f->eval(r.u_new);
        double& q = r.Q_new[counter_name(f)];
        q += h * r1;
        estQ += std::fabs(0.5 * h * (r1 - r0));
        scaleQ += std::fabs(q);
      }
      if (staged) {
        double& q = r.Q_new[feed_name];
        q += h * conv1.r0;
        estQ += std::fabs(0.5 * h * (conv1.r0 - conv0.r0));
        scaleQ += std::fabs(q);
      }
      if (adaptive) {
        r.est.resize(N);
        // LTE of backward Euler ~ -(h/2)(f_{n+1} - f_n); in mass units M*est
        for (size_t i = 0; i < N; ++i) {
          const double Mf0 = bat(i) + F(r.f0, i) - r.Au[i];
          const double Mf1 = M[i] * (r.u_new[i] - r.u[i]) / h;
          r.est[i] = -0.5 * h * (Mf1 - Mf0);
        }
      }
    } else {
      const double alpha = 0.5 * kGamma * h;
      r.solver->setup(op, r.version, 1.0, alpha);
      // the explicit half of the trapezoid holds A u_n: its exact total is L(u_n)
      const double Lu = L(r.u);
      r.ug = r.u;
      // iterative solvers start from the previous step's trend, the end stage from the line through
      // u_n and the first stage (the solution is the same to the tolerance; the iterations fewer)
      if (extrapolate_guess_ && r.u_prev.size() == N && r.h_prev > 0) {
        const double w = kGamma * h / r.h_prev;
        for (size_t i = 0; i < N; ++i) r.ug[i] += w * (r.u[i] - r.u_prev[i]);
      }
      solve_stage(1, r.fg, convg.r0, r.ug, [&](double& stage1_sum) {
        for (size_t i = 0; i < N; ++i) r.rhs[i] = M[i] * r.u[i] - alpha * r.Au[i] + alpha * (2.0 * bat(i) + F(r.f0, i) + F(r.fg, i));
        stage1_sum = -alpha * Lu + alpha * (2.0 * bsum + conv0.r0 + convg.r0);
        for (size_t i = 0; i < N; ++i) stage1_sum += M[i] * r.u[i];
      });
      r.u_new = r.ug;
      if (extrapolate_guess_)
        for (size_t i = 0; i < N; ++i) r.u_new[i] = r.u[i] + (r.ug[i] - r.u[i]) / kGamma;
      solve_stage(2, r.f1, conv1.r0, r.u_new, [&](double& stage2_sum) {
        stage2_sum = alpha * (bsum + conv1.r0);
        for (size_t i = 0; i < N; ++i) {
          r.rhs[i] = M[i] * (kA * r.ug[i] + kB * r.u[i]) + alpha * (bat(i) + F(r.f1, i));
          stage2_sum += M[i] * (kA * r.ug[i] + kB * r.u[i]);
        }
      });
      for (const auto* f : rates) {
        const double r0 = f->eval(r.u), rg = f->eval(r.ug), r1 = f->eval(r.u_new);
        double& q = r.Q_new[counter_name(f)];
        const double qn = q;
        const double qg = qn + alpha * (r0 + rg);
        q = kA * qg + kB * qn + alpha * r1;
        estQ += std::fabs(2.0 * kC * h * (r0 / kGamma - rg / (kGamma * (1.0 - kGamma)) + r1 / (1.0 - kGamma)));
        scaleQ += std::fabs(q);
      }
      if (staged) {
        const double r0 = conv0.r0, rg = convg.r0, r1 = conv1.r0;
        double& q = r.Q_new[feed_name];
        const double qn = q;
        q = kA * (qn + alpha * (r0 + rg)) + kB * qn + alpha * r1;
        estQ += std::fabs(2.0 * kC * h * (r0 / kGamma - rg / (kGamma * (1.0 - kGamma)) + r1 / (1.0 - kGamma)));
        scaleQ += std::fabs(q);
      }
      if (adaptive) {
        r.est.resize(N);
        for (size_t i = 0; i < N; ++i) {
          const double Mf0 = bat(i) + F(r.f0, i) - r.Au[i];
          const double Mfg = M[i] * (r.ug[i] - r.u[i]) / alpha - Mf0;
          const double Mf1 = M[i] * (r.u_new[i] - kA * r.ug[i] - kB * r.u[i]) / alpha;
          r.est[i] = 2.0 * kC * h * (Mf0 / kGamma - Mfg / (kGamma * (1.0 - kGamma)) + Mf1 / (1.0 - kGamma));
        }
      }
    }
    if (adaptive) {
      // Filter the estimate through the step matrix (Hosea & Shampine): stiff components that the
      // L-stable scheme damps do not force tiny steps.
      r.e.assign(N, 0.0);
      r.solver->solve_estimate(r.est, r.e);  // a few digits suffice for the step size
      double num = 0, den = 0;
      for (size_t i = 0; i < N; ++i) {
        num += M[i] * std::fabs(r.e[i]);
        den += M[i] * std::max(std::fabs(r.u[i]), std::fabs(r.u_new[i]));
      }
      num += estQ;
      den += scaleQ;
      const double atol = 1e-6 * rtol * r.amount_scale;
      err = num / (rtol * den + atol);
      if (track && err >= worst_ratio_) {  // the place a collapsing step is reported at
        worst_ratio_ = num / (rtol * den + atol);
        worst_species_ = static_cast<int>(s);
        size_t at = 0;
        for (size_t i = 0; i < p_.grid.cells(); ++i)
          if (M[i] * std::fabs(r.e[i]) > M[at] * std::fabs(r.e[at])) at = i;
        worst_cell_ = static_cast<long>(at);
      }
    }
  }
  return err;
}

void Simulation::accept() {
  const size_t n = p_.grid.cells();
  for (auto& rp : sp_) {
    SpeciesRun& r = *rp;
    if (r.active_reservoir >= 0 && !p_.reservoirs[r.active_reservoir].infinite) {
      if (r.saturated)
        r.reservoir_mass -= r.Q_new["reservoir_uptake"] - r.Q["reservoir_uptake"];
      else
        r.reservoir_mass = r.op->mass()[n] * r.u_new[n];
    }
    if (keep_previous_) {
      r.u_prev = r.u;  // for couplings that extrapolate a species solved after the one they serve
      r.h_prev = h_now_;
    }
    std::swap(r.u, r.u_new);
    r.Q = r.Q_new;
  }
  if (multirate_) {
    marks_.clear();
    h_sub_ = h_sub_next_;
    stats_.substeps += substeps_;
    stats_.substeps_rejected += substeps_rejected_;
  }
}

void Simulation::record() {
  hist_.time.push_back(t_);
  const Grid& g = p_.grid;
  for (size_t s = 0; s < sp_.size(); ++s) {
    Balance b = balance(static_cast<int>(s));
    auto& h = hist_.species[s];
    double cleared = 0;
    for (const auto& [k, v] : b.out) {
      h[k].push_back(v);
      if (k.rfind("cleared", 0) == 0) cleared += v;
    }
    h["cleared"].push_back(cleared);
    const ReservoirNames& rn = p_.reservoir_names;
    for (const std::string* k : {&rn.content, &rn.solid, &rn.volume, &rn.removed}) h[*k].push_back(b.get(*k));
    h["applied"].push_back(b.applied);
    if (sp_[s]->Q.count("converted_in")) h["converted_in"].push_back(b.get("converted_in"));
    h["balance_error"].push_back(b.error());
    for (size_t l = 0; l < g.layer_names.size(); ++l) h["layer/" + g.layer_names[l]].push_back(b.layer[l]);
    for (const auto& c : p_.couplings) c->record(*this, static_cast<int>(s), b, h);
  }
}

void Simulation::run(const OutputFn& on_output, const StepFn& on_step) {
  const auto wall0 = std::chrono::steady_clock::now();
  const double T = p_.time.end;
  // every instant the loop must land on
  std::vector<double> stops = p_.time.outputs;
  for (const auto& v : p_.reservoirs) {
    stops.push_back(v.t_on);
    if (std::isfinite(v.t_off)) stops.push_back(v.t_off);
    for (double x : v.stops) stops.push_back(x);
  }
  for (const auto& c : p_.couplings) c->stop_times(stops);
  for (const auto& d : p_.deposits) stops.push_back(d.time);
  for (const auto& sp : p_.species) {
    for (const auto& c : sp.conductances) stops.push_back(c.t_open);
    for (const auto& so : sp.sources) {
      stops.push_back(so.t_start);
      stops.push_back(so.t_end);
    }
  }
  stops.push_back(T);
  std::sort(stops.begin(), stops.end());
  stops.erase(std::unique(stops.begin(), stops.end()), stops.end());
  stops.erase(std::remove_if(stops.begin(), stops.end(), [T](double s) { return s < 0 || s > T; }), stops.end());
  std::vector<double> outs = p_.time.outputs;
  size_t next_out = 0;
  int out_index = 0;

  const double h0 = p_.time.dt_fixed > 0 ? p_.time.dt_fixed : (p_.time.dt_initial > 0 ? p_.time.dt_initial : 1e-7 * T);
  double h = h0;
  // A step has collapsed when the time can hardly advance by it any more (16 round-offs of t), or,
  // near t = 0, below 1e-20 of the run. Always below the former floor, 1e-14 of the run, which
  // stopped long runs whose first transient needs steps of 1e-8 s (issue 14,
  // configs/ha/crosslinked_booster.yaml in 1d).
  auto collapsed = [&](double hh) { return hh < std::max(1e-20 * T, 16 * std::numeric_limits<double>::epsilon() * t_); };
  if (restored_) {  // a restart: continue after the saved time (its outputs and events are done)
    h = h_next_;
    out_index = out_index_;
    next_out = static_cast<size_t>(std::upper_bound(outs.begin(), outs.end(), t_) - outs.begin());
  } else {
    t_ = 0.0;
    h_sub_ = p_.time.dt_initial > 0 ? p_.time.dt_initial : 1e-7 * T;
  }
  auto visit_stop = [&](double t) {
    apply_events(t);
    if (next_out < outs.size() && outs[next_out] == t) {
      if (on_output) on_output(*this, t, out_index);
      ++out_index;
      ++next_out;
    }
  };
  size_t si = static_cast<size_t>(std::upper_bound(stops.begin(), stops.end(), t_) - stops.begin());
  if (!restored_) {
    visit_stop(0.0);
    record();
  }
  while (t_ < T) {
    const double stop = stops[si];
    double step = std::min({h, max_step_for_reservoirs(), max_step_for_conductances()});
    for (const auto& c : p_.couplings) step = std::min(step, c->max_step(*this));
    bool lands = false;
    if (t_ + step >= stop || (p_.time.dt_fixed <= 0 && t_ + 1.05 * step >= stop)) {
      step = stop - t_;
      lands = true;
    }
    prepare_reservoirs(t_ + step);
    prepare_conductances(t_ + step);
    for (auto& c : p_.couplings) c->before_step(*this);
    double err = 0;
    try {
      err = attempt(step);
    } catch (const StepFailure&) {
      carrier_back_to_start();
      throw;
    } catch (const std::runtime_error& e) {  // a linear solve that failed: where, the stiffest cell of the species
      carrier_back_to_start();
      long at = -1;
      if (solving_ >= 0) {
        const SpeciesRun& r = *sp_[solving_];
        double worst = -1;
        for (int k = 0; k < p_.grid.nz; ++k)
          for (int j = 0; j < p_.grid.ny; ++j)
            for (int i = 0; i < p_.grid.nx; ++i) {
              const size_t c = p_.grid.index(i, j, k);
              const double rate = r.spec.DK[c] / (r.spec.K[c] * p_.grid.dz[k] * p_.grid.dz[k]);
              if (rate > worst) worst = rate, at = static_cast<long>(c);
            }
      }
      throw StepFailure(std::string("a linear solve failed (") + e.what() + ") at t = " + format_quantity(t_, dims::time) +
                            " with a step of " + format_quantity(step, dims::time),
                        StepFailure::Kind::LinearSolve, t_, step, solving_, at);
    }
    if (retry_h_ > 0) {  // multirate: the carrier's first sub-step showed the step far too long
      ++stats_.rejected;
      h = std::min(retry_h_, 0.2 * step);
      retry_h_ = 0;
      continue;
    }
    // a step not accepted leaves the carrier as it started (a re-linearised carrier's coefficients
    // moved with its sub-steps)
    if (std::isinf(err) || (p_.time.dt_fixed <= 0 && err > 1.0)) carrier_back_to_start();
    if (std::isinf(err)) {
      // a coupling's stage iteration did not converge: a shorter step (also under a fixed dt, which
      // is then the longest step; it comes back by doubling)
      ++stats_.rejected;
      h = 0.2 * step;
      if (collapsed(h)) {
        std::string names;
        for (const auto& c : p_.couplings)
          for (int s = 0; s < static_cast<int>(p_.species.size()); ++s)
            if (c->has_stage_source(s)) names += (names.empty() ? "" : ", ") + c->name();
        throw StepFailure("the coupling (" + names + ") did not converge at t = " + format_quantity(t_, dims::time) +
                              " even with a step of " + format_quantity(step, dims::time),
                          StepFailure::Kind::Coupling, t_, step, solving_, -1);
      }
      continue;
    }
    if (p_.time.dt_fixed <= 0 && err > 1.0) {
      ++stats_.rejected;
      // (multirate: a rejected step redoes the carrier's sub-steps, so the step shrinks at once by
      // what the estimate asks, down to 1/50, not by at most 1/5 per try)
      const double fac = std::max(multirate_ ? 0.02 : 0.2, 0.9 * std::pow(err, p_.time.scheme == Scheme::TrBdf2 ? -1.0 / 3.0 : -0.5));
      h = step * fac;
      if (collapsed(h))
        throw StepFailure("time step became too small (" + format_quantity(h, dims::time) + ") at t = " + format_quantity(t_, dims::time),
                          StepFailure::Kind::StepTooSmall, t_, h, worst_species_, worst_cell_);
      continue;
    }
    accept();
    ++stats_.accepted;
    t_ = lands ? stop : t_ + step;
    if (p_.time.dt_fixed <= 0) {
      double fac = err > 0 ? 0.9 * std::pow(err, p_.time.scheme == Scheme::TrBdf2 ? -1.0 / 3.0 : -0.5) : 5.0;
      fac = std::min(5.0, std::max(0.2, fac));
      const double proposed = step * fac;
      if (!lands || proposed < h) {
        // keep the step (and a direct solver's factorisation) unless the change is worth it
        if (fac < 1.0 || fac > 1.25) h = proposed;
      }
      if (p_.time.dt_max > 0) h = std::min(h, p_.time.dt_max);
    } else if (h < p_.time.dt_fixed) {
      h = std::min(p_.time.dt_fixed, 2.0 * step);  // back toward the fixed step after a shortened one
    }
    if (lands) {
      ++si;
      const bool has_event = std::any_of(p_.reservoirs.begin(), p_.reservoirs.end(), [&](const ReservoirSpec& v) { return v.t_on == t_ || v.t_off == t_; }) ||
                             std::any_of(p_.deposits.begin(), p_.deposits.end(), [&](const DepositSpec& d) { return d.time == t_; });
      visit_stop(t_);
      if (has_event && p_.time.dt_fixed <= 0) h = std::min(h, h0);
      if (has_event) h_sub_ = std::min(h_sub_, p_.time.dt_initial > 0 ? p_.time.dt_initial : 1e-7 * T);
    }
    record();
    h_next_ = h;
    out_index_ = out_index;
    if (on_step) on_step(*this, t_, step);
  }
  stats_.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  stats_.per_species.clear();
  for (size_t s = 0; s < sp_.size(); ++s) {
    const auto& r = sp_[s];
    stats_.linear.solves += r->solver->stats.solves;
    stats_.linear.iterations += r->solver->stats.iterations;
    stats_.linear.factorizations += r->solver->stats.factorizations;
    stats_.per_species.push_back({p_.species[s].name, r->solver->name(), r->solver->stats});
  }
  // a solver that picks its method per setup (the `mg` kind: separable or multigrid CG) says now
  // which one it used last
  if (!sp_.empty()) stats_.linear_solver = sp_.front()->solver->name();
}

// ---- Checkpoint and restart -------------------------------------------------------------------
// Everything run() keeps from one accepted step to the next, under keys "sim/...", "sp/<s>/...",
// "hist/..." and "coupling/<i>/..." (solver/state.hpp). Transient arrays of a step (stage values,
// right-hand sides, estimates) are not saved; the operators are rebuilt from their saved specs, so
// the continued run makes the same steps to round-off.

namespace {

void put_losses(SavedState& st, const std::string& key, const std::vector<LossChannel>& losses) {
  std::vector<std::string> names;
  for (size_t i = 0; i < losses.size(); ++i) {
    names.push_back(losses[i].name);
    st.put(key + "/" + std::to_string(i), losses[i].k);
  }
  st.put_text(key, names);
}

std::vector<double> get_field(const SavedState& st, const std::string& key, size_t n, bool optional = false);

std::vector<LossChannel> get_losses(const SavedState& st, const std::string& key, size_t n) {
  std::vector<LossChannel> out;
  const auto& names = st.text(key);
  for (size_t i = 0; i < names.size(); ++i) {
    out.push_back({names[i], get_field(st, key + "/" + std::to_string(i), n, true)});  // empty: zero everywhere
    for (double k : out.back().k)
      if (!std::isfinite(k) || k < 0) throw CheckpointError("the checkpoint entry '" + key + "' holds a rate that is negative or not finite");
  }
  return out;
}

// A field of n values (or, when `optional`, none), every one finite.
std::vector<double> get_field(const SavedState& st, const std::string& key, size_t n, bool optional) {
  const auto& v = st.get(key);
  if (!(optional && v.empty()) && v.size() != n)
    throw CheckpointError("the checkpoint entry '" + key + "' has " + std::to_string(v.size()) + " values, expected " + std::to_string(n));
  for (double x : v)
    if (!std::isfinite(x)) throw CheckpointError("the checkpoint entry '" + key + "' holds a value that is not finite");
  return v;
}

double get_finite(const SavedState& st, const std::string& key) {
  const double v = st.scalar(key);
  if (!std::isfinite(v)) throw CheckpointError("the checkpoint entry '" + key + "' is not finite");
  return v;
}

}  // namespace

void Simulation::save_state(SavedState& st) const {
  std::vector<std::string> names;
  for (const auto& sp : p_.species) names.push_back(sp.name);
  st.put_text("sim/species", names);
  st.put("sim/cells", static_cast<double>(p_.grid.cells()));
  st.put("sim/t", t_);
  st.put("sim/h", h_next_);
  st.put("sim/h_sub", h_sub_);
  st.put("sim/substeps", {static_cast<double>(stats_.substeps), static_cast<double>(stats_.substeps_rejected)});
  st.put("sim/out_index", static_cast<double>(out_index_));
  st.put("sim/accepted", static_cast<double>(stats_.accepted));
  st.put("sim/rejected", static_cast<double>(stats_.rejected));
  LinearStats lin = stats_.linear;
  for (const auto& r : sp_) {
    lin.solves += r->solver->stats.solves;
    lin.iterations += r->solver->stats.iterations;
    lin.factorizations += r->solver->stats.factorizations;
  }
  st.put("sim/linear", {static_cast<double>(lin.solves), static_cast<double>(lin.iterations), static_cast<double>(lin.factorizations)});
  st.put("sim/carrier_offset", carrier_offset_);
  for (size_t s = 0; s < sp_.size(); ++s) {
    const SpeciesRun& r = *sp_[s];
    const std::string k = "sp/" + std::to_string(s) + "/";
    st.put(k + "u", r.u);
    st.put(k + "u_prev", r.u_prev);
    st.put(k + "h_prev", r.h_prev);
    std::vector<std::string> qn;
    std::vector<double> qv;
    for (const auto& [name, v] : r.Q) {
      qn.push_back(name);
      qv.push_back(v);
    }
    st.put_text(k + "Q", qn);
    st.put(k + "Q", qv);
    st.put(k + "applied_fixed", r.applied_fixed);
    st.put(k + "removed", r.removed);
    st.put(k + "clipped", r.clipped);
    st.put(k + "active_reservoir", static_cast<double>(r.active_reservoir));
    st.put(k + "reservoir_mass", r.reservoir_mass);
    st.put(k + "saturated", r.saturated ? 1.0 : 0.0);
    st.put(k + "built_openness", r.built_openness);
    st.put(k + "coupled_phi", r.coupled_phi);
    st.put(k + "K", r.spec.K);
    st.put(k + "DK", r.spec.DK);
    st.put(k + "top", static_cast<double>(static_cast<int>(r.spec.top)));
    st.put(k + "reservoir_capacity", r.spec.reservoir_capacity);
    st.put(k + "fixed_activity", r.spec.fixed_activity);
    st.put(k + "flux_x", r.spec.flux_x);
    st.put(k + "flux_y", r.spec.flux_y);
    st.put(k + "flux_z", r.spec.flux_z);
    put_losses(st, k + "losses", r.spec.losses);
    put_losses(st, k + "base_losses", r.base_losses);
    std::vector<std::string> hn;
    for (const auto& [name, v] : hist_.species[s]) {
      hn.push_back(name);
      st.put("hist/" + std::to_string(s) + "/" + std::to_string(hn.size() - 1), v);
    }
    st.put_text("hist/" + std::to_string(s), hn);
  }
  st.put("hist/time", hist_.time);
  std::vector<std::string> cn;
  for (size_t i = 0; i < p_.couplings.size(); ++i) {
    cn.push_back(p_.couplings[i]->name());
    p_.couplings[i]->save_state(st, "coupling/" + std::to_string(i) + "/");
  }
  st.put_text("sim/couplings", cn);
}

void Simulation::restore_state(const SavedState& st) {
  const Grid& g = p_.grid;
  const size_t n = g.cells();
  std::vector<std::string> names;
  for (const auto& sp : p_.species) names.push_back(sp.name);
  if (st.text("sim/species") != names) throw CheckpointError("the checkpoint's species differ from the case's");
  if (st.integer("sim/cells", 0, 1L << 40) != static_cast<long>(n)) throw CheckpointError("the checkpoint's grid has another number of cells");
  std::vector<std::string> cn;
  for (const auto& c : p_.couplings) cn.push_back(c->name());
  if (st.text("sim/couplings") != cn) throw CheckpointError("the checkpoint's couplings differ from the case's");
  const double t = get_finite(st, "sim/t");
  const double h = get_finite(st, "sim/h");
  if (t < 0 || !(h > 0)) throw CheckpointError("the checkpoint's time or step size is out of range");
  const int out_index = static_cast<int>(st.integer("sim/out_index", 0, 1L << 30));
  // the carrier's proposed sub-step (multirate; absent from checkpoints written before it)
  double h_sub = h;
  std::vector<double> substeps = {0, 0};
  if (st.has("sim/h_sub")) {
    h_sub = get_finite(st, "sim/h_sub");
    if (!(h_sub > 0)) throw CheckpointError("the checkpoint's carrier sub-step is out of range");
    substeps = st.get("sim/substeps", 2);
    for (double x : substeps)
      if (!(x >= 0 && x < 9e15)) throw CheckpointError("the checkpoint's sub-step counters are out of range");
  }
  const long accepted = st.integer("sim/accepted", 0, 1L << 50), rejected = st.integer("sim/rejected", 0, 1L << 50);
  const auto& lin = st.get("sim/linear", 3);
  for (double x : lin)
    if (!(x >= 0 && x < 9e15)) throw CheckpointError("the checkpoint's solver counters are out of range");
  std::vector<double> offset = get_field(st, "sim/carrier_offset", n, true);
  // the history first (its sizes are checked against its times)
  History hist;
  hist.time = st.get("hist/time");
  if (hist.time.empty() || hist.time.back() != t) throw CheckpointError("the checkpoint's history does not end at its time");
  for (size_t i = 0; i < hist.time.size(); ++i)
    if (!std::isfinite(hist.time[i]) || (i > 0 && !(hist.time[i] >= hist.time[i - 1])))
      throw CheckpointError("the checkpoint's history times are not increasing");
  hist.units = hist_.units;
  hist.species.resize(sp_.size());
  // everything into new species states first: the simulation is unchanged if anything is wrong
  std::vector<SpeciesRun> runs(sp_.size());
  const size_t fx = static_cast<size_t>(g.nz) * g.ny * (g.nx + 1), fy = static_cast<size_t>(g.nz) * (g.ny + 1) * g.nx,
               fz = static_cast<size_t>(g.nz + 1) * g.ny * g.nx;  // face counts (solver/operator.hpp)
  for (size_t s = 0; s < sp_.size(); ++s) {
    const std::string k = "sp/" + std::to_string(s) + "/";
    SpeciesRun& r = runs[s];
    r.u = get_field(st, k + "u", n + 1);
    r.u_prev = get_field(st, k + "u_prev", n + 1, true);
    r.h_prev = get_finite(st, k + "h_prev");
    const auto& qn = st.text(k + "Q");
    const auto& qv = st.get(k + "Q", qn.size());
    for (size_t i = 0; i < qn.size(); ++i) {
      if (!std::isfinite(qv[i])) throw CheckpointError("the checkpoint entry '" + k + "Q' holds a value that is not finite");
      r.Q[qn[i]] = qv[i];
    }
    r.applied_fixed = get_finite(st, k + "applied_fixed");
    r.removed = get_finite(st, k + "removed");
    r.clipped = get_finite(st, k + "clipped");
    r.active_reservoir = static_cast<int>(st.integer(k + "active_reservoir", -1, static_cast<long>(p_.reservoirs.size()) - 1));
    if (r.active_reservoir >= 0 && p_.reservoirs[r.active_reservoir].species != static_cast<int>(s))
      throw CheckpointError("the checkpoint entry '" + k + "active_reservoir' names a reservoir of another species");
    r.reservoir_mass = get_finite(st, k + "reservoir_mass");
    r.saturated = st.integer(k + "saturated", 0, 1) == 1;
    r.built_openness = get_field(st, k + "built_openness", p_.species[s].conductances.size());
    r.coupled_phi = get_field(st, k + "coupled_phi", n, true);
    r.spec = sp_[s]->spec;
    r.spec.K = get_field(st, k + "K", n);
    r.spec.DK = get_field(st, k + "DK", n);
    for (size_t i = 0; i < n; ++i)
      if (!(r.spec.K[i] > 0) || r.spec.DK[i] < 0) throw CheckpointError("the checkpoint entry '" + k + "K' or 'DK' holds a value out of range");
    r.spec.top = static_cast<TopMode>(st.integer(k + "top", 0, 2));
    r.spec.reservoir_capacity = get_finite(st, k + "reservoir_capacity");
    r.spec.fixed_activity = get_finite(st, k + "fixed_activity");
    if (!(r.spec.reservoir_capacity > 0) || r.spec.fixed_activity < 0)
      throw CheckpointError("the checkpoint's reservoir capacity or activity of species " + std::to_string(s) + " is out of range");
    r.spec.flux_x = get_field(st, k + "flux_x", fx, true);
    r.spec.flux_y = get_field(st, k + "flux_y", fy, true);
    r.spec.flux_z = get_field(st, k + "flux_z", fz, true);
    if (r.spec.flux_x.empty() != r.spec.flux_y.empty() || r.spec.flux_x.empty() != r.spec.flux_z.empty())
      throw CheckpointError("the checkpoint's face fluxes of species " + std::to_string(s) + " are incomplete");
    r.spec.losses = get_losses(st, k + "losses", n);
    r.base_losses = get_losses(st, k + "base_losses", n);
    const auto& hn = st.text("hist/" + std::to_string(s));
    for (size_t i = 0; i < hn.size(); ++i)
      hist.species[s][hn[i]] = st.get("hist/" + std::to_string(s) + "/" + std::to_string(i), hist.time.size());
  }
  // the couplings (they check their own entries), then the state is taken over
  for (size_t i = 0; i < p_.couplings.size(); ++i) p_.couplings[i]->restore_state(st, "coupling/" + std::to_string(i) + "/");
  for (size_t s = 0; s < sp_.size(); ++s) {
    SpeciesRun& r = *sp_[s];
    SpeciesRun& x = runs[s];
    r.u = std::move(x.u);
    r.u_prev = std::move(x.u_prev);
    r.h_prev = x.h_prev;
    r.Q = std::move(x.Q);
    r.applied_fixed = x.applied_fixed;
    r.removed = x.removed;
    r.clipped = x.clipped;
    r.active_reservoir = x.active_reservoir;
    r.reservoir_mass = x.reservoir_mass;
    r.saturated = x.saturated;
    r.built_openness = std::move(x.built_openness);
    r.coupled_phi = std::move(x.coupled_phi);
    r.spec = std::move(x.spec);
    r.base_losses = std::move(x.base_losses);
    remake_operator(static_cast<int>(s));
  }
  carrier_offset_ = std::move(offset);
  hist_ = std::move(hist);
  t_ = t;
  h_next_ = h;
  h_sub_ = h_sub;
  stats_.substeps = static_cast<long>(substeps[0]);
  stats_.substeps_rejected = static_cast<long>(substeps[1]);
  out_index_ = out_index;
  stats_.accepted = accepted;
  stats_.rejected = rejected;
  stats_.linear.solves = static_cast<long>(lin[0]);
  stats_.linear.iterations = static_cast<long>(lin[1]);
  stats_.linear.factorizations = static_cast<long>(lin[2]);
  restored_ = true;
}

}  // namespace dermasim

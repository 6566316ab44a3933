#include "simulation.hpp"

#include "units.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

namespace dermasim {

namespace {
// TR-BDF2 (Bank et al. 1985; Hosea & Shampine 1996) with gamma = 2 - sqrt(2): a trapezoidal stage to
// t + gamma h, then BDF2 through (t, t + gamma h, t + h). Both stages solve with M + (gamma h / 2) A.
const double kGamma = 2.0 - std::sqrt(2.0);
const double kA = 1.0 / (kGamma * (2.0 - kGamma));                                   // weight of u_gamma
const double kB = -(1.0 - kGamma) * (1.0 - kGamma) / (kGamma * (2.0 - kGamma));      // weight of u_n
// Local truncation error constant: LTE = C h^3 u''' (Bank et al. 1985).
const double kC = (-3.0 * kGamma * kGamma + 4.0 * kGamma - 2.0) / (12.0 * (2.0 - kGamma));
}  // namespace

double VehicleSpec::film_at(double t) const {
  if (evaporation <= 0 || residual < 0 || t <= t_on) return film;
  return std::max(residual, film - evaporation * (t - t_on));
}

double VehicleSpec::dry_time() const {
  if (evaporation <= 0 || residual < 0 || residual >= film) return std::numeric_limits<double>::infinity();
  return t_on + (film - residual) / evaporation;
}

double Balance::tissue() const {
  double s = 0;
  for (double v : layer) s += v;
  return s;
}

double Balance::error() const {
  double acc = vehicle + washed + tissue();
  for (const auto& [k, v] : out) acc += v;
  return applied - acc;
}

struct Simulation::SpeciesRun {
  OperatorSpec spec;
  std::unique_ptr<StencilOperator> op;
  long version = 0;
  std::unique_ptr<LinearSolver> solver;
  std::vector<double> u, u_new, ug, Au, rhs, est, e;
  std::map<std::string, double> Q, Q_new;  // cumulative outflows ("receptor", loss channels) and "uptake"
  double applied_fixed = 0;  // initial + deposits + finite vehicle loads
  double washed = 0;
  double clipped = 0;
  int active_vehicle = -1;
  double vehicle_mass = 0;   // solute in a finite vehicle, dissolved + deposited (kg)
  bool saturated = false;    // vehicle at its solubility: activity held, deposit dissolving
  double amount_scale = 0;
  double err_num = 0, err_den = 0;
  std::vector<double> built_openness;  // channel openness the operator was built with
  std::vector<LossChannel> base_losses;  // without the drainage of excess fluid
  std::vector<double> src;               // active constant-rate sources, per unknown
  std::vector<double> coupled_phi;       // the excess fluid the operator was last built with
  std::vector<double> f0, fg, f1;        // transfers received at the stage times of a step (kg/s per cell)
  std::vector<double> u_prev;            // the state before the last step, and its length (enzymes)
  double h_prev = 0;
};

Simulation::Simulation(Problem p) : p_(std::move(p)) {
  Grid& g = p_.grid;
  const size_t n = g.cells();
  if (p_.time.end <= 0) throw std::invalid_argument("time.end must be positive");
  linear_kind_ = p_.solver.linear;
  if (linear_kind_ == "auto") {
    // 3d sparse factorisations fill in fast (and are redone whenever dt changes): CG early there
    const size_t limit = (g.geometry == Geometry::ThreeD) ? 4000 : 250000;
    linear_kind_ = (n <= limit) ? "direct" : "cg";
  }
  const int ns = static_cast<int>(p_.species.size());
  auto valid = [ns](int s) { return s >= 0 && s < ns; };
  for (const auto& e : p_.enzymes) {
    if (!valid(e.enzyme) || !valid(e.substrate) || e.enzyme == e.substrate || e.k2 < 0) throw std::invalid_argument("invalid enzyme reaction");
    p_.species[e.substrate].losses.push_back({e.channel, std::vector<double>(n, 0.0)});
  }
  for (const auto& tr : p_.transfers) {
    if (!valid(tr.from) || !valid(tr.to) || tr.from == tr.to) throw std::invalid_argument("invalid transfer between species");
    const auto& L = p_.species[tr.from].losses;
    if (std::none_of(L.begin(), L.end(), [&](const LossChannel& c) { return c.name == tr.channel; }))
      throw std::invalid_argument("transfer: species '" + p_.species[tr.from].name + "' has no loss channel '" + tr.channel + "'");
  }
  if (!p_.osmotic.empty()) {
    if (p_.fluid < 0) throw std::invalid_argument("osmotic pressure needs the excess-fluid field");
    if (p_.fluid_stiffness.size() != n || p_.fluid_water.size() != n) throw std::invalid_argument("osmotic pressure: fluid stiffness and water per cell needed");
    p_.species[p_.fluid].losses.push_back({"osmotic_linear", std::vector<double>(n, 0.0)});
  }
  // Solve order: every species after those that feed it (transfers) or degrade it (enzymes); the
  // fluid before every species it carries (its field drives them).
  {
    // transfers must come first (their stage values feed the target); an enzyme should (the
    // substrate then uses its mean over the step) but may follow (its start-of-step value is used)
    std::vector<std::vector<int>> before(ns), soft(ns);
    for (const auto& tr : p_.transfers) before[tr.to].push_back(tr.from);
    for (const auto& e : p_.enzymes) soft[e.substrate].push_back(e.enzyme);
    std::vector<bool> done(ns, false);
    bool first_phase = p_.fluid >= 0;
    auto ready = [&](int s) {
      auto ok = [&](int b) { return done[b]; };
      if (!std::all_of(before[s].begin(), before[s].end(), ok)) return false;
      // before the fluid, an enzyme the fluid carries is left for later
      return std::all_of(soft[s].begin(), soft[s].end(), [&](int b) { return done[b] || (first_phase && p_.species[b].carried); });
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
    if (p_.fluid >= 0) {
      // species the fluid does not carry do not depend on it: solved first, so that the osmotic
      // pressure of a polymer among them is known at every stage of the fluid's step
      take([&](int s) { return s != p_.fluid && !p_.species[s].carried; });
      order_.push_back(static_cast<size_t>(p_.fluid));
      done[p_.fluid] = true;
      first_phase = false;
    }
    take([](int) { return true; });
    if (static_cast<int>(order_.size()) < ns) throw std::invalid_argument("reactions form a cycle (a species feeds itself through transfers or enzymes)");
  }
  hist_.species.resize(p_.species.size());
  for (size_t s = 0; s < p_.species.size(); ++s) {
    auto r = std::make_unique<SpeciesRun>();
    const SpeciesSpec& ss = p_.species[s];
    r->spec.grid = &p_.grid;
    r->spec.K = ss.K;
    r->spec.DK = ss.DK;
    r->spec.losses = ss.losses;
    r->spec.bottom_sink = p_.bottom_sink;
    const bool advected = p_.fluid >= 0 && static_cast<int>(s) != p_.fluid && ss.carried;
    r->solver = advected ? make_nonsymmetric_solver(linear_kind_, p_.solver.tolerance, p_.solver.max_iterations)
                         : make_linear_solver(linear_kind_, p_.solver.tolerance, p_.solver.max_iterations);
    r->base_losses = ss.losses;
    r->u.assign(n + 1, 0.0);
    if (!ss.initial_c.empty()) {
      for (int k = 0; k < g.nz; ++k)
        for (int j = 0; j < g.ny; ++j)
          for (int i = 0; i < g.nx; ++i) {
            const size_t c = g.index(i, j, k);
            r->u[c] = ss.initial_c[c] / ss.K[c];
            r->applied_fixed += ss.initial_c[c] * g.volume(i, j, k);
          }
    }
    if (p_.bottom_sink) r->Q["receptor"] = 0.0;
    for (const auto& L : ss.losses) r->Q[L.name] = 0.0;
    if (static_cast<int>(s) == p_.fluid && !p_.osmotic.empty()) r->Q["osmotic_source"] = 0.0;
    for (const auto& tr : p_.transfers)
      if (tr.to == static_cast<int>(s)) r->Q["converted_in"] = 0.0;
    // scale of amounts for the absolute part of the error test
    double scale = r->applied_fixed;
    double sumM = 0;
    for (int k = 0; k < g.nz; ++k)
      for (int j = 0; j < g.ny; ++j)
        for (int i = 0; i < g.nx; ++i) sumM += g.volume(i, j, k) * ss.K[g.index(i, j, k)];
    for (const auto& v : p_.vehicles)
      if (v.species == static_cast<int>(s))
        scale += v.infinite ? (v.conc / v.K_vehicle) * sumM : v.film * g.top_area() * v.conc;
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
  if (p_.fluid >= 0) {
    // the unknown is p = H phi: the stiffness a the operator was built with is 1 / K
    const auto& K = sp_[p_.fluid]->spec.K;
    fluid_built_a_.resize(n);
    for (size_t i = 0; i < n; ++i) fluid_built_a_[i] = 1.0 / K[i];
    fluid_g_.assign(n, 0.0);
  }
}

Simulation::~Simulation() = default;

void Simulation::rebuild(int s, double t) {
  SpeciesRun& r = *sp_[s];
  r.spec.top = TopMode::Closed;
  if (r.active_vehicle >= 0) {
    const VehicleSpec& v = p_.vehicles[r.active_vehicle];
    if (v.infinite) {
      r.spec.top = TopMode::Fixed;
      r.spec.fixed_activity = v.conc / v.K_vehicle;
    } else if (r.saturated) {
      r.spec.top = TopMode::Fixed;  // a saturated film: activity at the solubility limit
      r.spec.fixed_activity = v.solubility / v.K_vehicle;
    } else {
      r.spec.top = TopMode::Vehicle;
      r.spec.vehicle_capacity = v.film_at(t) * p_.grid.top_area() * v.K_vehicle;
    }
  }
  const auto& channels = p_.species[s].channels;
  if (!channels.empty()) {
    r.spec.DK = p_.species[s].DK;
    r.built_openness.resize(channels.size());
    for (size_t c = 0; c < channels.size(); ++c) {
      r.built_openness[c] = channels[c].openness(t);
      for (const auto& [cell, d] : channels[c].dDK) r.spec.DK[cell] += d * r.built_openness[c];
    }
  }
  r.op = std::make_unique<StencilOperator>(r.spec);
  ++r.version;
  if (r.op->inflow()) {
    if (!r.Q.count("uptake")) r.Q["uptake"] = 0.0;
    if (!r.Q.count("vehicle_uptake")) r.Q["vehicle_uptake"] = 0.0;
  }
}

// Before a step to time t1: the film has its end-of-step thickness (evaporation), and the vehicle
// is either dissolved (a finite well-stirred film) or saturated (activity held at the solubility,
// the deposit dissolving). The total solute in the vehicle is the state; the switch happens at step
// boundaries, so the mass balance stays exact.
void Simulation::prepare_vehicles(double t1) {
  const size_t n = p_.grid.cells();
  for (size_t s = 0; s < sp_.size(); ++s) {
    SpeciesRun& r = *sp_[s];
    if (r.active_vehicle < 0) continue;
    const VehicleSpec& v = p_.vehicles[r.active_vehicle];
    if (v.infinite) continue;
    const double L = v.film_at(t1);
    const double dissolved_max = v.solubility * L * p_.grid.top_area();
    const bool want_saturated = r.vehicle_mass > dissolved_max * (1.0 + 1e-12);
    const double cap = L * p_.grid.top_area() * v.K_vehicle;
    if (want_saturated != r.saturated || (!r.saturated && cap != r.op->mass()[n])) {
      r.saturated = want_saturated;
      rebuild(static_cast<int>(s), t1);
    }
    r.u[n] = r.saturated ? 0.0 : r.vehicle_mass / r.op->mass()[n];
  }
}

// Channels are rebuilt into the operator with their openness at the end of each step (implicit),
// whenever it moved by more than 1 % of the open value since the last build.
void Simulation::prepare_channels(double t1) {
  for (size_t s = 0; s < sp_.size(); ++s) {
    const auto& channels = p_.species[s].channels;
    if (channels.empty()) continue;
    bool stale = false;
    for (size_t c = 0; c < channels.size(); ++c)
      if (std::fabs(channels[c].openness(t1) - sp_[s]->built_openness[c]) > 0.01 * std::max(channels[c].openness(t1), 1e-3)) stale = true;
    if (stale) rebuild(static_cast<int>(s), t1);
  }
}

// While channels close, a step may span at most a tenth of their time constant.
double Simulation::max_step_for_channels() const {
  double h = std::numeric_limits<double>::infinity();
  for (const auto& sp : p_.species)
    for (const auto& c : sp.channels)
      if (t_ >= c.t_open && c.openness(t_) > 1e-3) h = std::min(h, 0.1 * c.tau);
  return h;
}

// While a dissolved film evaporates, its volume may change by at most 2 % per step (the capacity is
// taken at the end of each step).
double Simulation::max_step_for_vehicles() const {
  double h = std::numeric_limits<double>::infinity();
  for (const auto& rp : sp_) {
    if (rp->active_vehicle < 0 || rp->saturated) continue;
    const VehicleSpec& v = p_.vehicles[rp->active_vehicle];
    if (v.infinite || v.evaporation <= 0 || t_ >= v.dry_time()) continue;
    h = std::min(h, 0.02 * v.film_at(t_) / v.evaporation);
  }
  return h;
}

std::vector<double> Simulation::surface_elevation() const {
  const Grid& g = p_.grid;
  std::vector<double> e(static_cast<size_t>(g.nx) * g.ny, 0.0);
  if (p_.fluid < 0) return e;
  const auto phi = concentration(p_.fluid);
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) e[static_cast<size_t>(j) * g.nx + i] += phi[g.index(i, j, k)] * g.dz[k];
  return e;
}

// Osmotic pressure per cell of every group, evaluated on the polymer concentration in the tissue
// water (baseline water plus the excess fluid), and optionally its slope d(Pi)/d(phi) <= 0 (more
// water dilutes the polymer). Polymer species already solved in the current step (those the fluid
// does not carry, solved before it) are taken at `stage` (0 start, 1 intermediate, 2 end of the
// step); the others at the start.
std::vector<double> Simulation::osmotic_at(const std::vector<double>& phi, int stage, std::vector<double>* slope) const {
  const size_t n = p_.grid.cells();
  std::vector<double> pi(n, 0.0);
  if (slope) slope->assign(n, 0.0);
  for (const auto& grp : p_.osmotic) {
    std::vector<double> c(n, 0.0);
    for (int s : grp.species) {
      const SpeciesRun& r = *sp_[s];
      const bool ahead = std::find(order_.begin(), order_.end(), static_cast<size_t>(s)) <
                         std::find(order_.begin(), order_.end(), static_cast<size_t>(p_.fluid));
      const std::vector<double>& x = !ahead || stage == 0 ? r.u : stage == 1 ? r.ug : r.u_new;
      for (size_t i = 0; i < n; ++i) c[i] += r.spec.K[i] * x[i];
    }
    for (size_t i = 0; i < n; ++i) {
      if (c[i] <= 0) continue;
      const double water = std::max(p_.fluid_water[i] + phi[i], 0.05 * p_.fluid_water[i]);
      const double cw = c[i] / water;
      pi[i] += grp.pressure(cw);
      if (slope) (*slope)[i] -= grp.derivative(cw) * cw / water;
    }
  }
  return pi;
}

std::vector<double> Simulation::osmotic_pressure() const {
  if (p_.osmotic.empty()) return std::vector<double>(p_.grid.cells(), 0.0);
  return osmotic_at(concentration(p_.fluid), 0, nullptr);
}

// Before a step: the potential p - Pi(phi) is linearised about the state at the start of the step,
// p - Pi ~ a phi - g with a = H - dPi/dphi (>= H) and g = Pi - (dPi/dphi) phi. The operator holds
// u = a phi (capacity 1/a), so the Darcy flux is T (u_P - u_N) - T (g_P - g_N) and the drainage
// k_d (a phi - g) / H: the lymph drains k_d phi ("drained"), the polymer holds back or draws in
// k_d (Pi_lin) / H (counted as "drawn_in"). The slope is refreshed when it moved by 2 %; g always
// matches the slope built, so the fixed point (p = Pi where drainage balances) is exact.
void Simulation::prepare_fluid() {
  if (p_.fluid < 0 || p_.osmotic.empty()) return;
  SpeciesRun& f = *sp_[p_.fluid];
  const size_t n = p_.grid.cells();
  const auto phi = concentration(p_.fluid);
  std::vector<double> slope;
  const auto pi = osmotic_at(phi, 0, &slope);
  const auto& H = p_.fluid_stiffness;
  double worst = 0;
  for (size_t i = 0; i < n; ++i) {
    const double a = H[i] - std::min(slope[i], 0.0);
    worst = std::max(worst, std::fabs(a - fluid_built_a_[i]) / fluid_built_a_[i]);
  }
  if (worst > 0.02) {
    const auto& drained = p_.species[p_.fluid].losses.front().k;
    LossChannel* lin = nullptr;
    for (auto& L : f.spec.losses)
      if (L.name == "osmotic_linear") lin = &L;
    for (size_t i = 0; i < n; ++i) {
      const double a = H[i] - std::min(slope[i], 0.0);
      fluid_built_a_[i] = a;
      f.spec.K[i] = 1.0 / a;
      lin->k[i] = drained[i] * (a - H[i]) / H[i];
      f.u[i] = a * phi[i];
    }
    f.base_losses = f.spec.losses;
    rebuild(p_.fluid, t_);
  }
  fluid_phi_n_ = phi;
  for (size_t i = 0; i < n; ++i) fluid_g_[i] = pi[i] + (fluid_built_a_[i] - H[i]) * phi[i];
}

// The osmotic part of the fluid's equation at one stage of the step (polymer concentrations of that
// stage, linearised about `phi` with the slope built): g = Pi(phi) + (a - H) phi, the Darcy
// divergence of g (sums to zero) plus the water drawn in, k_d g / H per volume, per unknown in b;
// the drawn-in total (without the divergence) in `drawn`. Keeps the g of the stage in fluid_g_.
// Iterating phi to the stage's solution makes the step fully implicit in Pi(phi).
void Simulation::osmotic_sources(int stage, const std::vector<double>& phi, std::vector<double>& b, double& drawn) {
  const Grid& g = p_.grid;
  const size_t n = g.cells();
  const auto pi = osmotic_at(phi, stage, nullptr);
  const auto& H = p_.fluid_stiffness;
  for (size_t i = 0; i < n; ++i) fluid_g_[i] = pi[i] + (fluid_built_a_[i] - H[i]) * phi[i];
  if (stage == 2) fluid_g_end_ = fluid_g_;
  const StencilOperator& op = *sp_[p_.fluid]->op;
  std::vector<double> fx, fy, fz;
  op.face_fluxes(fluid_g_, fx, fy, fz);
  op.net_outflow(fx, fy, fz, b);
  const auto& drained = p_.species[p_.fluid].losses.front().k;
  drawn = 0;
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        const size_t c = g.index(i, j, k);
        const double q = g.volume(i, j, k) * drained[c] * fluid_g_[c] / H[c];
        b[c] += q;
        drawn += q;
      }
}

// Degradation by an enzyme: the substrate's rate k2 c_E uses the enzyme's mean over the step when the
// enzyme is solved first, else (an enzyme carried by the fluid, a substrate solved before it) its
// mid-step value extrapolated from the last step; the operator is rebuilt when the rate moved by
// more than 1e-4 of its peak.
void Simulation::prepare_enzymes(int s) {
  const size_t n = p_.grid.cells();
  SpeciesRun& r = *sp_[s];
  bool stale = false;
  for (const auto& e : p_.enzymes) {
    if (e.substrate != s) continue;
    const SpeciesRun& er = *sp_[e.enzyme];
    const bool solved = std::find(order_.begin(), order_.end(), static_cast<size_t>(e.enzyme)) <
                        std::find(order_.begin(), order_.end(), static_cast<size_t>(s));
    std::vector<double> k(n);
    double peak = 0;
    for (size_t i = 0; i < n; ++i) {
      // not yet solved: the mid-step value extrapolated from the last step (second order), or the
      // start value right after an event
      double mid = er.u[i];
      if (solved)
        mid = 0.5 * (er.u[i] + er.u_new[i]);
      else if (er.u_prev.size() == er.u.size() && er.h_prev > 0)
        mid = std::max(0.0, er.u[i] + 0.5 * h_now_ * (er.u[i] - er.u_prev[i]) / er.h_prev);
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
  if (stale) {
    r.op = std::make_unique<StencilOperator>(r.spec);
    ++r.version;
  }
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
  const SpeciesRun& r = *sp_[s];
  const size_t n = p_.grid.cells();
  std::vector<double> c(n);
  for (size_t i = 0; i < n; ++i) c[i] = r.u[i] * r.spec.K[i];
  return c;
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
  if (r.active_vehicle >= 0 && !p_.vehicles[r.active_vehicle].infinite) {
    const VehicleSpec& v = p_.vehicles[r.active_vehicle];
    const double L = v.film_at(t_);
    b.vehicle = r.vehicle_mass;
    b.vehicle_volume = L * g.top_area();
    b.deposit = std::max(0.0, r.vehicle_mass - v.solubility * L * g.top_area());
  }
  b.washed = r.washed;
  for (const auto& [k, v] : r.Q) {
    if (k == "uptake" || k == "injected" || k == "converted_in") {
      b.applied += v;
      if (k == "converted_in") b.converted_in = v;
    } else if (k == "osmotic_source" || k == "osmotic_linear") {
      // water drawn in (or held back) by osmotic pressure: the constant and linear parts
      const double part = k == "osmotic_source" ? v : -v;
      b.applied += part;
      b.drawn_in += part;
    } else if (k != "vehicle_uptake") {  // internal: what left a saturated vehicle (already in vehicle)
      b.out[k] = v;
    }
  }
  b.clipped = r.clipped;
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
  // wash-off first, then new applications, then injections
  for (size_t vi = 0; vi < p_.vehicles.size(); ++vi) {
    const VehicleSpec& v = p_.vehicles[vi];
    SpeciesRun& r = *sp_[v.species];
    if (v.t_off == t && r.active_vehicle == static_cast<int>(vi)) {
      const size_t n = p_.grid.cells();
      if (!v.infinite) r.washed += r.vehicle_mass;
      r.vehicle_mass = 0.0;
      r.u[n] = 0.0;
      r.active_vehicle = -1;
      r.saturated = false;
      rebuild(v.species, t);
    }
  }
  for (size_t vi = 0; vi < p_.vehicles.size(); ++vi) {
    const VehicleSpec& v = p_.vehicles[vi];
    SpeciesRun& r = *sp_[v.species];
    if (v.t_on == t && v.t_off > t) {
      if (r.active_vehicle >= 0) throw std::runtime_error("two vehicles of one species on the skin at once");
      r.active_vehicle = static_cast<int>(vi);
      r.saturated = false;
      if (!v.infinite) {
        r.vehicle_mass = v.film * p_.grid.top_area() * v.conc;
        r.applied_fixed += r.vehicle_mass;
      }
      rebuild(v.species, t);
      prepare_vehicles(t);
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

// A species carried by the excess fluid: Darcy fluxes of the fluid's trial end-of-step field
// advect it (upwind), and fluid drained to lymph takes it along (rate k_d phi per unit volume of
// fluid-equivalent concentration u, i.e. k_d phi / K on c).
void Simulation::couple_to_fluid(int s) {
  SpeciesRun& f = *sp_[p_.fluid];
  SpeciesRun& r = *sp_[s];
  const size_t n = p_.grid.cells();
  std::vector<double> phi(n);
  for (size_t i = 0; i < n; ++i) phi[i] = f.spec.K[i] * f.u_new[i];
  // Re-couple only when phi moved by more than 2 % of its peak since the operator was built: any
  // face-flux field keeps the balance exact, so this lag costs accuracy only, and little.
  double change = 0, peak = 0;
  const bool first = r.coupled_phi.size() != n;
  for (size_t i = 0; i < n; ++i) {
    peak = std::max(peak, std::fabs(phi[i]));
    if (!first) change = std::max(change, std::fabs(phi[i] - r.coupled_phi[i]));
  }
  if (first ? peak == 0.0 : change <= 0.02 * peak) return;
  r.coupled_phi = phi;
  // the Darcy flux follows the potential p - Pi = u - g
  std::vector<double> psi(f.u_new.begin(), f.u_new.begin() + static_cast<long>(n));
  if (fluid_g_end_.size() == n)
    for (size_t i = 0; i < n; ++i) psi[i] -= fluid_g_end_[i];
  f.op->face_fluxes(psi, r.spec.flux_x, r.spec.flux_y, r.spec.flux_z);
  r.spec.losses = r.base_losses;
  const auto& drain = p_.species[p_.fluid].losses.front().k;  // "drained"
  for (auto& L : r.spec.losses)
    if (L.name == "cleared_lymph")
      for (size_t i = 0; i < n; ++i) L.k[i] += drain[i] * std::max(0.0, phi[i]) / r.spec.K[i];
  r.op = std::make_unique<StencilOperator>(r.spec);
  ++r.version;
}

double Simulation::attempt(double h) {
  bool osmotic_failed = false;
  h_now_ = h;
  const bool adaptive = p_.time.dt_fixed <= 0;
  const double rtol = p_.time.rtol;
  double err = 0;
  for (size_t s : order_) {
    SpeciesRun& r = *sp_[s];
    if (p_.fluid >= 0 && static_cast<int>(s) != p_.fluid && p_.species[s].carried) couple_to_fluid(static_cast<int>(s));
    if (!p_.enzymes.empty()) prepare_enzymes(static_cast<int>(s));
    const StencilOperator& op = *r.op;
    const auto& M = op.mass();
    const size_t N = op.size();
    // constant-rate sources active during this step (their start and end are step boundaries)
    RateFunctional injected{"injected", {}, 0.0};
    r.src.assign(N, 0.0);
    for (const auto& so : p_.species[s].sources)
      if (t_ >= so.t_start && t_ < so.t_end)
        for (const auto& [c, q] : so.rate) {
          r.src[c] += q;
          injected.r0 += q;
        }
    const bool osmotic = static_cast<int>(s) == p_.fluid && !p_.osmotic.empty();
    // the exact total of the constant sources, for the projection
    double bsum = 0;
    for (size_t i = 0; i < N; ++i) bsum += op.source()[i];
    bsum += injected.r0;
    // Stage-dependent sources: transfers received from species already solved in this step, or the
    // fluid's osmotic part (polymers solved before it), at the start, intermediate and end times;
    // their exact totals go to the counter `feed_name`. The Darcy divergence in the osmotic part sums
    // to zero exactly, but not in floating point, where its terms are large (the stiff Darcy flow):
    // those totals, which the projection enforces, leave it out.
    const bool fed = std::any_of(p_.transfers.begin(), p_.transfers.end(), [s](const TransferSpec& t) { return t.to == static_cast<int>(s); });
    const bool trbdf2 = p_.time.scheme == Scheme::TrBdf2;
    const std::string feed_name = osmotic ? "osmotic_source" : "converted_in";
    RateFunctional conv0{feed_name, {}, 0.0}, convg = conv0, conv1 = conv0;
    r.f0.assign(N, 0.0);
    r.fg.assign(N, 0.0);
    r.f1.assign(N, 0.0);
    if (fed) {
      feed(static_cast<int>(s), 0, r.f0);
      if (trbdf2) feed(static_cast<int>(s), 1, r.fg);
      feed(static_cast<int>(s), 2, r.f1);
      for (size_t i = 0; i < N; ++i) {
        conv0.r0 += r.f0[i];
        if (trbdf2) convg.r0 += r.fg[i];
        conv1.r0 += r.f1[i];
      }
    } else if (osmotic) {
      osmotic_sources(0, fluid_phi_n_, r.f0, conv0.r0);  // the later stages iterate below
      if (trbdf2) osmotic_sources(1, fluid_phi_n_, r.fg, convg.r0);
      osmotic_sources(2, fluid_phi_n_, r.f1, conv1.r0);
    }
    const bool staged = fed || osmotic;
    const auto& b0 = op.source();
    const bool sourced = injected.r0 != 0.0;
    std::vector<double> b_eff;
    if (sourced) {
      b_eff = b0;
      for (size_t i = 0; i < N; ++i) b_eff[i] += r.src[i];
    }
    const std::vector<double>& b = sourced ? b_eff : b0;
    r.Au.resize(N);
    r.rhs.resize(N);
    op.apply(0.0, 1.0, r.u, r.Au);
    std::vector<const RateFunctional*> rates;
    for (const auto& f : op.outflows()) rates.push_back(&f);
    if (op.inflow()) rates.push_back(op.inflow());
    if (injected.r0 != 0.0) rates.push_back(&injected);
    // uptake from an infinite dose adds to what was applied; from a saturated film it comes out of
    // the vehicle
    const bool from_film = r.saturated;
    auto counter_name = [from_film](const RateFunctional* f) {
      return f->name == "applied" ? std::string(from_film ? "vehicle_uptake" : "uptake") : f->name;
    };
    if (injected.r0 != 0.0 && !r.Q.count("injected")) r.Q["injected"] = 0.0;
    r.Q_new = r.Q;
    double estQ = 0, scaleQ = 0;
    // Conservative projection. The column sums of A are exactly the outflow weights (losses,
    // receptor) minus the inflow weights, so the total mass of a solve's result can be checked
    // without the large cancelling terms of A x. Any defect (round-off times the condition number
    // for very stiff fields such as the excess fluid, k H / mu ~ 1e-6 m2/s; the tolerance for CG)
    // is removed by one multiplicative correction x <- (1 + eps) x, which keeps zeros and signs.
    // L(x) = sum_i (A x)_i exactly: outflows minus the inflow's linear part.
    auto L = [&](const std::vector<double>& x) {
      double l = 0;
      for (const auto& f : op.outflows()) l += f.eval(x) - f.r0;
      if (op.inflow()) l -= op.inflow()->eval(x) - op.inflow()->r0;
      return l;
    };
    // rhs_sum: the exact total the solve must reproduce, built from its parts (not the sum of rhs)
    auto solve = [&](double ca, const std::vector<double>& rhs, std::vector<double>& x, double rhs_sum) {
      r.solver->solve(rhs, x);
      double lhs_sum = ca * L(x);
      for (size_t i = 0; i < N; ++i) lhs_sum += M[i] * x[i];
      if (std::fabs(lhs_sum) > 1e-300) {
        const double eps = (rhs_sum - lhs_sum) / lhs_sum;
        // a correction of the solver's inexactness, never a rescue: for the stiff fluid with CG the
        // relative residual (of a right-hand side holding large Darcy terms) can leave ~1e-6 of its
        // volume; a wrong solution would be off by far more
        if (std::fabs(eps) < 1e-4)
          for (size_t i = 0; i < N; ++i) x[i] *= 1.0 + eps;
      }
    };
    // A stage whose osmotic source depends on its own solution: re-linearise about the latest
    // solution and solve again (same matrix) until phi stops moving; other stages solve once.
    auto solve_stage = [&](int stage, std::vector<double>& fk, double& total, std::vector<double>& x, const std::function<void(double&)>& build) {
      const double ca = stage == 2 && !trbdf2 ? h : 0.5 * kGamma * h;  // the step matrix's A coefficient
      double rhs_sum = 0;
      build(rhs_sum);
      solve(ca, r.rhs, x, rhs_sum);
      if (!osmotic) return;
      // The slope a was taken at the start of the step; where phi moves far within it (a papule
      // draining in its first step) plain re-linearisation can overshoot, so the linearisation point
      // is under-relaxed while the change does not shrink. A stage that does not converge fails the
      // step (smaller steps converge: the iteration contracts as h -> 0).
      std::vector<double> phi(N - 1), prev = fluid_phi_n_;
      double omega = 1.0, last = std::numeric_limits<double>::infinity();
      bool converged = false;
      for (int it = 0; it < 40; ++it) {
        double change = 0, peak = 0;
        for (size_t i = 0; i + 1 < N; ++i) {
          phi[i] = x[i] / fluid_built_a_[i];
          change = std::max(change, std::fabs(phi[i] - prev[i]));
          peak = std::max(peak, std::fabs(phi[i]));
        }
        if (change <= 1e-3 * p_.time.rtol * peak + 1e-300) {
          converged = true;
          break;
        }
        if (change > 0.7 * last) omega = std::max(0.125, 0.5 * omega);
        last = change;
        for (size_t i = 0; i + 1 < N; ++i) prev[i] += omega * (phi[i] - prev[i]);
        osmotic_sources(stage, prev, fk, total);
        build(rhs_sum);
        solve(ca, r.rhs, x, rhs_sum);
      }
      if (!converged) osmotic_failed = true;
    };
    if (p_.time.scheme == Scheme::BackwardEuler) {
      r.solver->setup(op, r.version, 1.0, h);
      r.u_new = r.u;
      solve_stage(2, r.f1, conv1.r0, r.u_new, [&](double& rhs_sum) {
        rhs_sum = h * (bsum + conv1.r0);
        for (size_t i = 0; i < N; ++i) {
          r.rhs[i] = M[i] * r.u[i] + h * (b[i] + r.f1[i]);
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
          const double Mf0 = b[i] + r.f0[i] - r.Au[i];
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
      solve_stage(1, r.fg, convg.r0, r.ug, [&](double& stage1_sum) {
        for (size_t i = 0; i < N; ++i) r.rhs[i] = M[i] * r.u[i] - alpha * r.Au[i] + alpha * (2.0 * b[i] + r.f0[i] + r.fg[i]);
        stage1_sum = -alpha * Lu + alpha * (2.0 * bsum + conv0.r0 + convg.r0);
        for (size_t i = 0; i < N; ++i) stage1_sum += M[i] * r.u[i];
      });
      r.u_new = r.ug;
      solve_stage(2, r.f1, conv1.r0, r.u_new, [&](double& stage2_sum) {
        stage2_sum = alpha * (bsum + conv1.r0);
        for (size_t i = 0; i < N; ++i) {
          r.rhs[i] = M[i] * (kA * r.ug[i] + kB * r.u[i]) + alpha * (b[i] + r.f1[i]);
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
          const double Mf0 = b[i] + r.f0[i] - r.Au[i];
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
      r.solver->solve(r.est, r.e);
      double num = 0, den = 0;
      for (size_t i = 0; i < N; ++i) {
        num += M[i] * std::fabs(r.e[i]);
        den += M[i] * std::max(std::fabs(r.u[i]), std::fabs(r.u_new[i]));
      }
      num += estQ;
      den += scaleQ;
      const double atol = 1e-6 * rtol * r.amount_scale;
      err = std::max(err, num / (rtol * den + atol));
    }
  }
  if (osmotic_failed) return std::numeric_limits<double>::infinity();  // rejected, also with a fixed dt
  return err;
}

void Simulation::accept() {
  const size_t n = p_.grid.cells();
  for (auto& rp : sp_) {
    SpeciesRun& r = *rp;
    if (r.active_vehicle >= 0 && !p_.vehicles[r.active_vehicle].infinite) {
      if (r.saturated)
        r.vehicle_mass -= r.Q_new["vehicle_uptake"] - r.Q["vehicle_uptake"];
      else
        r.vehicle_mass = r.op->mass()[n] * r.u_new[n];
    }
    if (!p_.enzymes.empty()) {
      r.u_prev = r.u;  // for the extrapolation of an enzyme solved after its substrate
      r.h_prev = h_now_;
    }
    std::swap(r.u, r.u_new);
    r.Q = r.Q_new;
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
    h["vehicle"].push_back(b.vehicle);
    h["deposit"].push_back(b.deposit);
    h["vehicle_volume"].push_back(b.vehicle_volume);
    h["washed"].push_back(b.washed);
    h["applied"].push_back(b.applied);
    if (!p_.osmotic.empty() && static_cast<int>(s) == p_.fluid) h["drawn_in"].push_back(b.drawn_in);
    if (sp_[s]->Q.count("converted_in")) h["converted_in"].push_back(b.converted_in);
    h["balance_error"].push_back(b.error());
    for (size_t l = 0; l < g.layer_names.size(); ++l) h["layer/" + g.layer_names[l]].push_back(b.layer[l]);
    if (static_cast<int>(s) == p_.fluid) {
      const auto e = surface_elevation();
      h["max_elevation"].push_back(e.empty() ? 0.0 : *std::max_element(e.begin(), e.end()));
    }
  }
}

void Simulation::run(const OutputFn& on_output, const StepFn& on_step) {
  const auto wall0 = std::chrono::steady_clock::now();
  const double T = p_.time.end;
  // every instant the loop must land on
  std::vector<double> stops = p_.time.outputs;
  for (const auto& v : p_.vehicles) {
    stops.push_back(v.t_on);
    if (std::isfinite(v.t_off)) stops.push_back(v.t_off);
    if (std::isfinite(v.dry_time()) && v.dry_time() < v.t_off) stops.push_back(v.dry_time());
  }
  for (const auto& d : p_.deposits) stops.push_back(d.time);
  for (const auto& sp : p_.species) {
    for (const auto& c : sp.channels) stops.push_back(c.t_open);
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
  t_ = 0.0;
  auto visit_stop = [&](double t) {
    const size_t before_rebuild = 0;
    (void)before_rebuild;
    apply_events(t);
    if (next_out < outs.size() && outs[next_out] == t) {
      if (on_output) on_output(*this, t, out_index);
      ++out_index;
      ++next_out;
    }
  };
  visit_stop(0.0);
  record();
  size_t si = (!stops.empty() && stops.front() == 0.0) ? 1 : 0;
  while (t_ < T) {
    const double stop = stops[si];
    double step = std::min({h, max_step_for_vehicles(), max_step_for_channels()});
    bool lands = false;
    if (t_ + step >= stop || (p_.time.dt_fixed <= 0 && t_ + 1.05 * step >= stop)) {
      step = stop - t_;
      lands = true;
    }
    prepare_vehicles(t_ + step);
    prepare_channels(t_ + step);
    prepare_fluid();
    const double err = attempt(step);
    if (std::isinf(err)) {
      // the osmotic coupling did not converge: a shorter step (also under a fixed dt, which is then
      // the longest step; it comes back by doubling)
      ++stats_.rejected;
      h = 0.2 * step;
      if (h < 1e-14 * T)
        throw std::runtime_error("the osmotic (HA) coupling of the excess fluid did not converge at t = " + format_quantity(t_, dims::time) +
                                 " even with a step of " + format_quantity(step, dims::time));
      continue;
    }
    if (p_.time.dt_fixed <= 0 && err > 1.0) {
      ++stats_.rejected;
      const double fac = std::max(0.2, 0.9 * std::pow(err, p_.time.scheme == Scheme::TrBdf2 ? -1.0 / 3.0 : -0.5));
      h = step * fac;
      if (h < 1e-14 * T) throw std::runtime_error("time step became too small (" + std::to_string(h) + " s) at t = " + std::to_string(t_) + " s");
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
      const bool has_event = std::any_of(p_.vehicles.begin(), p_.vehicles.end(), [&](const VehicleSpec& v) { return v.t_on == t_ || v.t_off == t_; }) ||
                             std::any_of(p_.deposits.begin(), p_.deposits.end(), [&](const DepositSpec& d) { return d.time == t_; });
      visit_stop(t_);
      if (has_event && p_.time.dt_fixed <= 0) h = std::min(h, h0);
    }
    record();
    if (on_step) on_step(*this, t_, step);
  }
  stats_.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  for (const auto& r : sp_) {
    stats_.linear.solves += r->solver->stats.solves;
    stats_.linear.iterations += r->solver->stats.iterations;
    stats_.linear.factorizations += r->solver->stats.factorizations;
  }
}

}  // namespace dermasim

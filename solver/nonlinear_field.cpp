// SPDX-License-Identifier: BSD-3-Clause
#include "nonlinear_field.hpp"

#include "state.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace dermasim {

void NonlinearField::setup(Problem& p) {
  if (s_ < 0 || s_ >= static_cast<int>(p.species.size())) throw std::invalid_argument("state-dependent coefficients: invalid species");
  if (!p.species[s_].conductances.empty())
    throw std::invalid_argument("state-dependent coefficients: species '" + p.species[s_].name + "' has time-dependent conductances too");
  if (!law_.conductance || static_cast<bool>(law_.potential) != static_cast<bool>(law_.slope))
    throw std::invalid_argument("state-dependent coefficients: a law is missing");
  if (!(max_change_ > 0)) throw std::invalid_argument("state-dependent coefficients: max_change must be positive");
  DK0_ = p.species[s_].DK;
  if (!law_.potential_loss.empty()) {
    auto& L = p.species[s_].losses;
    if (std::none_of(L.begin(), L.end(), [&](const LossChannel& c) { return c.name == law_.potential_loss; }))
      throw std::invalid_argument("state-dependent coefficients: species '" + p.species[s_].name + "' has no loss channel '" + law_.potential_loss + "'");
    if (law_.potential_loss_coeff.size() != p.grid.cells()) throw std::invalid_argument("state-dependent coefficients: one loss coefficient per cell needed");
  }
}

void NonlinearField::coefficients(const std::vector<double>& c, const std::vector<double>& K, std::vector<double>& a, std::vector<double>& f) const {
  const size_t n = c.size();
  a.resize(n);
  f.resize(n);
  for (size_t i = 0; i < n; ++i) {
    // the secant P(c)/c; its limit P'(0) at (nearly) zero
    if (!law_.potential)
      a[i] = 1.0 / K[i];  // the capacity is left as it is (another coupling may own it)
    else
      a[i] = std::fabs(c[i]) > 1e-10 ? law_.potential(i, c[i]) / c[i] : law_.slope(i, 0.0);
    f[i] = law_.conductance(i, c[i]);
    if (!(a[i] > 0) || !(f[i] > 0) || !std::isfinite(a[i]) || !std::isfinite(f[i]))
      throw std::runtime_error("state-dependent coefficients: the law gives a non-positive capacity or conductance at c = " + std::to_string(c[i]));
  }
}

void NonlinearField::init(Simulation& sim) {
  const size_t n = sim.grid().cells();
  a_built_.assign(n, 0.0);
  f_built_.assign(n, 0.0);
  sub_cycled_ = sim.multirate() && sim.problem().carrier.species == s_;
}

double NonlinearField::bound() const { return rate_ > 0 ? max_change_ / rate_ : std::numeric_limits<double>::infinity(); }

double NonlinearField::max_step(const Simulation&) const { return sub_cycled_ ? std::numeric_limits<double>::infinity() : bound(); }

double NonlinearField::max_substep(const Simulation&, int s) const { return s == s_ ? bound() : std::numeric_limits<double>::infinity(); }

void NonlinearField::before_step(Simulation& sim) {
  if (!sub_cycled_) relinearise_at(sim, sim.time());
}

void NonlinearField::relinearise(Simulation& sim, int s, double t) {
  if (s == s_) relinearise_at(sim, t);
}

void NonlinearField::save_state(SavedState& st, const std::string& prefix) const {
  st.put(prefix + "a_built", a_built_);
  st.put(prefix + "f_built", f_built_);
  st.put(prefix + "a_last", a_last_);
  st.put(prefix + "f_last", f_last_);
  st.put(prefix + "t_last", t_last_);
  st.put(prefix + "rate", rate_);
}

void NonlinearField::restore_state(const SavedState& st, const std::string& prefix) {
  // (absent from checkpoints written before it: the coefficients are then rebuilt from the state at
  // the first step, as they were)
  if (!st.has(prefix + "a_built")) return;
  const size_t n = a_built_.size();
  std::vector<double> ab = st.get(prefix + "a_built", n), fb = st.get(prefix + "f_built", n);
  std::vector<double> al = st.get(prefix + "a_last"), fl = st.get(prefix + "f_last");
  const double t_last = st.scalar(prefix + "t_last"), rate = st.scalar(prefix + "rate");
  // (no last coefficients exactly when no step has started: t_last < 0)
  if ((al.size() != 0 && al.size() != n) || fl.size() != al.size() || al.empty() != (t_last < 0))
    throw CheckpointError("the checkpoint's state-dependent coefficients do not match the grid");
  auto ok = [](const std::vector<double>& v, bool zero_allowed) {
    return std::all_of(v.begin(), v.end(), [&](double x) { return std::isfinite(x) && (x > 0 || (zero_allowed && x == 0)); });
  };
  // (built 0: not built yet, the first step builds)
  if (!ok(ab, true) || !ok(fb, true) || !ok(al, false) || !ok(fl, false) || !std::isfinite(t_last) || !(rate >= 0 && std::isfinite(rate)))
    throw CheckpointError("the checkpoint's state-dependent coefficients are out of range");
  a_built_ = std::move(ab);
  f_built_ = std::move(fb);
  a_last_ = std::move(al);
  f_last_ = std::move(fl);
  t_last_ = t_last;
  rate_ = rate;
}

void NonlinearField::relinearise_at(Simulation& sim, double t) {
  sim.concentration(s_, c_);
  const std::vector<double>& c = c_;
  std::vector<double>&a = a_, &f = f_;
  Simulation::SpeciesState& st = sim.state(s_);
  coefficients(c, st.spec.K, a, f);
  const size_t n = c.size();
  // the rate of change since the last step's start (no rate across a rejected attempt: same t)
  if (t_last_ >= 0 && t > t_last_) {
    double worst = 0;
    for (size_t i = 0; i < n; ++i)
      worst = std::max({worst, std::fabs(std::log(a[i] / a_last_[i])), std::fabs(std::log(f[i] / f_last_[i]))});
    rate_ = worst / (t - t_last_);
  }
  if (t > t_last_) {
    a_last_ = a;
    f_last_ = f;
    t_last_ = t;
  }
  // rebuild when a coefficient moved by more than rebuild_change since the build
  double moved = 0;
  for (size_t i = 0; i < n && moved <= rebuild_change_; ++i) {
    if (!(a_built_[i] > 0)) {
      moved = std::numeric_limits<double>::infinity();
      break;
    }
    moved = std::max({moved, std::fabs(std::log(a[i] / a_built_[i])), std::fabs(std::log(f[i] / f_built_[i]))});
  }
  if (moved <= rebuild_change_ && rebuild_change_ > 0) return;
  for (size_t i = 0; i < n; ++i) {
    st.spec.DK[i] = DK0_[i] * f[i];
    if (!law_.potential) continue;
    st.spec.K[i] = 1.0 / a[i];
    st.u[i] = a[i] * c[i];  // the same mass V c under the new capacity
  }
  if (!law_.potential_loss.empty())
    for (auto* losses : {&st.spec.losses, &st.base_losses})
      for (auto& L : *losses)
        if (L.name == law_.potential_loss) {
          L.k.resize(n);  // (a channel stored empty is zero everywhere)
          for (size_t i = 0; i < n; ++i) L.k[i] = law_.potential_loss_coeff[i] * a[i];
        }
  a_built_ = a;
  f_built_ = f;
  sim.rebuild(s_, t);
  ++rebuilds_;
}

}  // namespace dermasim

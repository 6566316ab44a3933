// SPDX-License-Identifier: BSD-3-Clause
// A field whose capacity and conductance depend on its own state (a coupling of the time loop,
// solver/coupling.hpp): the conservation law
//
//   d c/dt = div( G0 f(c) grad P(c) ) - losses + sources,
//
// c = K u the field's concentration (a volume fraction for a volume field), P(c) an increasing
// potential with P(0) = 0 and G0 f(c) the conductance (the base D K times a factor). The operator is
// linear in u; this coupling keeps it a Picard (lagged-coefficient) linearisation of the law:
// before each step it sets the secant capacity K = c / P(c) (P'(0) at c = 0), so that the unknown
// u = P(c) exactly at the start of the step, and D K = G0 f(c). The mass V K u = V c is unchanged by
// the rebuild (round-off), so the balance of the time loop stays exact. The lag error is first order
// in the step: the coupling limits the step so that the coefficients change by at most
// `max_change` (relative, largest over the cells) per step, estimated from the last step.
// Knows nothing of what the field is (models/ gives the laws).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "simulation.hpp"

namespace dermasim {

struct StateLaw {
  // per cell: P(c), P'(c) (> 0; used as the capacity's inverse at c = 0) and the conductance factor
  // f(c) > 0 that multiplies the species' base D K. Without potential/slope only the conductance
  // follows the state (the capacity is left to the species or another coupling).
  std::function<double(size_t, double)> potential, slope, conductance;
  // Optionally a loss channel of the species whose rate is proportional to the potential: per cell
  // G u (amount per volume per second), i.e. the channel's first-order rate k = G P(c)/c = G / K
  // (e.g. a leak to a sink held at zero potential). Kept in step with the capacity.
  std::string potential_loss;
  std::vector<double> potential_loss_coeff;  // G per cell
};

class NonlinearField : public Coupling {
 public:
  // max_change: the largest relative change of a coefficient per step; rebuild_change: the change
  // since the operator was built above which it is rebuilt (0: at every step)
  NonlinearField(int species, StateLaw law, double max_change = 0.1, double rebuild_change = 1e-3)
      : s_(species), law_(std::move(law)), max_change_(max_change), rebuild_change_(rebuild_change) {}
  std::string name() const override { return "state-dependent coefficients"; }
  void setup(Problem& p) override;
  void init(Simulation& sim) override;
  double max_step(const Simulation& sim) const override;
  void before_step(Simulation& sim) override;
  bool relinearises(int s) const override { return s == s_; }
  // As the carrier sub-cycled inside the other species' steps (TimeSpec::multirate): re-linearised
  // before each of its sub-steps, which the change bound limits (not the whole steps).
  bool relinearises_substeps(int s) const override { return s == s_; }
  void relinearise(Simulation& sim, int s, double t) override;
  double max_substep(const Simulation& sim, int s) const override;
  // the coefficients the operator was built with and the lag's rate (a restarted run continues
  // with the same operators and step bounds: the same steps; sub-cycled, also the state a retried
  // step starts from)
  void save_state(SavedState& st, const std::string& prefix) const override;
  void restore_state(const SavedState& st, const std::string& prefix) override;
  int species() const { return s_; }
  // number of operator rebuilds (for the performance notes)
  long rebuilds() const { return rebuilds_; }

 private:
  void coefficients(const std::vector<double>& c, const std::vector<double>& K, std::vector<double>& a, std::vector<double>& f) const;
  void relinearise_at(Simulation& sim, double t);
  double bound() const;
  int s_;
  StateLaw law_;
  double max_change_, rebuild_change_;
  std::vector<double> DK0_;               // the base conductance
  std::vector<double> a_built_, f_built_; // the secant stiffness 1/K and factor the operator holds
  std::vector<double> a_last_, f_last_;   // at the last step's start
  double t_last_ = -1;
  double rate_ = 0;                       // largest relative change of the coefficients per second
  long rebuilds_ = 0;
  std::vector<double> c_, a_, f_;         // work arrays (kept: no fresh memory per step)
  bool sub_cycled_ = false;               // re-linearised per sub-step (relinearise), not per step
};

}  // namespace dermasim
